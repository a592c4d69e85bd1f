import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { fixturePciIds } from '../../../test/helpers/fixtures.ts';
import { discover } from '../../discovery/discover.ts';
import type { ScenarioInput } from '../../emulator/scenario/schema.ts';
import { HostModel } from '../../model/host-model.ts';
import { executePlan } from '../../ops/execute-plan.ts';
import { planBind } from '../../ops/passthrough/plan-bind.ts';
import { depsFor, emulated, uuids } from '../../ops/vgpu/_test-hosts.ts';
import { createVgpus } from '../../ops/vgpu/lifecycle.ts';
import { readDefinitions } from '../../store/definitions.ts';
import { DeviceManagerKubelet } from '../_test-kubelet.ts';
import { DevicePluginSet } from './plugin.ts';
import { preferredAllocation } from './preferred.ts';

async function startNode(scenario: string | ScenarioInput, before: (h: ReturnType<typeof emulated>) => Promise<void>) {
  const emu = emulated(scenario);
  await before(emu);
  const pciIds = await fixturePciIds();
  const model = new HostModel({
    read: async () => ({
      inventory: await discover(emu.host, { pciIds }),
      definitions: await readDefinitions(emu.host),
    }),
    changes: [(notify) => emu.kernel.onWrite(() => notify())],
    pollMs: 3_600_000,
    settleMs: 0,
  });
  await model.start();
  const dir = await mkdtemp(join(tmpdir(), 'vgpuctl-dp-'));
  const kubelet = new DeviceManagerKubelet(join(dir, 'kubelet.sock'));
  await kubelet.start();
  const plugins = new DevicePluginSet({
    host: emu.host,
    model,
    dir,
    changes: [(notify) => emu.kernel.onWrite(() => notify())],
  });
  await plugins.start();
  return {
    ...emu,
    model,
    kubelet,
    plugins,
    dir,
    async stop() {
      await plugins.stop();
      await kubelet.stop();
      model.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('device plugin v1beta1', () => {
  test('kubevirt-t4: registers GRID T4-1B, lists its mdevs, allocates them, and follows hotplug', async () => {
    const [a, b] = uuids(2);
    const node = await startNode('kubevirt-t4', async ({ host }) => {
      await createVgpus(depsFor(host), { type: 'GRID T4-1B', uuids: [a as string, b as string] }, () => 'unused');
    });
    try {
      assert.deepEqual(
        node.kubelet.registered.map((r) => ({ ...r, options: { ...r.options } })),
        [
          {
            version: 'v1beta1',
            endpoint: 'vgpuctl-nvidia-com-grid-t4-1b.sock',
            resource_name: 'nvidia.com/GRID_T4-1B',
            options: { pre_start_required: true, get_preferred_allocation_available: true },
          },
        ],
      );
      const client = node.kubelet.plugin('vgpuctl-nvidia-com-grid-t4-1b.sock');
      assert.deepEqual(
        { ...(await client.options()) },
        { pre_start_required: true, get_preferred_allocation_available: true },
      );
      const stream = client.watch();
      const first = await stream.next();
      assert.deepEqual(
        first.devices.map((d) => [d.ID, d.health]),
        [
          [a, 'Healthy'],
          [b, 'Healthy'],
        ],
      );

      const allocated = await client.allocate([[a as string]]);
      const container = allocated.container_responses[0];
      assert.deepEqual({ ...container?.envs }, { 'MDEV_PCI_RESOURCE_NVIDIA_COM_GRID_T4-1B': a });
      assert.equal(container?.devices[0]?.host_path, '/dev/vfio/vfio');
      assert.match(container?.devices[1]?.host_path ?? '', /^\/dev\/vfio\/\d+$/);
      await client.preStart([a as string]);

      await node.host.write('/sys/devices/virtual/nvidia/nvidia/hotplug_control', 'hide');
      const hidden = await stream.next();
      assert.deepEqual(
        hidden.devices.map((d) => d.health),
        ['Unhealthy', 'Unhealthy'],
      );
      await assert.rejects(client.allocate([[a as string]]), (e: grpc.ServiceError) => {
        assert.equal(e.code, grpc.status.FAILED_PRECONDITION);
        assert.match(e.details, /Unhealthy/);
        return true;
      });
      await assert.rejects(
        client.preStart([a as string]),
        (e: grpc.ServiceError) => e.code === grpc.status.FAILED_PRECONDITION,
      );
      // mdev_unregister_parent() took the instances along; once the parent is back and they
      // are created again (mdevctl's autostart would), the same devices are Healthy again.
      await node.host.write('/sys/devices/virtual/nvidia/nvidia/hotplug_control', 'show');
      await createVgpus(depsFor(node.host), { type: 'GRID T4-1B', uuids: [a as string, b as string] }, () => 'unused');
      let shown = await stream.next();
      while (shown.devices.some((d) => d.health !== 'Healthy')) shown = await stream.next();
      assert.deepEqual(
        shown.devices.map((d) => d.ID),
        [a, b],
      );

      await assert.rejects(client.allocate([['not-a-device']]), (e: grpc.ServiceError) =>
        /no device not-a-device/.test(e.details),
      );
      stream.cancel();
      client.close();
    } finally {
      await node.stop();
    }
  });

  test('re-registers every resource when the kubelet restarts and recreates kubelet.sock', async () => {
    const node = await startNode('kubevirt-t4', async ({ host }) => {
      await createVgpus(depsFor(host), { type: 'GRID T4-1B', uuids: uuids(1) }, () => 'unused');
    });
    try {
      assert.equal(node.kubelet.registered.length, 1);
      await node.kubelet.stop();
      const restarted = new DeviceManagerKubelet(join(node.dir, 'kubelet.sock'));
      await restarted.start();
      try {
        while (restarted.registered.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        assert.equal(restarted.registered[0]?.resource_name, 'nvidia.com/GRID_T4-1B');
      } finally {
        await restarted.stop();
      }
    } finally {
      await node.stop();
    }
  });

  test('lab: a vfio-bound RTX 4070 is one device of its model; its audio function is not counted', async () => {
    const node = await startNode('lab', async ({ host }) => {
      await executePlan(host, planBind(await discover(host), { address: '0000:01:00.0' }), { sleep: async () => {} });
    });
    try {
      const names = node.kubelet.registered.map((r) => r.resource_name);
      assert.deepEqual(names, ['nvidia.com/AD104_GEFORCE_RTX_4070']);
      const client = node.kubelet.plugin(node.kubelet.registered[0]?.endpoint ?? '');
      const stream = client.watch();
      const list = await stream.next();
      assert.deepEqual(
        list.devices.map((d) => [d.ID, d.health, d.topology?.nodes.map((n) => n.ID)]),
        [['0000:01:00.0', 'Healthy', ['0']]],
      );
      const allocated = await client.allocate([['0000:01:00.0']]);
      assert.deepEqual(
        { ...allocated.container_responses[0]?.envs },
        { PCI_RESOURCE_NVIDIA_COM_AD104_GEFORCE_RTX_4070: '0000:01:00.0' },
      );
      assert.ok(allocated.container_responses[0]?.devices.some((d) => d.host_path === '/dev/vfio/2'));
      stream.cancel();
      client.close();
    } finally {
      await node.stop();
    }
  });
});

describe('preferredAllocation()', () => {
  const dev = (id: string, gpu: string, numaNode: number) => ({
    id,
    gpu,
    numaNode,
    iommuGroup: null,
    functions: [],
    check: 'present' as const,
  });
  const devices = [dev('a', 'g0', 0), dev('b', 'g1', 1), dev('c', 'g1', 1), dev('d', 'g2', 0)];

  test('keeps what must be included and fills from its NUMA node, then its GPU', () => {
    assert.deepEqual(
      preferredAllocation(devices, {
        available_deviceIDs: ['a', 'b', 'c', 'd'],
        must_include_deviceIDs: ['b'],
        allocation_size: 2,
      }),
      ['b', 'c'],
    );
    assert.deepEqual(
      preferredAllocation(devices, {
        available_deviceIDs: ['a', 'b', 'c', 'd'],
        must_include_deviceIDs: ['a'],
        allocation_size: 2,
      }),
      ['a', 'd'],
    );
  });

  test('without must-include devices, prefers the NUMA node with the most devices', () => {
    assert.deepEqual(
      preferredAllocation([...devices, dev('e', 'g3', 1)], {
        available_deviceIDs: ['a', 'b', 'c', 'd', 'e'],
        must_include_deviceIDs: [],
        allocation_size: 2,
      }),
      ['b', 'c'],
    );
  });
});
