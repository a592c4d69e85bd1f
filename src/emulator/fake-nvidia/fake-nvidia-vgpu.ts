/**
 * KubeVirt's fake NVIDIA vGPU module (kubevirtci kind-1.33-vgpu/fake-nvidia-vgpu, seed 001;
 * anchors.md §10): a virtual parent `nvidia` offering nvidia-222 "GRID T4-1B" ×16 and
 * nvidia-223 "GRID T4-2B" ×8, with a hotplug_control knob for virt-handler tests.
 */

import type { KernelServices, MdevParentHandle, MdevTypeModel } from '../kernel-api.ts';
import { fail } from '../kernfs/errno-error.ts';
import { cString } from '../kstrto.ts';
import { createVirtualDevice, loadModule } from '../mdev/virtual-device.ts';

interface FakeType {
  readonly id: number;
  readonly name: string;
  readonly series: string;
  readonly fbMiB: number;
  readonly max: number;
}

const FAKE_TYPES: readonly FakeType[] = [
  { id: 222, name: 'GRID T4-1B', series: '1b', fbMiB: 1024, max: 16 },
  { id: 223, name: 'GRID T4-2B', series: '2b', fbMiB: 2048, max: 8 },
];

/** mdev driver name of the fake module's children (the module is fake_nvidia_vgpu.ko). */
const FAKE_NVIDIA_MDEV_DRIVER = 'fake-nvidia-vgpu';

/** Deterministic UUID of the i-th pre-created instance. */
export function fakeInstanceUuid(index: number): string {
  return `fa4e0000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

/**
 * Loads the fake module: parent /sys/devices/virtual/nvidia/nvidia, hotplug_control, and
 * `instances` pre-created nvidia-222 mdevs.
 *
 * Capacity model: one independent counter per type, like the module's atomic counters —
 * nvidia-222 and nvidia-223 do NOT share a framebuffer budget, unlike the real driver.
 */
export function loadFakeNvidiaVgpu(kernel: KernelServices, options: { instances: number }): void {
  loadModule(kernel, 'fake_nvidia_vgpu');
  const path = createVirtualDevice(kernel, 'nvidia', 'nvidia');
  const available = new Map<FakeType, number>(FAKE_TYPES.map((t) => [t, t.max]));
  const typeOf = new Map<string, FakeType>();
  const models = new Map<MdevTypeModel, FakeType>();
  for (const type of FAKE_TYPES) {
    models.set(
      {
        sysfsName: String(type.id),
        prettyName: type.name,
        description: `NVIDIA GRID vGPU (${type.series}), ${type.fbMiB}MB framebuffer\n`,
        deviceApi: 'vfio-pci',
        available: () => available.get(type) ?? 0,
      },
      type,
    );
  }

  let handle: MdevParentHandle | undefined;
  const register = (): void => {
    handle = kernel.mdev.registerParent('nvidia', path, {
      mdevDriver: FAKE_NVIDIA_MDEV_DRIVER,
      typePrefix: 'nvidia',
      types: [...models.keys()],
      create: (model, uuid) => {
        const type = models.get(model);
        if (type === undefined) fail('EINVAL');
        const left = available.get(type) ?? 0;
        if (left === 0) fail('ENOSPC', `${type.name} exhausted`);
        available.set(type, left - 1);
        typeOf.set(uuid, type);
      },
      remove: (_model, uuid) => {
        const type = typeOf.get(uuid);
        if (type !== undefined) available.set(type, (available.get(type) ?? 0) + 1);
        typeOf.delete(uuid);
      },
      populateDevice: (model, _uuid, devPath, tree) => {
        const type = models.get(model);
        tree.attr(`${devPath}/nvidia/gpu_type`, { mode: 0o444, show: () => `${type?.name ?? ''}\n` });
        tree.attr(`${devPath}/nvidia/fb_size`, { mode: 0o444, show: () => `${type?.fbMiB ?? 0}MB\n` });
      },
    });
  };

  kernel.tree.attr(`${path}/hotplug_control`, {
    mode: 0o644,
    show: () => (handle === undefined ? 'hidden\n' : 'visible\n'),
    store: (data) => {
      const command = cString(data).replace(/\n$/, '');
      if (command === 'hide') {
        // mdev_unregister_parent(): instances, types and /sys/class/mdev_bus/nvidia go.
        if (handle !== undefined) kernel.mdev.unregisterParent(handle);
        handle = undefined;
      } else if (command === 'show') {
        if (handle === undefined) register();
      } else {
        fail('EINVAL', 'hotplug_control expects hide or show');
      }
      return data.length;
    },
  });

  register();
  const create = `${path}/mdev_supported_types/nvidia-222/create`;
  for (let i = 0; i < options.instances; i++) {
    const node = kernel.tree.lookup(create);
    if (node.kind === 'attr') node.store?.(Buffer.from(fakeInstanceUuid(i)), { uid: 0, privileged: true }, 0);
  }
}
