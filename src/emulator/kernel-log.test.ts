import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readRecord } from './fuse/record-read.ts';
import { EmulatedKernel } from './kernel.ts';
import { formatKmsgRecord, KERN, KernelLog, kmsgReader } from './kernel-log.ts';
import { resolveScenario } from './scenario/load.ts';

/** A FUSE READ body: fh, offset, size, read_flags, lock_owner, flags. */
function readBody(size: number, flags = 0): Buffer {
  const body = Buffer.alloc(40);
  body.writeUInt32LE(size, 16);
  body.writeUInt32LE(flags, 32);
  return body;
}

describe('the emulated kernel log', () => {
  test('records read as /dev/kmsg does: prio,seq,usec,flags;text and the device lines', () => {
    const log = new KernelLog();
    log.devPrintk(KERN.info, 'pci', { subsystem: 'pci', name: '0000:01:00.0' }, 'Adding to iommu group 2');
    log.printk(KERN.warning, 'tab\there');
    const [first, second] = log.records.map(formatKmsgRecord);
    assert.match(
      first ?? '',
      /^6,0,\d+,-;pci 0000:01:00\.0: Adding to iommu group 2\n SUBSYSTEM=pci\n DEVICE=\+pci:0000:01:00\.0\n$/,
    );
    assert.match(second ?? '', /^4,1,\d+,-;tab\\x09here\n$/);
  });

  test('one record per read; EINVAL keeps a record too big for the buffer; EAGAIN at the end when non-blocking', () => {
    const log = new KernelLog();
    log.printk(KERN.info, 'first');
    log.printk(KERN.info, 'second');
    const reader = kmsgReader(log);
    assert.throws(() => readRecord(reader, readBody(4)), { errno: 'EINVAL' });
    assert.match(readRecord(reader, readBody(8192)).toString(), /;first\n$/);
    assert.match(readRecord(reader, readBody(8192)).toString(), /;second\n$/);
    assert.throws(() => readRecord(reader, readBody(8192, 0o4000)), { errno: 'EAGAIN' });
    assert.equal(readRecord(reader, readBody(8192)).length, 0, 'a blocking reader gets end of file');
  });

  test('lab boots with IOMMU and VFIO lines, and logs group changes of VFs and mdevs', () => {
    const kernel = EmulatedKernel.boot(resolveScenario({ name: 'lab' }));
    kernel.write('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs', '1');
    kernel.write(
      '/sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-222/create',
      '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001',
    );
    const texts = kernel.log.records.map((record) => record.text);
    for (const line of [
      'DMAR: IOMMU enabled',
      'VFIO - User Level meta-driver version: 0.3',
      'pci 0000:01:00.0: [10de:2786] type 00 class 0x030000',
      'pci 0000:01:00.0: Adding to iommu group 2',
      'nvidia 0000:3b:00.0: MDEV: Registered',
      "bus: 'pci': driver_bound: bound device 0000:01:00.0 to driver nvidia",
      'NVRM: loading NVIDIA UNIX x86_64 Kernel Module  550.144.02',
    ]) {
      assert.ok(texts.includes(line), line);
    }
    assert.ok(texts.some((text) => /^pci 0000:41:00\.4: Adding to iommu group \d+$/.test(text)));
    assert.ok(
      texts.some((text) => /^mdev 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001: Adding to iommu group \d+$/.test(text)),
    );
    assert.deepEqual(
      kernel.log.records.map((record) => record.seq),
      texts.map((_, i) => i),
    );
  });
});
