/**
 * Hostile input: every parser and codec, fed generated input, either returns a well-formed
 * value or fails with its own declared error — never a TypeError, a RangeError or a hang —
 * and round-trips what it writes. Seeded (test/helpers/property.ts); the seed is printed on failure.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isVgpuctlError } from '../src/core/errors.ts';
import { formatBdf, isPciAddress, parseBdf, parsePciAddress, vfAddress } from '../src/core/pci-address.ts';
import { parsePciIds } from '../src/core/pci-ids.ts';
import { parseCmdline, parseCreatableVgpuTypes, parseResourceFile, parseVramInfo } from '../src/core/sysfs-formats.ts';
import { parseUuid } from '../src/core/uuid.ts';
import { parseVgpuDescription } from '../src/core/vgpu-description.ts';
import { buildConfigSpace, type ConfigSpaceInput } from '../src/emulator/pci/config-space.ts';
import { resolveScenario } from '../src/emulator/scenario/load.ts';
import { el, parseXml, renderXml } from '../src/formats/libvirt-xml.ts';
import { parseNvidiaSmiXml } from '../src/formats/nvidia-smi-xml.ts';
import { parseToml, TomlSyntaxError } from '../src/formats/toml.ts';
import { checkTypeQuery, parseVgpuIds } from '../src/ops/vgpu/resolve.ts';
import {
  DefinitionSyntaxError,
  formatMdevctlConfig,
  isAttrName,
  parseMdevctlConfig,
} from '../src/store/mdevctl-format.ts';
import { checkPathName } from '../src/store/paths.ts';
import { checkProperty, hostileText } from './helpers/property.ts';

/** Runs `parse`; an error must be one of the declared kinds. */
function parsesOrRefuses(parse: () => unknown, declared: (error: unknown) => boolean): void {
  try {
    parse();
  } catch (error) {
    if (!declared(error)) throw error;
  }
}

const isUserError = (error: unknown) => isVgpuctlError(error) && error.code !== 'INTERNAL';
const hex = (digits: number) => fc.integer({ min: 0, max: 16 ** digits - 1 });

describe('PCI addresses', () => {
  test('any text parses to a canonical address or is refused with INVALID_PCI_ADDRESS', () =>
    checkProperty(
      fc.property(hostileText(), (text) => {
        try {
          assert.ok(isPciAddress(parsePciAddress(text)));
        } catch (error) {
          assert.ok(isVgpuctlError(error) && error.code === 'INVALID_PCI_ADDRESS', String(error));
          assert.ok(error.message.length < 200, 'the echoed input is clipped');
        }
      }),
    ));

  test('every address round-trips, in either case, with or without the domain', () =>
    checkProperty(
      fc.property(
        hex(4),
        hex(2),
        fc.integer({ min: 0, max: 0x1f }),
        fc.integer({ min: 0, max: 7 }),
        (d, b, dev, fn) => {
          const canonical = formatBdf({ domain: d, bus: b, device: dev, fn });
          assert.deepEqual(parseBdf(canonical), { domain: d, bus: b, device: dev, fn });
          assert.equal(parsePciAddress(canonical.toUpperCase()), canonical);
          if (d === 0) assert.equal(parsePciAddress(canonical.slice(5)), canonical);
        },
      ),
    ));

  test('VF addresses follow the routing-ID arithmetic of drivers/pci/iov.c', () =>
    checkProperty(
      fc.property(
        hex(2),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 63 }),
        (bus, offset, stride, index) => {
          // Bus numbers are 8 bits: a VF that would spill past bus 0xff cannot exist.
          fc.pre(bus + ((offset + stride * index) >> 8) <= 0xff);
          const vf = parseBdf(vfAddress(formatBdf({ domain: 0, bus, device: 0, fn: 0 }), offset, stride, index));
          assert.equal(((vf.bus - bus) << 8) | (vf.device << 3) | vf.fn, offset + stride * index);
        },
      ),
    ));
});

