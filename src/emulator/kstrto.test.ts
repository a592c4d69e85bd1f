import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KernelErrno } from './kernfs/errno-error.ts';
import { kstrtobool, kstrtoint, kstrtou16, kstrtoul, scanHexFields, sysfsStreq } from './kstrto.ts';

function errnoOf(fn: () => unknown): string | number {
  try {
    return fn() as number;
  } catch (error) {
    if (error instanceof KernelErrno) return error.errno;
    throw error;
  }
}

describe('kstrtoul (base 0)', () => {
  const cases: [string, number | string][] = [
    ['1', 1],
    ['1\n', 1],
    ['0x10\n', 16],
    ['010', 8],
    ['0', 0],
    ['+5', 5],
    ['', 'EINVAL'],
    ['\n', 'EINVAL'],
    ['1\n\n', 'EINVAL'],
    ['abc', 'EINVAL'],
    ['08', 'EINVAL'],
    ['-1', 'EINVAL'],
    [' 1', 'EINVAL'],
    ['0x', 'EINVAL'],
    ['18446744073709551616', 'ERANGE'],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} → ${expected}`, () =>
      assert.equal(
        errnoOf(() => kstrtoul(input)),
        expected,
      ));
  }
  test('stops at the first NUL, as the C string does', () => assert.equal(kstrtoul(Buffer.from('7\0garbage')), 7));
});

describe('narrow and signed variants', () => {
  test('kstrtou16 rejects 65536 with ERANGE', () =>
    assert.equal(
      errnoOf(() => kstrtou16('65536')),
      'ERANGE',
    ));
  test('kstrtoint accepts -1 and rejects 2^31 with ERANGE', () => {
    assert.equal(kstrtoint('-1\n'), -1);
    assert.equal(
      errnoOf(() => kstrtoint('2147483648')),
      'ERANGE',
    );
  });
  test('kstrtobool reads the first characters', () => {
    const cases: [string, boolean | string][] = [
      ['1', true],
      ['y\n', true],
      ['on', true],
      ['off', false],
      ['N', false],
      ['o', 'EINVAL'],
      ['x', 'EINVAL'],
    ];
    for (const [input, expected] of cases) {
      let got: boolean | string;
      try {
        got = kstrtobool(input);
      } catch (error) {
        got = (error as KernelErrno).errno;
      }
      assert.equal(got, expected, input);
    }
  });
});

describe('sscanf %x fields and sysfs_streq', () => {
  test('new_id forms parse field by field', () => {
    assert.deepEqual(scanHexFields('10de 2236\n', 7), [0x10de, 0x2236]);
    assert.deepEqual(scanHexFields('0x10de 0x2236 ffffffff', 7), [0x10de, 0x2236, 0xffffffff]);
    assert.deepEqual(scanHexFields('10de zz', 7), [0x10de]);
    assert.deepEqual(scanHexFields('', 7), []);
  });
  test('sysfs_streq ignores one trailing newline', () => {
    assert.ok(sysfsStreq('0000:41:00.0\n', '0000:41:00.0'));
    assert.ok(!sysfsStreq('0000:41:00.0\n\n', '0000:41:00.0'));
  });
});
