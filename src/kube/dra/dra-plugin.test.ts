import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { L40S } from '../../ops/vgpu/_test-hosts.ts';
import { registerPlugin } from '../_test-kubelet.ts';
import { slotUuid } from '../slot-uuid.ts';
import { DRIVER, driverOf, mdevs, NODE, startTestNode } from './_test-node.ts';
import { CDI_DIR } from './cdi.ts';

const claim = (uid: string, name = `claim-${uid}`) => ({ namespace: 'vms', uid, name });

describe('DRA kubelet plugin', () => {
  test('registers with the plugin watcher as a v1 DRAPlugin on its dra.sock', async () => {
    const node = await startTestNode('kubevirt-t4');
    try {
      const info = await registerPlugin(node.plugin.registrationSocket);
      assert.deepEqual(
        { ...info },
        { type: 'DRAPlugin', name: DRIVER, endpoint: node.plugin.draSocket, supported_versions: ['v1.DRAPlugin'] },
      );
      assert.deepEqual(node.plugin.registration, { registered: true, error: '' });
      assert.ok(node.plugin.draSocket.endsWith(`/plugins/${DRIVER}/dra.sock`));
      assert.ok(node.plugin.registrationSocket.endsWith(`/plugins_registry/${DRIVER}-reg.sock`));
    } finally {
      await node.stop();
    }
  });

  test('kubevirt-t4: a T4-1B claim creates one mdev with the published UUID; unprepare removes it', async () => {
    const node = await startTestNode('kubevirt-t4');
    try {
      const slice = [...node.api.slices.values()][0];
      const device = slice.spec.devices.find(
        (d: { attributes: Record<string, { string?: string }> }) => d.attributes.profile?.string === 'T4-1B',
      );
      const uuid = device.attributes.mdevUUID.string as string;
      assert.equal(uuid, slotUuid(NODE, device.name));
      node.api.putClaim({
        ...claim('u1'),
        results: [{ request: 'gpu', driver: DRIVER, pool: NODE, device: device.name }],
      });

      const first = await node.kubelet.prepare([claim('u1')]);
      assert.equal(first.claims.u1?.error, '');
      assert.deepEqual(
        first.claims.u1?.devices.map((d) => ({ ...d })),
        [
          {
            request_names: ['gpu'],
            pool_name: NODE,
            device_name: device.name,
            cdi_device_ids: [`${DRIVER}/vgpu=u1-${device.name}`],
          },
        ],
      );
      assert.deepEqual(await mdevs(node.host), [uuid]);
      const spec = JSON.parse(await node.host.readText(`${CDI_DIR}/${DRIVER}-u1.json`));
      assert.equal(spec.kind, `${DRIVER}/vgpu`);
      assert.ok(spec.devices[0].containerEdits.env.includes(`VGPUCTL_MDEV_UUID=${uuid}`));
      assert.ok(
        spec.devices[0].containerEdits.deviceNodes.some((n: { path: string }) => /^\/dev\/vfio\/\d+$/.test(n.path)),
      );

      // The kubelet retries: same answer, nothing new on the host.
      const again = await node.kubelet.prepare([claim('u1')]);
      assert.deepEqual(again, first);
      assert.deepEqual(await mdevs(node.host), [uuid]);

      const released = await node.kubelet.unprepare([claim('u1')]);
      assert.deepEqual(released.claims.u1?.error, '');
      assert.deepEqual(await mdevs(node.host), []);
      assert.equal(await node.host.exists(`${CDI_DIR}/${DRIVER}-u1.json`), false);
      const twice = await node.kubelet.unprepare([claim('u1')]);
      assert.equal(twice.claims.u1?.error, '');
      assert.deepEqual(node.api.rejected, []);
    } finally {
      await node.stop();
    }
  });

  test('lab: a passthrough claim binds the RTX 4070 with its audio function and unprepare restores both', async () => {
    const node = await startTestNode('lab');
    try {
      assert.equal(await driverOf(node.host, '0000:01:00.0'), 'nvidia');
      const audio = '0000:01:00.1';
      const audioDriver = await driverOf(node.host, audio);
      node.api.putClaim({
        ...claim('p1'),
        results: [{ request: 'gpu', driver: DRIVER, pool: NODE, device: 'gpu-0000-01-00-0' }],
      });
      const prepared = await node.kubelet.prepare([claim('p1')]);
      assert.equal(prepared.claims.p1?.error, '');
      assert.equal(await driverOf(node.host, '0000:01:00.0'), 'vfio-pci');
      assert.equal(await driverOf(node.host, audio), 'vfio-pci');
      // Still published while it is prepared (the claim's allocation stays valid).
      assert.ok(node.api.deviceNames().includes('gpu-0000-01-00-0'));
      const released = await node.kubelet.unprepare([claim('p1')]);
      assert.equal(released.claims.p1?.error, '');
      assert.equal(await driverOf(node.host, '0000:01:00.0'), 'nvidia');
      assert.equal(await driverOf(node.host, audio), audioDriver);
    } finally {
      await node.stop();
    }
  });

  test('L40S: a vendor-VFIO claim sets the VF type; unprepare clears it', async () => {
    const node = await startTestNode(L40S(4));
    try {
      const devices = [...node.api.slices.values()].flatMap((s) => s.spec.devices);
      const vgpu = devices.find(
        (d: { attributes: Record<string, { string?: string }> }) => d.attributes.mechanism?.string === 'vendor-vfio',
      );
      assert.ok(vgpu !== undefined, 'the L40S publishes vendor-VFIO devices');
      const vf = vgpu.attributes['resource.kubernetes.io/pciBusID'].string as string;
      const typeId = (vgpu.attributes.typeId.string as string).replace('nvidia-', '');
      node.api.putClaim({
        ...claim('v1'),
        results: [{ request: 'vgpu', driver: DRIVER, pool: NODE, device: vgpu.name }],
      });
      const prepared = await node.kubelet.prepare([claim('v1')]);
      assert.equal(prepared.claims.v1?.error, '');
      assert.equal((await node.host.readText(`/sys/bus/pci/devices/${vf}/nvidia/current_vgpu_type`)).trim(), typeId);
      await node.kubelet.unprepare([claim('v1')]);
      assert.equal((await node.host.readText(`/sys/bus/pci/devices/${vf}/nvidia/current_vgpu_type`)).trim(), '0');
    } finally {
      await node.stop();
    }
  });

  test('hotplug hide removes the parent from the ResourceSlices; show brings it back', async () => {
    const node = await startTestNode('kubevirt-t4');
    try {
      const before = node.api.deviceNames();
      assert.ok(before.length > 0);
      await node.host.write('/sys/devices/virtual/nvidia/nvidia/hotplug_control', 'hide');
      assert.deepEqual(await node.published((names) => names.length === 0), []);
      await node.host.write('/sys/devices/virtual/nvidia/nvidia/hotplug_control', 'show');
      assert.deepEqual(await node.published((names) => names.length > 0), before);
      assert.deepEqual(node.api.rejected, []);
    } finally {
      await node.stop();
    }
  });

  test('a crash between creating the mdev and answering: the retried call answers the same device, nothing leaks', async () => {
    let reached: () => void = () => {};
    const created = new Promise<void>((resolve) => {
      reached = resolve;
    });
    // The first driver stops for good right after changing the host, as a killed process would.
    const node = await startTestNode('kubevirt-t4', {
      afterHostChange: () => {
        reached();
        return new Promise<void>(() => {});
      },
    });
    try {
      const device = 'vgpu-nvidia-nvidia-222-3';
      node.api.putClaim({ ...claim('c1'), results: [{ request: 'gpu', driver: DRIVER, pool: NODE, device }] });
      void node.driver.prepare([claim('c1')]);
      await created;
      assert.deepEqual(await mdevs(node.host), [slotUuid(NODE, device)]);

      const restarted = await node.restartedDriver();
      const retried = await restarted.prepare([claim('c1')]);
      assert.equal(retried.c1?.error, '');
      assert.deepEqual(
        retried.c1?.devices.map((d) => d.device_name),
        [device],
      );
      assert.deepEqual(await mdevs(node.host), [slotUuid(NODE, device)]);
      await restarted.unprepare([claim('c1')]);
      assert.deepEqual(await mdevs(node.host), []);
    } finally {
      await node.stop();
    }
  });

  test('bad input: malformed requests fail with INVALID_ARGUMENT, bad claims with clear errors; nothing changes', async () => {
    const node = await startTestNode('kubevirt-t4');
    try {
      await assert.rejects(
        node.kubelet.prepare([{ namespace: 'vms', uid: '', name: 'x' }]),
        (error: grpc.ServiceError) => {
          assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
          assert.match(error.details, /its uid is empty/);
          return true;
        },
      );
      await assert.rejects(
        node.kubelet.prepare([]),
        (error: grpc.ServiceError) => error.code === grpc.status.INVALID_ARGUMENT,
      );

      node.api.putClaim({
        ...claim('o1'),
        results: [{ request: 'gpu', driver: 'gpu.nvidia.com', pool: NODE, device: 'gpu-0' }],
      });
      node.api.putClaim({
        ...claim('g1'),
        results: [{ request: 'gpu', driver: DRIVER, pool: NODE, device: 'vgpu-nvidia-nvidia-999-0' }],
      });
      node.api.putClaim({
        ...claim('f1'),
        results: [{ request: 'gpu', driver: DRIVER, pool: 'node-2', device: 'vgpu-nvidia-nvidia-222-0' }],
      });
      const answer = await node.kubelet.prepare([
        claim('missing'),
        claim('o1'),
        claim('g1'),
        claim('f1'),
        claim('x1', 'claim-o1'),
      ]);
      assert.match(
        answer.claims.missing?.error ?? '',
        /Cannot prepare claim "vms\/claim-missing": no such ResourceClaim/,
      );
      assert.match(
        answer.claims.o1?.error ?? '',
        /no device of driver gpu\.vgpuctl\.io \(its devices belong to gpu\.nvidia\.com\)/,
      );
      assert.match(answer.claims.g1?.error ?? '', /offers no device vgpu-nvidia-nvidia-999-0/);
      assert.match(answer.claims.f1?.error ?? '', /is in pool node-2, not this node's/);
      assert.match(answer.claims.x1?.error ?? '', /its UID is o1, the kubelet asked for x1/);
      assert.deepEqual(await mdevs(node.host), []);
      assert.deepEqual(node.driver.offer().devices.length, node.api.deviceNames().length);
      assert.equal(await node.host.exists(`/run/vgpuctl/kubelet-plugin/${DRIVER}.json`), false);
    } finally {
      await node.stop();
    }
  });
});