describe('names and paths from users', () => {
  test('a name accepted as a path component never walks out of its directory', () =>
    checkProperty(
      fc.property(hostileText(), (name) => {
        try {
          const accepted = checkPathName('parent', name);
          assert.ok(!accepted.includes('/') && !accepted.includes('..') && accepted !== '.' && accepted !== '');
        } catch (error) {
          assert.ok(isVgpuctlError(error) && error.code === 'INVALID_NAME', String(error));
        }
      }),
    ));

  test('a type query is never empty and never holds a path separator or control character', () =>
    checkProperty(
      fc.property(hostileText(), (query) => {
        try {
          const accepted = checkTypeQuery(query);
          assert.ok(accepted !== '' && !accepted.includes('/') && !/[\u0000-\u001f]/.test(accepted));
        } catch (error) {
          assert.ok(isVgpuctlError(error) && error.code === 'INVALID_NAME', String(error));
        }
      }),
    ));

  test('vGPU ids are UUIDs or PCI addresses, or a usage error', () =>
    checkProperty(
      fc.property(fc.array(fc.oneof(hostileText(), fc.uuid()), { maxLength: 4 }), (texts) =>
        parsesOrRefuses(() => parseVgpuIds(texts, 'remove vGPUs'), isUserError),
      ),
    ));

  test('UUIDs: lower-case ones round-trip, anything else is INVALID_UUID', () =>
    checkProperty(
      fc.property(fc.oneof(fc.uuid(), hostileText()), (text) => {
        try {
          assert.equal(parseUuid(text), text.trim());
        } catch (error) {
          assert.ok(isVgpuctlError(error) && error.code === 'INVALID_UUID', String(error));
        }
      }),
    ));

  test('mdev attribute names never leave the device directory', () =>
    checkProperty(
      fc.property(hostileText(), (name) => {
        if (isAttrName(name)) assert.ok(!name.startsWith('/') && !name.split('/').includes('..'));
      }),
    ));
});

describe('sysfs and tool formats', () => {
  test('pci.ids: any text parses (malformed lines are skipped, as pciutils does)', () =>
    checkProperty(
      fc.property(hostileText(), hex(4), hex(4), (text, vendor, device) => {
        const ids = parsePciIds(text);
        ids.names(vendor, device, vendor, device);
        ids.className(0x030000);
      }),
    ));

  test('pci.ids: generated entries are found by their ids', () =>
    checkProperty(
      fc.property(
        hex(4),
        hex(4),
        fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ._-]{0,30}[A-Za-z0-9]$/),
        (vendor, device, name) => {
          const h = (n: number) => n.toString(16).padStart(4, '0');
          const ids = parsePciIds(`${h(vendor)}  Vendor ${name}\n\t${h(device)}  ${name}\n`);
          assert.equal(ids.names(vendor, device).device, name);
          assert.equal(ids.vendorName(vendor), `Vendor ${name}`);
        },
      ),
    ));

  test('NVIDIA type descriptions: any text gives facts, and generated ones read back', () => {
    checkProperty(fc.property(hostileText(), (text) => void parseVgpuDescription(text)));
    checkProperty(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 1, max: 98304 }),
        fc.integer({ min: 1, max: 64 }),
        (heads, frl, fb, max) => {
          const facts = parseVgpuDescription(
            `num_heads=${heads}, frl_config=${frl}, framebuffer=${fb}M, max_resolution=7680x4320, max_instance=${max}`,
          );
          assert.equal(facts.heads, heads);
          assert.equal(facts.framebufferMiB, fb);
          assert.equal(facts.maxInstances, max);
        },
      ),
    );
  });

  test('resource, cmdline, creatable_vgpu_types and vram_info parsers take any text', () =>
    checkProperty(
      fc.property(hostileText(), (text) => {
        for (const parse of [parseResourceFile, parseCmdline, parseCreatableVgpuTypes, parseVramInfo]) {
          parsesOrRefuses(
            () => parse(text),
            (error) => error instanceof SyntaxError || isUserError(error),
          );
        }
      }),
    ));

  test('mdevctl JSON: any text parses or is a DefinitionSyntaxError; written definitions read back', () => {
    checkProperty(
      fc.property(fc.oneof(hostileText(), fc.json()), (text) =>
        parsesOrRefuses(
          () => parseMdevctlConfig(text),
          (error) => error instanceof DefinitionSyntaxError,
        ),
      ),
    );
    const attrName = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}(\/[A-Za-z0-9_-]{1,8})?$/).filter(isAttrName);
    checkProperty(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9_-]{0,20}$/),
        fc.constantFrom('auto' as const, 'manual' as const),
        fc.array(fc.tuple(attrName, fc.string({ maxLength: 20 })), { maxLength: 4 }),
        (mdevType, start, attrs) => {
          const config = { mdevType, start, attrs };
          assert.deepEqual(parseMdevctlConfig(formatMdevctlConfig(config)), config);
        },
      ),
    );
  });

  test('nvidia-smi XML: any text gives a log or a SyntaxError', () =>
    checkProperty(
      fc.property(
        fc.oneof(
          hostileText(),
          hostileText().map(
            (inner) =>
              `<nvidia_smi_log><gpu id="${inner}"><product_name>${inner}</product_name></gpu></nvidia_smi_log>`,
          ),
        ),
        (xml) =>
          parsesOrRefuses(
            () => parseNvidiaSmiXml(xml),
            (error) => error instanceof SyntaxError,
          ),
      ),
    ));

  test('libvirt XML: attributes and text with markup characters round-trip', () =>
    checkProperty(
      fc.property(
        fc
          .string({ maxLength: 40 })
          .filter((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(s) && s.trim() === s && s !== ''),
        (value) => {
          const xml = renderXml(el('domain', { type: 'kvm' }, [el('name', {}, value), el('hostdev', { mode: value })]));
          const back = parseXml(xml);
          assert.equal(back.name, 'domain');
          assert.equal(renderXml(back), xml);
        },
      ),
    ));

  test('libvirt XML: any text gives an element tree or a SyntaxError', () =>
    checkProperty(
      fc.property(hostileText(), (text) =>
        parsesOrRefuses(
          () => parseXml(text),
          (error) => error instanceof SyntaxError,
        ),
      ),
    ));
});

