/**
 * NVIDIA vGPU on SR-IOV GPUs with mdev (Ampere: A10, A40, A100 …): every VF bound to
 * `nvidia` is an mdev parent hosting at most one vGPU, `available_instances` 1 or 0
 * (kernel-semantics.md §6.2; NVIDIA/go-nvlib pkg/nvmdev mock). The framebuffer rule and the
 * per-type capacity are shared by all VFs of the PF.
 */

import type { KernelServices, MdevParentHandle, PciFunction } from '../../kernel-api.ts';
import { fail } from '../../kernfs/errno-error.ts';
import { NVIDIA_MDEV_DRIVER, nvidiaMdevType, typeAt } from './classic-mdev.ts';
import type { GpuVgpuState } from './gpu-state.ts';
import { availableOf, releaseVgpu, reserveVgpu } from './gpu-state.ts';

/** Registers a VF as an mdev parent with one vGPU slot. */
export function registerVfParent(vf: PciFunction, state: GpuVgpuState, kernel: KernelServices): MdevParentHandle {
  let occupant: string | undefined;
  const models = state.types.map((_, i) =>
    nvidiaMdevType(typeAt(state, i), () =>
      occupant === undefined && availableOf(state, typeAt(state, i)()) > 0 ? 1 : 0,
    ),
  );
  return kernel.mdev.registerParent(vf.address, vf.path, {
    mdevDriver: NVIDIA_MDEV_DRIVER,
    typePrefix: 'nvidia',
    types: models,
    create: (model, uuid) => {
      // One vGPU per VF; a second create on the same VF finds no capacity.
      if (occupant !== undefined) fail('ENOSPC', 'VF already hosts a vGPU');
      reserveVgpu(state, uuid, (model as (typeof models)[number]).vgpu);
      occupant = uuid;
    },
    remove: (_model, uuid) => {
      releaseVgpu(state, uuid);
      if (occupant === uuid) occupant = undefined;
    },
  });
}
