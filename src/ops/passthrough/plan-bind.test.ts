import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ErrorCode } from '../../core/errors.ts';
import { isVgpuctlError } from '../../core/errors.ts';
import type { Errno } from '../../host/errno.ts';
import { executePlan } from '../execute-plan.ts';
import { bootHost, driversOf, inventoryOf } from './_test-lab.ts';
import { OverlayHost } from './_test-overlay-host.ts';
import { readBindRecords } from './bind-record.ts';
import { groupViability } from './group-viability.ts';
import { planBind } from './plan-bind.ts';

const RTX = '0000:01:00.0';
const RTX_AUDIO = '0000:01:00.1';
const GROUP = [RTX, RTX_AUDIO];
const noSleep = { sleep: async () => {} };

/** Asserts that `run` throws a VgpuctlError with this code and a message matching `pattern`. */
function throwsCode(run: () => unknown, code: ErrorCode, pattern?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isVgpuctlError(error), `expected a VgpuctlError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  });
}

describe('planBind() on the emulated lab host', () => {
  test('moves 0000:01:00.0 and its audio function 0000:01:00.1 to vfio-pci and creates /dev/vfio/2', async () => {
    const { host } = bootHost();
    await executePlan(host, planBind(await inventoryOf(host), { address: RTX }), noSleep);
    assert.deepEqual(await driversOf(host, GROUP), [
      [RTX, 'vfio-pci', 'vfio-pci'],
      [RTX_AUDIO, 'vfio-pci', 'vfio-pci'],
    ]);
    assert.equal((await host.stat('/dev/vfio/2')).kind, 'chardev');
    assert.deepEqual(groupViability(await inventoryOf(host), 2), { viable: true, blockers: [] });
  });

  test('uses driver_override, unbind and drivers_probe per device, never a global new_id', async () => {
    const { host } = bootHost();
    const plan = planBind(await inventoryOf(host), { address: RTX });
    const writes = plan.steps
      .filter((s) => s.kind === 'write')
      .map((s) => `${s.path} < ${JSON.stringify(s.kind === 'write' ? s.value : '')}`);
    assert.deepEqual(writes, [
      `/sys/bus/pci/devices/${RTX}/driver_override < "vfio-pci"`,
      `/sys/bus/pci/drivers/nvidia/unbind < "${RTX}"`,
      `/sys/bus/pci/drivers_probe < "${RTX}"`,
      `/sys/bus/pci/devices/${RTX_AUDIO}/driver_override < "vfio-pci"`,
      `/sys/bus/pci/drivers/snd_hda_intel/unbind < "${RTX_AUDIO}"`,
      `/sys/bus/pci/drivers_probe < "${RTX_AUDIO}"`,
    ]);
    assert.ok(plan.steps.every((s) => !s.path.endsWith('/new_id')));
  });

  test('records the drivers each device had, readable through any address of the group', async () => {
    const { host } = bootHost();
    await executePlan(host, planBind(await inventoryOf(host), { address: RTX }), noSleep);
    for (const address of GROUP) {
      const records = await readBindRecords(host, address);
      assert.deepEqual(
        records?.map((r) => [r.address, r.driver, r.driverOverride, r.boundTo, r.persisted, r.source]),
        [
          [RTX, 'nvidia', null, 'vfio-pci', false, 'vgpuctl'],
          [RTX_AUDIO, 'snd_hda_intel', null, 'vfio-pci', false, 'vgpuctl'],
        ],
      );
    }
    assert.equal(await host.exists('/etc/driverctl.d'), false, 'nothing persisted without --persist');
  });

  test('--persist writes driverctl override files holding the driver name', async () => {
    const { host } = bootHost();
    await executePlan(host, planBind(await inventoryOf(host), { address: RTX, persist: true }), noSleep);
    for (const address of GROUP) assert.equal(await host.readText(`/etc/driverctl.d/pci-${address}`), 'vfio-pci\n');
    assert.ok((await readBindRecords(host, RTX))?.every((r) => r.persisted));
  });

  test('plans nothing for a group that is already on vfio-pci', async () => {
    const { host } = bootHost();
    await executePlan(host, planBind(await inventoryOf(host), { address: RTX }), noSleep);
    assert.deepEqual(planBind(await inventoryOf(host), { address: RTX }).steps, []);
  });

  test('binds to pci-stub when asked, without waiting for a VFIO node', async () => {
    const { host } = bootHost();
    const plan = planBind(await inventoryOf(host), { address: RTX, driver: 'pci-stub' });
    assert.ok(plan.steps.every((s) => s.path !== '/dev/vfio/2'));
    await executePlan(host, plan, noSleep);
    assert.deepEqual(
      (await driversOf(host, GROUP)).map((d) => d[1]),
      ['pci-stub', 'pci-stub'],
    );
  });

  const faults: [string, { afterWrites: number; pathIncludes: string; errno: Errno }][] = [
    ["the second device's drivers_probe", { afterWrites: 1, pathIncludes: 'drivers_probe', errno: 'EIO' }],
    ["the second device's unbind", { afterWrites: 0, pathIncludes: 'snd_hda_intel/unbind', errno: 'EBUSY' }],
    ["the second device's driver_override", { afterWrites: 1, pathIncludes: 'driver_override', errno: 'ENOMEM' }],
    ["the first device's unbind", { afterWrites: 0, pathIncludes: 'nvidia/unbind', errno: 'EBUSY' }],
  ];
  for (const [where, fault] of faults) {
    test(`a failure on ${where} leaves both devices exactly as they were`, async () => {
      const { kernel, host } = bootHost();
      const before = await driversOf(host, GROUP);
      const plan = planBind(await inventoryOf(host), { address: RTX });
      kernel.injectFault(fault);
      await assert.rejects(executePlan(host, plan, noSleep), (error: unknown) => {
        assert.ok(isVgpuctlError(error) && error.code === 'SYSFS_WRITE_FAILED');
        assert.match(error.message, new RegExp(`failed with ${fault.errno} .*; every earlier change was undone$`));
        return true;
      });
      assert.deepEqual(await driversOf(host, GROUP), before);
      assert.deepEqual(
        before.map((d) => d[1]),
        ['nvidia', 'snd_hda_intel'],
      );
      assert.equal(await host.exists('/dev/vfio/2'), false);
      assert.equal(await readBindRecords(host, RTX), undefined);
    });
  }
});

describe('planBind() refuses what would break the host, with the reason', () => {
  const cases: [string, { address: string; driver?: string }, ErrorCode, RegExp][] = [
    ['the boot VGA device', { address: '0000:00:02.0' }, 'BOOT_VGA_DEVICE', /0000:00:02\.0 is the boot VGA device/],
    [
      'an audio function (not a GPU)',
      { address: RTX_AUDIO },
      'NOT_A_GPU',
      /it is not a GPU \(Audio device, class 0x040300\)/,
    ],
    ['a PCIe root port', { address: '0000:00:01.0' }, 'NOT_A_GPU', /not a GPU \(PCI bridge/],
    [
      'an address that does not exist',
      { address: '0000:99:00.0' },
      'DEVICE_NOT_FOUND',
      /no such PCI device on emulated host "lab"/,
    ],
    ['a malformed address', { address: '01:00' }, 'INVALID_PCI_ADDRESS', /Cannot parse PCI address "01:00"/],
    [
      'an unknown driver',
      { address: RTX, driver: 'vfio-foo' },
      'DRIVER_NOT_FOUND',
      /no such driver in \/sys\/bus\/pci\/drivers/,
    ],
    ['a path-like driver name', { address: RTX, driver: '../nvidia' }, 'INVALID_NAME', /not a driver name/],
    ['a driver name with a slash', { address: RTX, driver: 'vfio-pci/bind' }, 'INVALID_NAME', /not a driver name/],
    ['a driver name of dots', { address: RTX, driver: '..' }, 'INVALID_NAME', /not a driver name/],
    [
      'a host driver as target',
      { address: RTX, driver: 'snd_hda_intel' },
      'INVALID_ARGUMENT',
      /not a VFIO or stub driver/,
    ],
  ];
  for (const [what, request, code, pattern] of cases) {
    test(`${what}: ${code}`, async () => {
      const { kernel, host } = bootHost();
      const inventory = await inventoryOf(host);
      const events = kernel.uevents.length;
      throwsCode(() => planBind(inventory, request), code, pattern);
      assert.equal(kernel.uevents.length, events, 'nothing changed');
    });
  }

  test('--force binds the boot VGA device', async () => {
    const { host } = bootHost();
    await executePlan(host, planBind(await inventoryOf(host), { address: '0000:00:02.0', force: true }), noSleep);
    assert.deepEqual(await driversOf(host, ['0000:00:02.0']), [['0000:00:02.0', 'vfio-pci', 'vfio-pci']]);
  });

  test('a PF with VFs enabled, even with --force (vfio-pci would answer EBUSY)', async () => {
    const { kernel, host } = bootHost();
    kernel.write('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs', '2');
    const inventory = await inventoryOf(host);
    throwsCode(() => planBind(inventory, { address: '0000:41:00.0', force: true }), 'VFS_ENABLED', /has 2 VFs enabled/);
  });

  test('a vendor-VFIO VF, which the nvidia driver already serves as a VFIO device', async () => {
    const { kernel, host } = bootHost();
    kernel.write('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs', '2');
    const inventory = await inventoryOf(host);
    throwsCode(
      () => planBind(inventory, { address: '0000:41:00.4' }),
      'UNSUPPORTED',
      /already provides VFIO for this VF/,
    );
  });

  test('a GPU hosting mediated devices, even with --force', async () => {
    const { kernel, host } = bootHost();
    kernel.write(
      '/sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-222/create',
      '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001',
    );
    const inventory = await inventoryOf(host);
    throwsCode(
      () => planBind(inventory, { address: '0000:3b:00.0', force: true }),
      'DEVICE_BUSY',
      /hosts 1 mediated device/,
    );
  });

  test('any GPU when the IOMMU is off', async () => {
    const { host } = bootHost({ name: 'no-iommu', iommu: 'off', gpus: [{ address: RTX, model: 'geforce-rtx-4070' }] });
    const inventory = await inventoryOf(host);
    throwsCode(() => planBind(inventory, { address: RTX }), 'IOMMU_DISABLED', /the IOMMU is off/);
  });

  const persistenced = {
    files: {
      '/proc/812/comm': 'nvidia-persiste\n',
      '/proc/driver/nvidia/gpus/0000:01:00.0/information': 'Model: GeForce RTX 4070\nDevice Minor: 0\n',
    },
    links: { '/proc/812/fd/3': '/dev/nvidia0' },
  };
  test('a GPU whose device node a process holds (nvidia-persistenced), unless --force', async () => {
    const { host } = bootHost();
    const inventory = await inventoryOf(new OverlayHost(host, persistenced));
    throwsCode(
      () => planBind(inventory, { address: RTX }),
      'DEVICE_BUSY',
      /in use: nvidia-persiste \(pid 812\) holds \/dev\/nvidia0/,
    );
    assert.ok(planBind(inventory, { address: RTX, force: true }).steps.length > 0);
    assert.ok(planBind(inventory, { address: '0000:3b:00.0' }).steps.length > 0, 'another GPU (minor known) is free');
  });

  test('any nvidia GPU while an unattributed /dev/nvidiaN is open', async () => {
    const { host } = bootHost();
    const overlay = new OverlayHost(host, {
      files: { '/proc/900/comm': 'Xorg\n' },
      links: { '/proc/900/fd/7': '/dev/nvidia1' },
    });
    const inventory = await inventoryOf(overlay);
    throwsCode(
      () => planBind(inventory, { address: '0000:3b:00.0' }),
      'DEVICE_BUSY',
      /Xorg \(pid 900\) holds \/dev\/nvidia1/,
    );
  });

  test('a group shared with an unrelated device, unless --force (which moves it too)', async () => {
    const { host } = bootHost();
    const inventory = structuredClone(await inventoryOf(host));
    const group = inventory.iommuGroups?.find((g) => g.id === 2);
    assert.ok(group);
    group.devices.push({
      address: '0000:05:00.0',
      kind: 'pci',
      name: 'Intel Corporation I210 Gigabit Network Connection',
      classCode: '0x020000',
      className: 'Ethernet controller',
      driver: 'igb',
      driverOverride: null,
      bridge: false,
      bootVga: false,
      physfn: null,
      vfioDevice: false,
    });
    throwsCode(
      () => planBind(inventory, { address: RTX }),
      'IOMMU_GROUP_SHARED',
      /group 2 also holds 0000:05:00\.0 \(Ethernet controller, igb\), which would be taken from the host too/,
    );
    const forced = planBind(inventory, { address: RTX, force: true });
    assert.ok(forced.steps.some((s) => s.path === '/sys/bus/pci/drivers/igb/unbind'));
  });
});