describe('scenario TOML', () => {
  test('any text is a TOML syntax error or a scenario (error) — never an internal error', () =>
    checkProperty(
      fc.property(
        fc.oneof(
          hostileText(),
          fc
            .tuple(fc.constantFrom('iommu', 'name', 'gpus', '[[gpu]]', 'model', 'count', 'vgpu'), hostileText())
            .map(([key, value]) => `${key} = ${JSON.stringify(value)}\n`),
        ),
        (text) => {
          parsesOrRefuses(
            () => parseToml(text),
            (error) => error instanceof TomlSyntaxError,
          );
          parsesOrRefuses(() => resolveScenario({ tomlText: text, source: '/tmp/fuzz.toml' }), isUserError);
        },
      ),
    ));
});

describe('PCI configuration space', () => {
  const input = fc.record({
    vendor: hex(4),
    device: hex(4),
    pm: fc.boolean(),
    msi: fc.option(fc.record({ vectors: fc.constantFrom(1, 2, 4, 8, 16, 32), is64: fc.boolean() }), { nil: undefined }),
    msix: fc.option(
      fc.record({
        tableSize: fc.integer({ min: 1, max: 2048 }),
        bar: fc.constant(0),
        tableOffset: fc.constant(0),
        pbaOffset: fc.constant(0x8000),
      }),
      { nil: undefined },
    ),
    sriov: fc.boolean(),
    ari: fc.boolean(),
    acs: fc.boolean(),
    gen: fc.integer({ min: 1, max: 5 }),
  });

  test('the capability lists are well formed: aligned, in range, acyclic, each capability once', () =>
    checkProperty(
      fc.property(input, (i) => {
        const config: ConfigSpaceInput = {
          vendor: i.vendor,
          device: i.device,
          classCode: 0x030200,
          revision: 0xa1,
          headerType: 0,
          multiFunction: false,
          subsystemVendor: i.vendor,
          subsystemDevice: i.device,
          bars: [{ index: 0, kind: 'mem32', prefetchable: false, size: 16 << 20, address: 0x9400_0000n }],
          interruptPin: 1,
          interruptLine: 11,
          commandEnabled: true,
          pm: i.pm,
          ...(i.msi === undefined ? {} : { msi: i.msi }),
          ...(i.msix === undefined ? {} : { msix: i.msix }),
          pcie: { portType: 'endpoint', maxGen: i.gen, maxWidth: 16, currentGen: i.gen, currentWidth: 8 },
          ...(i.sriov
            ? { sriov: { totalVfs: 16, numVfs: 0, offset: 4, stride: 1, vfDevice: i.device, vfBars: [] } }
            : {}),
          ...(i.ari ? { ari: { nextFunction: 0 } } : {}),
          acs: i.acs,
        };
        const space = buildConfigSpace(config);
        assert.equal(space.length, 4096);
        assert.equal(space.readUInt16LE(0), i.vendor);
        assert.equal(space.readUInt16LE(2), i.device);
        const seen: number[] = [];
        for (let at = space[0x34] as number; at !== 0; at = space[at + 1] as number) {
          assert.ok(at >= 0x40 && at < 0x100 && at % 4 === 0, `capability at 0x${at.toString(16)}`);
          assert.ok(seen.length < 48, 'the capability list ends');
          seen.push(space[at] as number);
        }
        assert.equal(new Set(seen).size, seen.length, 'each capability once');
        assert.equal(seen.includes(0x01), i.pm);
        assert.equal(seen.includes(0x05), i.msi !== undefined);
        assert.equal(seen.includes(0x11), i.msix !== undefined);
        const extended: number[] = [];
        for (let at = 0x100; at !== 0; ) {
          const header = space.readUInt32LE(at);
          if (header === 0) break;
          assert.ok(at >= 0x100 && at < 0x1000 && at % 4 === 0);
          assert.ok(extended.length < 48, 'the extended capability list ends');
          extended.push(header & 0xffff);
          at = header >>> 20;
        }
        assert.equal(extended.includes(0x10), i.sriov);
        assert.equal(extended.includes(0x0e), i.ari);
        assert.equal(extended.includes(0x0d), i.acs);
      }),
    ));
});
