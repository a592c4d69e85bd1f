/**
 * Initialization and release on emulated hosts: each mode changes the host as its operation
 * does (bind, VFs, vGPU), and release leaves the host as before — the same inventory and the
 * same value in every attribute and link under /sys, /dev, /etc and /run. The only leftovers
 * allowed are empty directories that, once created, stay on a real host too
 * (/sys/devices/virtual/vfio, /run/vgpuctl/bind).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { fixturePciIds } from '../../test/helpers/fixtures.ts';
import { isVgpuctlError } from '../core/errors.ts';
import type { PciIds } from '../core/pci-ids.ts';
import { discover } from '../discovery/discover.ts';
import type { ScenarioInput } from '../emulator/scenario/schema.ts';
import { bootHost, diffSnapshots, snapshotTree, type TestHost } from './_test-hosts.ts';
import { GpuManager } from './gpu-manager.ts';
import type { SelectRequest } from './select.ts';

const MDEV_UUID = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const ALLOWED_LEFTOVERS = new Set(['/sys/devices/virtual/vfio', '/run/vgpuctl', '/run/vgpuctl/bind']);

let pciIds: PciIds;
before(async () => {
  pciIds = await fixturePciIds();
});

function managerOn(testHost: TestHost): GpuManager {
  return new GpuManager(testHost.host, { pciIds, newUuid: () => MDEV_UUID, sleep: async () => undefined });
}

/** Asserts the host is as `before` left it. */
async function assertUnchanged(
  testHost: TestHost,
  before: { inventory: string; tree: Map<string, string> },
): Promise<void> {
  assert.equal(JSON.stringify(await discover(testHost.host, { pciIds })), before.inventory, 'the inventory differs');
  const diff = diffSnapshots(before.tree, snapshotTree(testHost.kernel));
  assert.deepEqual(diff.changed, [], 'attributes or links differ');
  assert.deepEqual(
    diff.addedEmptyDirs.filter((p) => !ALLOWED_LEFTOVERS.has(p)),
    [],
    'unexpected new directories',
  );
}

async function capture(testHost: TestHost): Promise<{ inventory: string; tree: Map<string, string> }> {
  return { inventory: JSON.stringify(await discover(testHost.host, { pciIds })), tree: snapshotTree(testHost.kernel) };
}

const A10_PLAIN: ScenarioInput = { name: 'a10-plain', gpus: [{ address: '0000:41:00.0', model: 'a10', vgpu: 'none' }] };
const L40S_VFS: ScenarioInput = {
  name: 'l40s-vfs',
  gpus: [{ address: '0000:41:00.0', model: 'l40s', vgpu: 'vendor-vfio', sriovNumVfs: 4 }],
};

interface Case {
  name: string;
  scenario: string | ScenarioInput;
  request: SelectRequest;
  /** What must hold on the host while initialized. */
  check: (testHost: TestHost, manager: GpuManager) => Promise<void>;
  device: unknown;
}

const driverOf = async (t: TestHost, address: string) => {
  const link = await t.host.readlink(`/sys/bus/pci/devices/${address}/driver`);
  return link.slice(link.lastIndexOf('/') + 1);
};

