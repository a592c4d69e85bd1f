/**
 * Classic NVIDIA vGPU (Maxwell … Turing, unlocked consumer cards): the PF itself is the mdev
 * parent, types `nvidia-<id>`, children bound to `nvidia-vgpu-vfio` (kernel-semantics.md §6.1).
 */
import type { KernelServices, MdevParentHandle, MdevTypeModel, PciFunction } from '../../kernel-api.ts';
import type { GpuVgpuState } from './gpu-state.ts';
import { availableOf, releaseVgpu, reserveVgpu } from './gpu-state.ts';
import type { NvidiaVgpuType } from './vgpu-types.ts';
import { describeVgpuType } from './vgpu-types.ts';

/** mdev driver of NVIDIA vGPUs (dmesg: "nvidia-vgpu-vfio <uuid>: Adding to iommu group N"). */
export const NVIDIA_MDEV_DRIVER = 'nvidia-vgpu-vfio';

/**
 * An mdev type model for one NVIDIA type, with availability from `available`; name and
 * description follow the type as it is now (vgpu_unlock-rs overrides can change it).
 */
export function nvidiaMdevType(
  type: () => NvidiaVgpuType,
  available: () => number,
): MdevTypeModel & { readonly vgpu: NvidiaVgpuType } {
  return {
    sysfsName: String(type().id),
    get prettyName() {
      return type().name;
    },
    get description() {
      return describeVgpuType(type());
    },
    deviceApi: 'vfio-pci',
    available,
    get vgpu() {
      return type();
    },
  };
}

/** The GPU's type at `index`, as it is now. */
export function typeAt(state: GpuVgpuState, index: number): () => NvidiaVgpuType {
  return () => state.types[index] as NvidiaVgpuType;
}

/** Registers the PF as an mdev parent offering the GPU's types; returns the handle. */
export function registerClassicParent(gpu: PciFunction, state: GpuVgpuState, kernel: KernelServices): MdevParentHandle {
  const models = state.types.map((_, i) =>
    nvidiaMdevType(typeAt(state, i), () => availableOf(state, typeAt(state, i)())),
  );
  return kernel.mdev.registerParent(gpu.address, gpu.path, {
    mdevDriver: NVIDIA_MDEV_DRIVER,
    typePrefix: 'nvidia',
    types: models,
    create: (model, uuid) => reserveVgpu(state, uuid, (model as (typeof models)[number]).vgpu),
    remove: (_model, uuid) => releaseVgpu(state, uuid),
    populateDevice: (_model, _uuid, devPath, tree) => {
      // nvidia-vgpu-vfio exposes per-vGPU parameters under nvidia/ (vgpu_params, RW).
      let params = '';
      tree.attr(`${devPath}/nvidia/vgpu_params`, {
        mode: 0o644,
        show: () => `${params}\n`,
        store: (data) => {
          params = data.toString('latin1').replace(/\n$/, '');
          return data.length;
        },
      });
    },
  });
}
