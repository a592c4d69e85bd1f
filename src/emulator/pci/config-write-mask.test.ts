import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmulatedKernel } from '../kernel.ts';
import { resolveScenario } from '../scenario/load.ts';

const T4 = '/sys/bus/pci/devices/0000:3b:00.0/config';

function boot(): EmulatedKernel {
  return EmulatedKernel.boot(resolveScenario({ name: 'lab' }));
}

function le(value: number, bytes: number): Buffer {
  const buf = Buffer.alloc(bytes);
  buf.writeUIntLE(value, 0, bytes);
  return buf;
}

describe('config space writes through sysfs config', () => {
  test('COMMAND keeps the written read/write bits and drops the read-only ones', () => {
    const kernel = boot();
    assert.equal(kernel.read(T4).readUInt16LE(0x04), 0x0006);
    // Bus master off, INTx disable on, and reserved bit 15 set (read-only zero).
    assert.equal(kernel.write(T4, le(0x8402, 2), undefined, 0x04), 2);
    assert.equal(kernel.read(T4).readUInt16LE(0x04), 0x0402);
  });

  test('identity, status, the capability pointer and capability ids never change', () => {
    const kernel = boot();
    const before = kernel.read(T4);
    kernel.write(T4, Buffer.alloc(0x40, 0xff), undefined, 0);
    kernel.write(T4, Buffer.alloc(0x100, 0xff), undefined, 0x100);
    const after = kernel.read(T4);
    for (const [at, size] of [
      [0x00, 4], // vendor, device
      [0x06, 2], // status (write-1-to-clear bits were clear)
      [0x08, 4], // revision, class
      [0x0e, 1], // header type
      [0x2c, 4], // subsystem
      [0x34, 1], // capability pointer
      [0x100, 4], // first extended capability header
    ] as const) {
      assert.equal(after.readUIntLE(at, size), before.readUIntLE(at, size), `offset 0x${at.toString(16)}`);
    }
    for (let at = after[0x34] ?? 0; at !== 0; at = after[at + 1] ?? 0) {
      assert.equal(after[at], before[at], `capability id at 0x${at.toString(16)}`);
      assert.equal(after[at + 1], before[at + 1], `next pointer at 0x${at.toString(16)}`);
    }
  });

  test('BAR sizing: all ones read back as the BAR size mask with its type bits', () => {
    const kernel = boot();
    const bar0 = kernel.read(T4).readUInt32LE(0x10);
    kernel.write(T4, le(0xffffffff, 4), undefined, 0x10);
    const sized = kernel.read(T4).readUInt32LE(0x10);
    assert.equal(sized & 0xf, bar0 & 0xf, 'type bits are read-only');
    const size = (~(sized & 0xfffffff0) >>> 0) + 1;
    assert.ok(size >= 16 && (size & (size - 1)) === 0, `size ${size} is a power of two`);
    kernel.write(T4, le(bar0, 4), undefined, 0x10);
    assert.equal(kernel.read(T4).readUInt32LE(0x10), bar0);
  });

  test('a write at or past the end of config fails with EFBIG', () => {
    assert.throws(() => boot().write(T4, Buffer.from([1]), undefined, 4096), { errno: 'EFBIG' });
  });

  test('writes are journaled with their offset and replayed', () => {
    const kernel = boot();
    const journal: [string, number][] = [];
    kernel.onWrite((path, data, offset) => journal.push([`${path}:${data.toString('hex')}`, offset]));
    kernel.write(T4, le(0x40, 1), undefined, 0x3c);
    assert.deepEqual(journal, [[`${T4}:40`, 0x3c]]);
    const replayed = boot();
    replayed.write(T4, le(0x40, 1), undefined, 0x3c);
    assert.equal(replayed.read(T4)[0x3c], 0x40);
  });
});
