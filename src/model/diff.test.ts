import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discover } from '../discovery/discover.ts';
import type { HostPort } from '../host/host-port.ts';
import { emulated } from '../ops/vgpu/_test-hosts.ts';
import { VGPU_DISCOVERY } from '../ops/vgpu/apply.ts';
import { readDefinitions } from '../store/definitions.ts';
import { diffStates } from './diff.ts';
import { type HostState, hostState } from './host-state.ts';

async function read(host: HostPort): Promise<HostState> {
  return hostState(await discover(host, VGPU_DISCOVERY), await readDefinitions(host), 0);
}

const FAKE_NVIDIA = '/sys/devices/virtual/nvidia/nvidia';

describe('diffStates', () => {
  test('two equal readings give no events', async () => {
    const { host } = emulated('lab');
    assert.deepEqual(diffStates(await read(host), await read(host)), []);
  });

  test('hotplug hide and show of the fake nvidia parent are gpu.hidden and gpu.shown', async () => {
    const { host } = emulated('kubevirt-t4');
    await host.write(`${FAKE_NVIDIA}/mdev_supported_types/nvidia-222/create`, '00000000-0000-4000-8000-0000000000bb');
    const visible = await read(host);
    await host.write(`${FAKE_NVIDIA}/hotplug_control`, 'hide');
    const hidden = await read(host);
    const gone = diffStates(visible, hidden);
    assert.deepEqual(
      gone.filter((e) => e.type === 'gpu.hidden'),
      [{ type: 'gpu.hidden', gpu: 'nvidia' }],
    );
    // Its live vGPUs go with it.
    assert.ok(gone.some((e) => e.type === 'vgpu.removed' && e.gpu === 'nvidia'));
    await host.write(`${FAKE_NVIDIA}/hotplug_control`, 'show');
    const back = diffStates(hidden, await read(host));
    assert.deepEqual(back[0], { type: 'gpu.shown', gpu: 'nvidia', name: null });
  });

  test('creating an mdev gives vgpu.created and the type availability change', async () => {
    const { host } = emulated('kubevirt-t4');
    const before = await read(host);
    const type = before.types.find((t) => t.gpu === 'nvidia' && (t.availableInstances ?? 0) > 0);
    assert.ok(type, 'kubevirt-t4 offers a free fake type');
    const uuid = '00000000-0000-4000-8000-0000000000aa';
    await host.write(`${FAKE_NVIDIA}/mdev_supported_types/${type.id}/create`, uuid);
    const events = diffStates(before, await read(host));
    assert.deepEqual(events[0], { type: 'vgpu.created', gpu: 'nvidia', id: uuid, parent: 'nvidia', vgpuType: type.id });
    const availability = events.find((e) => e.type === 'type.availability' && e.vgpuType === type.id);
    assert.deepEqual(availability, {
      type: 'type.availability',
      gpu: 'nvidia',
      vgpuType: type.id,
      before: type.availableInstances,
      after: (type.availableInstances ?? 0) - 1,
    });
  });

  test('a new VF count is vfs.changed, a driver change is driver.changed', async () => {
    const { host, kernel } = emulated('lab');
    const before = await read(host);
    const pf = before.inventory.gpus.find((g) => g.sriov !== null && g.sriov.numVfs === 0);
    assert.ok(pf, 'lab has a GPU with SR-IOV and no VFs');
    await host.write(`/sys/bus/pci/devices/${pf.address}/sriov_numvfs`, '2');
    const afterVfs = await read(host);
    assert.deepEqual(
      diffStates(before, afterVfs).filter((e) => e.type === 'vfs.changed'),
      [{ type: 'vfs.changed', gpu: pf.address, before: 0, after: 2 }],
    );
    const gpu = afterVfs.inventory.gpus.find((g) => g.driver !== null && g.sriov === null);
    assert.ok(gpu);
    await host.write(`/sys/bus/pci/devices/${gpu.address}/driver/unbind`, gpu.address);
    const unbound = diffStates(afterVfs, await read(host));
    assert.deepEqual(unbound, [
      { type: 'driver.changed', gpu: gpu.address, address: gpu.address, before: gpu.driver, after: null },
    ]);
    assert.ok(kernel);
  });
});
