import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVgpuctlError } from '../../core/errors.ts';
import { executePlan } from '../execute-plan.ts';
import { bootHost, driversOf, inventoryOf } from './_test-lab.ts';
import { OverlayHost } from './_test-overlay-host.ts';
import { bindRecordPath, readBindRecords } from './bind-record.ts';
import { planBind } from './plan-bind.ts';
import { planUnbind } from './plan-unbind.ts';

const RTX = '0000:01:00.0';
const RTX_AUDIO = '0000:01:00.1';
const GROUP = [RTX, RTX_AUDIO];
const noSleep = { sleep: async () => {} };
const HOST_DRIVERS = [
  [RTX, 'nvidia', '(null)'],
  [RTX_AUDIO, 'snd_hda_intel', '(null)'],
];

/** The lab with the RTX 4070's group bound to vfio-pci by vgpuctl. */
async function boundLab(options: { persist?: boolean } = {}) {
  const lab = bootHost();
  await executePlan(lab.host, planBind(await inventoryOf(lab.host), { address: RTX, ...options }), noSleep);
  return lab;
}

describe('planUnbind() on the emulated lab host', () => {
  for (const address of GROUP) {
    test(`restores nvidia and snd_hda_intel when named by ${address}`, async () => {
      const { host } = await boundLab();
      const plan = planUnbind(await inventoryOf(host), { address, records: await readBindRecords(host, address) });
      await executePlan(host, plan, noSleep);
      assert.deepEqual(await driversOf(host, GROUP), HOST_DRIVERS);
      assert.equal(await host.exists('/dev/vfio/2'), false);
      for (const a of GROUP) assert.equal(await host.exists(bindRecordPath(a)), false);
    });
  }

  test('gives each device back to its recorded driver with an explicit bind, verified', async () => {
    const { host } = await boundLab();
    const plan = planUnbind(await inventoryOf(host), { address: RTX, records: await readBindRecords(host, RTX) });
    assert.ok(plan.steps.some((s) => s.kind === 'write' && s.path === '/sys/bus/pci/drivers/snd_hda_intel/bind'));
    assert.ok(plan.steps.some((s) => s.kind === 'waitFor' && s.path === `/sys/bus/pci/drivers/nvidia/${RTX}`));
  });

  test('after a reboot cleared /run, restores the default drivers from the driverctl files and removes them', async () => {
    const { host } = await boundLab({ persist: true });
    for (const a of GROUP) await host.remove(bindRecordPath(a));
    const records = await readBindRecords(host, RTX);
    assert.deepEqual(
      records?.map((r) => [r.address, r.boundTo, r.source]),
      GROUP.map((a) => [a, 'vfio-pci', 'driverctl']),
    );
    await executePlan(host, planUnbind(await inventoryOf(host), { address: RTX, records }), noSleep);
    assert.deepEqual(await driversOf(host, GROUP), HOST_DRIVERS);
    assert.deepEqual(await host.list('/etc/driverctl.d'), []);
  });

  test('without any record, a group parked on vfio-pci by hand returns to the default drivers', async () => {
    const { kernel, host } = bootHost();
    for (const [address, driver] of [
      [RTX, 'nvidia'],
      [RTX_AUDIO, 'snd_hda_intel'],
    ] as const) {
      kernel.write(`/sys/bus/pci/devices/${address}/driver_override`, 'vfio-pci');
      kernel.write(`/sys/bus/pci/drivers/${driver}/unbind`, address);
      kernel.write('/sys/bus/pci/drivers_probe', address);
    }
    await executePlan(host, planUnbind(await inventoryOf(host), { address: RTX, records: undefined }), noSleep);
    assert.deepEqual(await driversOf(host, GROUP), HOST_DRIVERS);
  });

  test('plans nothing for a group that is on its host drivers', async () => {
    const { host } = bootHost();
    assert.deepEqual(planUnbind(await inventoryOf(host), { address: RTX, records: undefined }).steps, []);
  });

  test('an injected failure on the second device leaves both on vfio-pci', async () => {
    const { kernel, host } = await boundLab();
    const before = await driversOf(host, GROUP);
    const plan = planUnbind(await inventoryOf(host), { address: RTX, records: await readBindRecords(host, RTX) });
    kernel.injectFault({ afterWrites: 0, pathIncludes: 'snd_hda_intel/bind', errno: 'EIO' });
    await assert.rejects(executePlan(host, plan, noSleep), /every earlier change was undone/);
    assert.deepEqual(await driversOf(host, GROUP), before);
    assert.equal(await host.exists('/dev/vfio/2'), true);
    assert.ok(await readBindRecords(host, RTX), 'the records stay for the next try');
  });

  test('a VM the host does not show: the kernel answers EBUSY and the rollback keeps the group on vfio-pci', async () => {
    const { kernel, host } = await boundLab();
    const plan = planUnbind(await inventoryOf(host), { address: RTX, records: await readBindRecords(host, RTX) });
    kernel.setGroupInUse(2, true);
    await assert.rejects(executePlan(host, plan, noSleep), /drivers\/nvidia\/bind failed with EBUSY/);
    assert.deepEqual(
      (await driversOf(host, GROUP)).map((d) => d[1]),
      ['vfio-pci', 'vfio-pci'],
    );
  });
});

describe('planUnbind() refuses', () => {
  test('while a VM holds /dev/vfio/2', async () => {
    const { host } = await boundLab();
    const vm = new OverlayHost(host, {
      files: { '/proc/4242/comm': 'qemu-system-x86\n' },
      links: { '/proc/4242/fd/21': '/dev/vfio/2' },
    });
    const inventory = await inventoryOf(vm);
    assert.throws(
      () => planUnbind(inventory, { address: RTX, records: undefined }),
      (error: unknown) =>
        isVgpuctlError(error) &&
        error.code === 'DEVICE_BUSY' &&
        /group 2 is in use by a VFIO user: qemu-system-x86 \(pid 4242\) holds \/dev\/vfio\/2/.test(error.message),
    );
  });

  const cases: [string, string, string][] = [
    ['a PCIe root port', '0000:00:01.0', 'NOT_A_GPU'],
    ['an address that does not exist', '0000:99:00.0', 'DEVICE_NOT_FOUND'],
    ['a malformed address', 'nope', 'INVALID_PCI_ADDRESS'],
  ];
  for (const [what, address, code] of cases) {
    test(`${what}: ${code}`, async () => {
      const { host } = bootHost();
      const inventory = await inventoryOf(host);
      assert.throws(
        () => planUnbind(inventory, { address, records: undefined }),
        (e: unknown) => isVgpuctlError(e) && e.code === code,
      );
    });
  }
});
