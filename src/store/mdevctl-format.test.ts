import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DefinitionSyntaxError, formatMdevctlConfig, isAttrName, parseMdevctlConfig } from './mdevctl-format.ts';
import { formatVendorVfioConfig, parseVendorVfioConfig } from './vendor-vfio-format.ts';

// Written by Debian's mdevctl 1.2.0 (`define -u … -p 0000:3b:00.0 -t nvidia-222`, then
// `modify --addattr`), captured with od: 2-space JSON, no final newline.
const MDEVCTL_MANUAL = '{\n  "mdev_type": "nvidia-222",\n  "start": "manual",\n  "attrs": []\n}';
const MDEVCTL_AUTO_ATTRS =
  '{\n  "mdev_type": "nvidia-222",\n  "start": "auto",\n  "attrs": [\n    {\n      "foo": "bar"\n    },\n    {\n      "zed": "a b"\n    }\n  ]\n}';

describe('formatMdevctlConfig()', () => {
  test('writes what mdevctl writes, byte for byte', () => {
    assert.equal(formatMdevctlConfig({ mdevType: 'nvidia-222', start: 'manual', attrs: [] }), MDEVCTL_MANUAL);
    assert.equal(
      formatMdevctlConfig({
        mdevType: 'nvidia-222',
        start: 'auto',
        attrs: [
          ['foo', 'bar'],
          ['zed', 'a b'],
        ],
      }),
      MDEVCTL_AUTO_ATTRS,
    );
  });

  test('round-trips through the parser with the attribute order kept', () => {
    const config = parseMdevctlConfig(MDEVCTL_AUTO_ATTRS);
    assert.deepEqual(config.attrs, [
      ['foo', 'bar'],
      ['zed', 'a b'],
    ]);
    assert.equal(formatMdevctlConfig(config), MDEVCTL_AUTO_ATTRS);
  });
});

describe('parseMdevctlConfig()', () => {
  const accepted: [string, string, object][] = [
    ['attrs missing', '{"mdev_type":"mtty-2","start":"auto"}', { mdevType: 'mtty-2', start: 'auto', attrs: [] }],
    [
      'attrs null',
      '{"mdev_type":"mtty-2","start":"auto","attrs":null}',
      { mdevType: 'mtty-2', start: 'auto', attrs: [] },
    ],
    [
      'a start other than auto is manual, as mdevctl reads it',
      '{"mdev_type":"mtty-2","start":"boot"}',
      { mdevType: 'mtty-2', start: 'manual', attrs: [] },
    ],
    [
      'unknown keys are ignored',
      '{"mdev_type":"mtty-2","start":"manual","x":1}',
      { mdevType: 'mtty-2', start: 'manual', attrs: [] },
    ],
    [
      'nested attribute paths',
      '{"mdev_type":"mtty-2","start":"manual","attrs":[{"vendor/x":"1"}]}',
      { mdevType: 'mtty-2', start: 'manual', attrs: [['vendor/x', '1']] },
    ],
  ];
  for (const [name, text, expected] of accepted) {
    test(`accepts ${name}`, () => assert.deepEqual(parseMdevctlConfig(text), expected));
  }

  const refused: [string, string, RegExp][] = [
    ['a truncated file', '{"mdev_type":"nvidia-2', /not valid JSON/],
    ['an empty file', '', /not valid JSON/],
    ['an array', '[]', /not a JSON object/],
    ['no mdev_type', '{"start":"auto"}', /"mdev_type" is missing/],
    ['no start', '{"mdev_type":"mtty-2"}', /"start" is missing/],
    ['attrs not an array', '{"mdev_type":"mtty-2","start":"auto","attrs":{}}', /not an array/],
    [
      'an attribute with two fields',
      '{"mdev_type":"mtty-2","start":"auto","attrs":[{"a":"1","b":"2"}]}',
      /exactly one field/,
    ],
    ['a numeric attribute value', '{"mdev_type":"mtty-2","start":"auto","attrs":[{"a":1}]}', /string value/],
    [
      'an attribute escaping the device',
      '{"mdev_type":"mtty-2","start":"auto","attrs":[{"../../remove":"1"}]}',
      /not a path below/,
    ],
  ];
  for (const [name, text, message] of refused) {
    test(`refuses ${name}`, () =>
      assert.throws(
        () => parseMdevctlConfig(text),
        (e) => e instanceof DefinitionSyntaxError && message.test(e.message),
      ));
  }
});

describe('isAttrName()', () => {
  const cases: [string, boolean][] = [
    ['foo', true],
    ['vendor/sample_mdev_dev', true],
    ['', false],
    ['/etc/passwd', false],
    ['a/../b', false],
    ['..', false],
    ['a//b', false],
  ];
  for (const [name, ok] of cases) test(`"${name}" → ${ok}`, () => assert.equal(isAttrName(name), ok));
});

describe('vendor-VFIO definitions', () => {
  test('round-trip', () => {
    const config = { typeId: 1145, typeName: 'NVIDIA L40S-1B', start: 'auto' as const };
    const text = formatVendorVfioConfig(config);
    assert.equal(
      text,
      '{\n  "version": 1,\n  "vgpu_type": 1145,\n  "vgpu_type_name": "NVIDIA L40S-1B",\n  "start": "auto"\n}',
    );
    assert.deepEqual(parseVendorVfioConfig(text), config);
  });

  const refused: [string, string][] = [
    ['another version', '{"version":2,"vgpu_type":1,"start":"auto"}'],
    ['a type id of 0', '{"version":1,"vgpu_type":0,"start":"auto"}'],
    ['a string type id', '{"version":1,"vgpu_type":"1145","start":"auto"}'],
    ['an unknown start', '{"version":1,"vgpu_type":1145,"start":"boot"}'],
    ['a truncated file', '{"version":1,"vgpu_t'],
  ];
  for (const [name, text] of refused) {
    test(`refuses ${name}`, () => assert.throws(() => parseVendorVfioConfig(text), DefinitionSyntaxError));
  }
});