const CASES: Case[] = [
  {
    name: 'passthrough: the RTX 4070 and its audio function move to vfio-pci, then back to nvidia and snd_hda_intel',
    scenario: 'lab',
    request: { mode: 'passthrough' },
    device: { kind: 'pci', functions: ['0000:01:00.0', '0000:01:00.1'], nvidiaVgpu: false },
    check: async (t) => {
      assert.equal(await driverOf(t, '0000:01:00.0'), 'vfio-pci');
      assert.equal(await driverOf(t, '0000:01:00.1'), 'vfio-pci');
      assert.ok(await t.host.exists('/dev/vfio/2'));
    },
  },
  {
    name: 'sriov: one VF is enabled and bound to vfio-pci, then unbound and disabled',
    scenario: A10_PLAIN,
    request: { mode: 'sriov' },
    device: { kind: 'pci', functions: ['0000:41:00.4'], nvidiaVgpu: false },
    check: async (t) => {
      assert.equal((await t.host.readText('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs')).trim(), '1');
      assert.equal(await driverOf(t, '0000:41:00.4'), 'vfio-pci');
    },
  },
  {
    name: 'mdev: a GRID T4-1B vGPU is created with the given UUID, then removed',
    scenario: 'lab',
    request: { mode: 'mdev' },
    device: { kind: 'mdev', uuid: MDEV_UUID, display: true, ramfb: true, nvidiaVgpu: true },
    check: async (t) => {
      assert.ok(await t.host.exists(`/sys/bus/mdev/devices/${MDEV_UUID}`));
    },
  },
  {
    name: 'mdev (vendor-VFIO): a VF gets a vGPU type, then type 0 again',
    scenario: L40S_VFS,
    request: { mode: 'mdev', mdevType: 'L40S-4Q' },
    device: { kind: 'pci', functions: ['0000:41:00.4'], nvidiaVgpu: true },
    check: async (t) => {
      assert.notEqual(
        (await t.host.readText('/sys/bus/pci/devices/0000:41:00.4/nvidia/current_vgpu_type')).trim(),
        '0',
      );
    },
  },
  {
    name: 'software: nothing on the host changes',
    scenario: 'lab',
    request: { mode: 'software' },
    device: { kind: 'virtio-gpu', api: '2d', renderNode: null, hostMemoryMiB: 256, heads: 1 },
    check: async () => undefined,
  },
];

describe('initialize() and release()', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const testHost = bootHost(c.scenario);
      const before = await capture(testHost);
      const manager = managerOn(testHost);
      await manager.scan();
      manager.select(c.request);
      const init = await manager.initialize();
      assert.deepEqual(init.device, c.device);
      assert.equal(manager.state, 'initialized');
      assert.deepEqual(manager.stats()?.vmDevice, c.device);
      await c.check(testHost, manager);
      await manager.release();
      assert.equal(manager.state, 'released');
      await assertUnchanged(testHost, before);
    });
  }

  test('the preview plans the same device without touching the host', async () => {
    const testHost = bootHost(A10_PLAIN);
    const before = await capture(testHost);
    const manager = managerOn(testHost);
    await manager.scan();
    manager.select({ mode: 'sriov' });
    const preview = manager.preview();
    assert.deepEqual(
      preview.plans.map((p) => p.action),
      ['enable 1 VFs on "0000:41:00.0"'],
    );
    assert.deepEqual(preview.pending, ['bind VF 0000:41:00.4 to vfio-pci once it exists']);
    assert.deepEqual(preview.device, { kind: 'pci', functions: ['0000:41:00.4'], nvidiaVgpu: false });
    await assertUnchanged(testHost, before);
  });

  test('a failure in a later phase undoes the earlier ones: the enabled VF goes away again', async () => {
    const testHost = bootHost(A10_PLAIN);
    const before = await capture(testHost);
    const manager = managerOn(testHost);
    await manager.scan();
    manager.select({ mode: 'sriov' });
    testHost.kernel.injectFault({ afterWrites: 0, errno: 'EIO', pathIncludes: '0000:41:00.4/driver_override' });
    await assert.rejects(manager.initialize(), (error: unknown) => {
      assert.ok(isVgpuctlError(error));
      assert.equal(error.code, 'SYSFS_WRITE_FAILED');
      return true;
    });
    assert.equal(manager.initialization, undefined);
    await assertUnchanged(testHost, before);
  });

  test('an mdev already running under the UUID asked for is used, not created again, and release leaves it', async () => {
    const testHost = bootHost('lab');
    const first = managerOn(testHost);
    await first.scan();
    first.select({ mode: 'mdev' });
    await first.initialize({ mdevUuid: MDEV_UUID });
    const before = await capture(testHost);

    const second = managerOn(testHost);
    await second.scan();
    second.select({ mode: 'mdev' });
    assert.deepEqual(second.preview({ mdevUuid: MDEV_UUID }).plans, []);
    const init = await second.initialize({ mdevUuid: MDEV_UUID });
    assert.deepEqual(init.acquired, []);
    assert.deepEqual(init.device, { kind: 'mdev', uuid: MDEV_UUID, display: true, ramfb: true, nvidiaVgpu: true });
    await second.release();
    await assertUnchanged(testHost, before);
    await first.release();
  });

  test('release without initialization does nothing; selecting again while initialized is refused', async () => {
    const testHost = bootHost('lab');
    const manager = managerOn(testHost);
    await manager.scan();
    assert.deepEqual(await manager.release(), []);
    manager.select({ mode: 'mdev' });
    await manager.initialize();
    assert.throws(() => manager.select({ mode: 'software' }), /Cannot select again/);
    await manager.release();
  });
});

