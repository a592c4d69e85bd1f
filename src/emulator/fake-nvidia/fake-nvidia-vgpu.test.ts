import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errnoOf } from '../kernfs/_test-errno.ts';
import { createTestKernel } from '../mdev/_test-services.ts';
import { fakeInstanceUuid, loadFakeNvidiaVgpu } from './index.ts';

const TYPES = '/sys/class/mdev_bus/nvidia/mdev_supported_types';

describe('KubeVirt fake NVIDIA vGPU', () => {
  test('registers the virtual parent nvidia with the two T4 B types', () => {
    const k = createTestKernel();
    loadFakeNvidiaVgpu(k.services, { instances: 0 });
    assert.equal(k.tree.realpath('/sys/class/mdev_bus/nvidia'), '/sys/devices/virtual/nvidia/nvidia');
    assert.equal(k.tree.realpath('/sys/class/nvidia/nvidia'), '/sys/devices/virtual/nvidia/nvidia');
    assert.equal(k.read(`${TYPES}/nvidia-222/name`), 'GRID T4-1B\n');
    assert.equal(k.read(`${TYPES}/nvidia-222/description`), 'NVIDIA GRID vGPU (1b), 1024MB framebuffer\n');
    assert.equal(k.read(`${TYPES}/nvidia-222/available_instances`), '16\n');
    assert.equal(k.read(`${TYPES}/nvidia-223/name`), 'GRID T4-2B\n');
    assert.equal(k.read(`${TYPES}/nvidia-223/description`), 'NVIDIA GRID vGPU (2b), 2048MB framebuffer\n');
    assert.equal(k.read(`${TYPES}/nvidia-223/available_instances`), '8\n');
    assert.equal(k.read('/sys/class/nvidia/nvidia/hotplug_control'), 'visible\n');
  });

  test('pre-creates deterministic instances with nvidia/ attributes; counters are independent', () => {
    const k = createTestKernel();
    loadFakeNvidiaVgpu(k.services, { instances: 4 });
    assert.deepEqual([...k.tree.dir('/sys/bus/mdev/devices').children.keys()], [0, 1, 2, 3].map(fakeInstanceUuid));
    const dev = `/sys/bus/mdev/devices/${fakeInstanceUuid(0)}`;
    assert.equal(k.read(`${dev}/nvidia/gpu_type`), 'GRID T4-1B\n');
    assert.equal(k.read(`${dev}/nvidia/fb_size`), '1024MB\n');
    assert.equal(k.read(`${TYPES}/nvidia-222/available_instances`), '12\n');
    assert.equal(k.read(`${TYPES}/nvidia-223/available_instances`), '8\n');
    for (let i = 0; i < 8; i++) k.write(`${TYPES}/nvidia-223/create`, fakeInstanceUuid(100 + i));
    assert.equal(
      errnoOf(() => k.write(`${TYPES}/nvidia-223/create`, fakeInstanceUuid(200))),
      'ENOSPC',
    );
  });

  test('hide unregisters the parent and its instances; show registers it again', () => {
    const k = createTestKernel();
    loadFakeNvidiaVgpu(k.services, { instances: 2 });
    const control = '/sys/class/nvidia/nvidia/hotplug_control';
    assert.equal(k.write(control, 'hide\n'), 5);
    assert.equal(k.read(control), 'hidden\n');
    assert.equal(k.tree.find('/sys/class/mdev_bus/nvidia', false), undefined);
    assert.equal(k.tree.dir('/sys/bus/mdev/devices').children.size, 0);
    assert.equal(k.uevents.at(-1)?.env.MDEV_STATE, 'unregistered');
    assert.equal(k.write(control, 'hide'), 4, 'hiding twice is harmless');
    assert.equal(k.write(control, 'show\n'), 5);
    assert.equal(k.read(control), 'visible\n');
    assert.equal(k.read(`${TYPES}/nvidia-222/available_instances`), '16\n');
    assert.equal(k.uevents.at(-1)?.env.MDEV_STATE, 'registered');
    assert.equal(
      errnoOf(() => k.write(control, 'toggle\n')),
      'EINVAL',
    );
  });
});
