import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { discover } from '../../discovery/discover.ts';
import { emulated } from '../../ops/vgpu/_test-hosts.ts';
import { FakeApiServer } from '../_test-apiserver.ts';
import { validateResourceSlice } from '../_test-openapi.ts';
import { kubeClusterApi } from '../api/kube-client.ts';
import { nodeDevices } from '../node-devices.ts';
import { resourceSlices } from './resource-slices.ts';
import { SlicePublisher } from './slice-publisher.ts';

const DRIVER = 'gpu.vgpuctl.io';

describe('ResourceSlice publication through @kubernetes/client-node', () => {
  const server = new FakeApiServer();
  before(() => server.start());
  after(() => server.stop());

  test('the lab publishes one valid slice per GPU, with typed attributes and shared counters', async () => {
    const { host } = emulated('lab');
    const offer = nodeDevices(await discover(host), { nodeName: 'node-a' });
    const publisher = new SlicePublisher(kubeClusterApi({ server: server.url }), {
      driver: DRIVER,
      nodeName: 'node-a',
    });
    const report = await publisher.publish(offer);
    assert.deepEqual(server.rejected, []);
    assert.equal(report.created.length, 5);
    assert.equal(report.generation, 1);
    const t4 = server.slices.get('node-a-gpu-vgpuctl-io-0000-3b-00-0');
    assert.ok(t4 !== undefined);
    assert.deepEqual(t4.spec.sharedCounters, [
      { name: 'gpu-0000-3b-00-0', counters: { memory: { value: '16384Mi' } } },
    ]);
    const slot = t4.spec.devices.find((d: { name: string }) => d.name === 'vgpu-0000-3b-00-0-nvidia-222-0');
    assert.deepEqual(slot.attributes.profile, { string: 'T4-1B' });
    assert.deepEqual(slot.attributes.mechanism, { string: 'mdev' });
    assert.deepEqual(slot.attributes.framebufferMiB, { int: 1024 });
    assert.match(slot.attributes.mdevUUID.string, /^[0-9a-f-]{36}$/);
    assert.deepEqual(slot.consumesCounters, [
      { counterSet: 'gpu-0000-3b-00-0', counters: { memory: { value: '1024Mi' } } },
    ]);
    const gpu = server.slices.get('node-a-gpu-vgpuctl-io-0000-01-00-0');
    assert.deepEqual(gpu.spec.devices[0].attributes['resource.kubernetes.io/pciBusID'], { string: '0000:01:00.0' });
    assert.deepEqual(gpu.spec.devices[0].attributes.mechanism, { string: 'passthrough' });
  });

  test('an unchanged offer writes nothing; a change raises the generation of every slice', async () => {
    const { host } = emulated('kubevirt-t4');
    const api = kubeClusterApi({ server: server.url });
    const publisher = new SlicePublisher(api, { driver: DRIVER, nodeName: 'node-b' });
    await publisher.publish(nodeDevices(await discover(host), { nodeName: 'node-b' }));
    const writes = server.writes.length;
    const again = await publisher.publish(nodeDevices(await discover(host), { nodeName: 'node-b' }));
    assert.equal(server.writes.length, writes);
    assert.equal(again.generation, 1);
    await host.write('/sys/devices/virtual/nvidia/nvidia/hotplug_control', 'hide');
    const hidden = await publisher.publish(nodeDevices(await discover(host), { nodeName: 'node-b' }));
    assert.deepEqual(hidden.deleted, ['node-b-gpu-vgpuctl-io-nvidia']);
    await host.write('/sys/devices/virtual/nvidia/nvidia/hotplug_control', 'show');
    const shown = await publisher.publish(nodeDevices(await discover(host), { nodeName: 'node-b' }));
    assert.deepEqual(shown.created, ['node-b-gpu-vgpuctl-io-nvidia']);
    assert.equal(server.slices.get('node-b-gpu-vgpuctl-io-nvidia').spec.pool.generation, 3);
  });

  test('the double refuses what the API server would: unknown fields, long strings, two attribute values', () => {
    const [slice] = resourceSlices(
      { devices: [], counters: [], skipped: [] },
      { driver: DRIVER, nodeName: 'n', generation: 1 },
    );
    assert.equal(slice, undefined);
    const bad = {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceSlice',
      metadata: { name: 'n-x' },
      spec: {
        driver: DRIVER,
        nodeName: 'n',
        pool: { name: 'n', generation: 1, resourceSliceCount: 1 },
        devices: [
          { name: 'Bad_Name', attributes: { a: { string: 'x'.repeat(65) }, b: { int: 1, bool: true } }, color: 1 },
        ],
      },
    };
    const problems = validateResourceSlice(bad);
    assert.ok(
      problems.some((p) => p.includes('color: unknown field')),
      problems.join('\n'),
    );
    const semantic = validateResourceSlice({
      ...bad,
      spec: {
        ...bad.spec,
        devices: [{ name: 'Bad_Name', attributes: { a: { string: 'x'.repeat(65) }, b: { int: 1, bool: true } } }],
      },
    });
    assert.ok(semantic.some((p) => p.includes('not a DNS label')));
    assert.ok(semantic.some((p) => p.includes('longer than 64')));
    assert.ok(semantic.some((p) => p.includes('exactly one value field')));
  });
});
