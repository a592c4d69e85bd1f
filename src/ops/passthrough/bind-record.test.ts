import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVgpuctlError } from '../../core/errors.ts';
import { bootHost } from './_test-lab.ts';
import { bindRecordPath, driverctlPath, readBindRecords } from './bind-record.ts';

describe('readBindRecords()', () => {
  test('is undefined when neither a record nor a driverctl override exists', async () => {
    assert.equal(await readBindRecords(bootHost().host, '0000:01:00.0'), undefined);
  });

  test('accepts the short address form', async () => {
    const { host } = bootHost();
    await host.mkdir('/etc/driverctl.d');
    await host.writeFile(driverctlPath('0000:01:00.1'), 'vfio-pci\n');
    assert.deepEqual(await readBindRecords(host, '01:00.0'), [
      {
        address: '0000:01:00.1',
        driver: null,
        driverOverride: null,
        boundTo: 'vfio-pci',
        iommuGroup: 2,
        persisted: true,
        source: 'driverctl',
      },
    ]);
  });

  test('refuses a path-like address before touching the filesystem', async () => {
    await assert.rejects(
      readBindRecords(bootHost().host, '../../etc/passwd'),
      (e: unknown) => isVgpuctlError(e) && e.code === 'INVALID_PCI_ADDRESS',
    );
  });

  test('a record that is not ours is STATE_CORRUPT, with the file to remove', async () => {
    const { host } = bootHost();
    await host.mkdir('/run/vgpuctl/bind', { recursive: true });
    await host.writeFile(bindRecordPath('0000:01:00.0'), '{"hello":1}\n');
    await assert.rejects(
      readBindRecords(host, '0000:01:00.0'),
      (e: unknown) =>
        isVgpuctlError(e) &&
        e.code === 'STATE_CORRUPT' &&
        /Remove \/run\/vgpuctl\/bind\/0000:01:00\.0\.json/.test(e.hint ?? ''),
    );
  });
});
