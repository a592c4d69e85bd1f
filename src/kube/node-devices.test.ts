import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discover } from '../discovery/discover.ts';
import { depsFor, emulated, L40S, uuids } from '../ops/vgpu/_test-hosts.ts';
import { createVgpus } from '../ops/vgpu/lifecycle.ts';
import { nodeDevices } from './node-devices.ts';
import { slotUuid } from './slot-uuid.ts';

describe('nodeDevices()', () => {
  test('lab: whole GPUs except the boot display, with the GPU audio function in the group; T4 slots per type', async () => {
    const { host } = emulated('lab');
    const offer = nodeDevices(await discover(host), { nodeName: 'n' });
    const whole = offer.devices.filter((d) => d.mechanism === 'passthrough').map((d) => d.gpu);
    assert.ok(!whole.includes('0000:00:02.0'));
    const rtx = offer.devices.find((d) => d.name === 'gpu-0000-01-00-0');
    assert.deepEqual(rtx?.target, {
      kind: 'passthrough',
      address: '0000:01:00.0',
      functions: ['0000:01:00.0', '0000:01:00.1'],
      iommuGroup: 2,
    });
    const t4 = offer.devices.filter((d) => d.gpu === '0000:3b:00.0' && d.typeId === 'nvidia-222');
    assert.equal(t4.length, 16);
    assert.equal(t4[3]?.mdevUuid, slotUuid('n', 'vgpu-0000-3b-00-0-nvidia-222-3'));
    assert.notEqual(slotUuid('n', 'x'), slotUuid('m', 'x'));
  });

  test('once a vGPU lives on an NVIDIA GPU, only slots of its framebuffer size are offered, and no whole GPU', async () => {
    const { host } = emulated('lab');
    await createVgpus(depsFor(host), { type: 'T4-2B', gpu: '0000:3b:00.0', uuids: uuids(1) }, () => 'unused');
    const offer = nodeDevices(await discover(host), { nodeName: 'n' });
    const t4 = offer.devices.filter((d) => d.gpu === '0000:3b:00.0');
    assert.ok(t4.length > 0);
    assert.deepEqual([...new Set(t4.map((d) => d.framebufferMiB))], [2048]);
    assert.ok(!t4.some((d) => d.mechanism === 'passthrough'));
  });

  test('vendor-VFIO: one device per free VF and type, each taking its VF counter; --types narrows the offer', async () => {
    const { host } = emulated(L40S(4));
    const all = nodeDevices(await discover(host), { nodeName: 'n' });
    const vfio = all.devices.filter((d) => d.mechanism === 'vendor-vfio');
    assert.equal(new Set(vfio.map((d) => d.pciBusId)).size, 4);
    assert.deepEqual(all.counters[0]?.vfs.length, 4);
    assert.deepEqual(new Set(vfio.map((d) => d.consumesVf)), new Set(all.counters[0]?.vfs));
    const profile = vfio[0]?.profile as string;
    const narrowed = nodeDevices(await discover(host), { nodeName: 'n', types: [profile] });
    assert.deepEqual(
      [...new Set(narrowed.devices.filter((d) => d.mechanism === 'vendor-vfio').map((d) => d.profile))],
      [profile],
    );
  });

  test('a GPU over the per-slice device limit keeps whole types and reports the rest', async () => {
    const { host } = emulated('lab');
    const offer = nodeDevices(await discover(host), { nodeName: 'n', maxDevicesPerGpu: 20 });
    assert.ok(offer.devices.filter((d) => d.gpu === '0000:3b:00.0').length <= 20);
    assert.ok(offer.skipped.some((s) => s.startsWith('0000:3b:00.0 nvidia-')));
  });
});
