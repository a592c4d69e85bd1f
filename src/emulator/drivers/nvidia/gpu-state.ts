/**
 * The NVIDIA driver's per-GPU vGPU bookkeeping and its "one framebuffer size per GPU" rule:
 * once a vGPU exists, only types of the same framebuffer size can be added, and those share
 * the capacity `max_instance − used` (capture in kernel-semantics.md §6.1: an RTX A6000
 * with one 2Q vGPU shows 23 for every 2 GiB type and 0 for all others).
 */

import type { PciFunction } from '../../kernel-api.ts';
import { fail } from '../../kernfs/errno-error.ts';
import type { VgpuMode } from '../../scenario/schema.ts';
import type { NvidiaVgpuType } from './vgpu-types.ts';
import { overriddenType } from './vgpu-unlock.ts';

/** Key under which the driver keeps its state in PciFunction.driverData. */
export const NVIDIA_DRIVER = 'nvidia';

/** vGPU state of one physical GPU (kept on the PF). */
export interface GpuVgpuState {
  readonly mode: VgpuMode;
  readonly types: readonly NvidiaVgpuType[];
  /** Live vGPUs: key (mdev UUID or VF address) → type. */
  readonly active: Map<string, NvidiaVgpuType>;
}

/**
 * A fresh state for a GPU. `overrides` gives vgpu_unlock-rs's override values, if any: the
 * types are then the board's with the overrides applied, recomputed when the values change.
 */
export function createGpuState(
  mode: VgpuMode,
  types: readonly NvidiaVgpuType[],
  overrides: () => Record<string, unknown> | undefined = () => undefined,
): GpuVgpuState {
  let seen: Record<string, unknown> | undefined;
  let effective = types;
  return {
    mode,
    active: new Map(),
    get types() {
      const values = overrides();
      if (values === undefined) return types;
      if (values !== seen) {
        seen = values;
        effective = types.map((type) => overriddenType(type, values));
      }
      return effective;
    },
  };
}

/** The driver state of a PF, or of a VF's PF. */
export function gpuStateOf(dev: PciFunction): GpuVgpuState | undefined {
  const pf = dev.physfn ?? dev;
  return pf.driverData.get(NVIDIA_DRIVER) as GpuVgpuState | undefined;
}

/** How many more vGPUs of `type` fit on the GPU now (0 when another framebuffer size is in use). */
export function availableOf(state: GpuVgpuState, type: NvidiaVgpuType): number {
  let used = 0;
  for (const other of state.active.values()) {
    if (other.framebufferMiB !== type.framebufferMiB) return 0;
    used++;
  }
  return Math.max(0, type.maxInstances - used);
}

/**
 * Reserves a vGPU of `type` under `key`. A different framebuffer size → EINVAL (NVIDIA's
 * real errno is not documented; mdevctl#115 reports EINVAL from create on NVIDIA hosts);
 * no capacity left for the size → ENOSPC, as the kernel samples answer.
 */
export function reserveVgpu(state: GpuVgpuState, key: string, type: NvidiaVgpuType): void {
  for (const other of state.active.values()) {
    if (other.framebufferMiB !== type.framebufferMiB) fail('EINVAL', 'mixed vGPU framebuffer sizes');
  }
  if (availableOf(state, type) === 0) fail('ENOSPC', `no ${type.name} instances left`);
  state.active.set(key, type);
}

/** Releases the vGPU under `key`, if any. */
export function releaseVgpu(state: GpuVgpuState, key: string): void {
  state.active.delete(key);
}