describe('vmConfig()', () => {
  test('after initialization it names the created vGPU and carries the VM UUID and KubeVirt names', async () => {
    const testHost = bootHost('lab');
    const manager = managerOn(testHost);
    await manager.scan();
    manager.select({ mode: 'mdev' });
    await manager.initialize();
    const config = manager.vmConfig({ vmUuid: '6a1f3c2e-8d4b-4e0a-9b7c-2f5e1d3a4b6c' });
    assert.deepEqual(config, {
      vmName: 'vgpuctl-vm',
      vmUuid: '6a1f3c2e-8d4b-4e0a-9b7c-2f5e1d3a4b6c',
      memoryMiB: 4096,
      vcpus: 2,
      device: { kind: 'mdev', uuid: MDEV_UUID, display: true, ramfb: true, nvidiaVgpu: true },
      kubevirt: { resourceName: 'nvidia.com/GRID_T4-1B', selector: { kind: 'mdev', mdevNameSelector: 'GRID T4-1B' } },
      summary: 'mode mdev: GRID T4-1B on NVIDIA Tesla T4 (0000:3b:00.0)',
    });
    await manager.release();
  });

  const kubevirt: [string, string | ScenarioInput, SelectRequest, unknown][] = [
    [
      'a passed-through T4',
      'lab',
      { mode: 'passthrough', device: '3b:00.0' },
      { resourceName: 'nvidia.com/TU104GL_TESLA_T4', selector: { kind: 'pci', pciVendorSelector: '10DE:1EB8' } },
    ],
    [
      'a GVT-g vGPU (no name file)',
      'lab',
      { mode: 'mdev', device: '00:02.0' },
      { resourceName: 'intel.com/i915-GVTg_V5_4', selector: { kind: 'mdev', mdevNameSelector: 'i915-GVTg_V5_4' } },
    ],
    [
      'an A10 VF',
      A10_PLAIN,
      { mode: 'sriov' },
      { resourceName: 'nvidia.com/GA102GL_A10M', selector: { kind: 'pci', pciVendorSelector: '10DE:2238' } },
    ],
    [
      'a vendor-VFIO vGPU',
      L40S_VFS,
      { mode: 'mdev', mdevType: 'L40S-4Q' },
      { resourceName: 'nvidia.com/NVIDIA_L40S-4Q', selector: { kind: 'pci', pciVendorSelector: '10DE:26B9' } },
    ],
    ['a software GPU', 'lab', { mode: 'software' }, null],
  ];
  for (const [name, scenario, request, expected] of kubevirt) {
    test(`KubeVirt names of ${name}`, async () => {
      const manager = managerOn(bootHost(scenario));
      await manager.scan();
      manager.select(request);
      assert.deepEqual(manager.vmConfig({ vmUuid: '6a1f3c2e-8d4b-4e0a-9b7c-2f5e1d3a4b6c' }).kubevirt, expected);
    });
  }
});
