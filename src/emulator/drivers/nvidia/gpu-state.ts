/**
 * The NVIDIA driver's per-GPU vGPU bookkeeping and its "one framebuffer size per GPU" rule:
 * once a vGPU exists, only types of the same framebuffer size can be added, and those share
 * the capacity `max_instance − used` (capture in kernel-semantics.md §6.1: an RTX A6000
 * with one 2Q vGPU shows 23 for every 2 GiB type and 0 for all others).
 *
 * In mixed-size mode (vendor VFIO, `nvidia-smi vgpu -shm 1`; NVIDIA vGPU user guide,
 * "Putting a GPU Into Mixed-Size Mode") vGPUs of different sizes share the GPU: a type fits
 * while the framebuffer has a free contiguous range of its size and fewer than its
 * `max_instance` vGPUs of the type exist. The placement of a vGPU is the start of that range
 * in GiB (our model of NVIDIA's placement ids; the driver's own allocator is not public).
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
  /** The board's framebuffer (MiB); 0 when unknown (no mixed-size mode then). */
  readonly boardMiB: number;
  /** NVIDIA mixed-size (heterogeneous) mode: set after VFs are enabled, cleared when they are enabled again. */
  mixedSize: boolean;
  /** Mixed-size placements: key → start and size in GiB. */
  readonly placements: Map<string, { start: number; size: number }>;
}

/**
 * A fresh state for a GPU. `overrides` gives vgpu_unlock-rs's override values, if any: the
 * types are then the board's with the overrides applied, recomputed when the values change.
 */
export function createGpuState(
  mode: VgpuMode,
  types: readonly NvidiaVgpuType[],
  overrides: () => Record<string, unknown> | undefined = () => undefined,
  boardMiB = 0,
): GpuVgpuState {
  let seen: Record<string, unknown> | undefined;
  let effective = types;
  return {
    mode,
    active: new Map(),
    boardMiB,
    mixedSize: false,
    placements: new Map(),
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
  if (state.mixedSize) return mixedAvailable(state, type);
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
  if (state.mixedSize) {
    const start = freeRange(state, sizeGiB(type));
    if (start === undefined || mixedAvailable(state, type) === 0) fail('ENOSPC', `no room for ${type.name}`);
    state.placements.set(key, { start, size: sizeGiB(type) });
    state.active.set(key, type);
    return;
  }
  for (const other of state.active.values()) {
    if (other.framebufferMiB !== type.framebufferMiB) fail('EINVAL', 'mixed vGPU framebuffer sizes');
  }
  if (availableOf(state, type) === 0) fail('ENOSPC', `no ${type.name} instances left`);
  state.active.set(key, type);
}

/** Releases the vGPU under `key`, if any. */
export function releaseVgpu(state: GpuVgpuState, key: string): void {
  state.active.delete(key);
  state.placements.delete(key);
}

/**
 * Sets or clears mixed-size mode. EBUSY while vGPUs exist (the mode decides how they are
 * laid out); ENODEV on a GPU whose board size is unknown.
 */
export function setMixedSize(state: GpuVgpuState, on: boolean): void {
  if (state.mixedSize === on) return;
  if (state.active.size > 0) fail('EBUSY', 'vGPUs exist');
  if (state.boardMiB === 0) fail('ENODEV', 'board framebuffer unknown');
  state.mixedSize = on;
}

const sizeGiB = (type: NvidiaVgpuType): number => Math.max(1, Math.ceil(type.framebufferMiB / 1024));

/** Instances of `type` that fit in mixed-size mode: free ranges, and max_instance per type. */
function mixedAvailable(state: GpuVgpuState, type: NvidiaVgpuType): number {
  const size = sizeGiB(type);
  let sameType = 0;
  for (const other of state.active.values()) if (other.id === type.id) sameType++;
  const used = new Set<number>();
  for (const p of state.placements.values()) for (let g = p.start; g < p.start + p.size; g++) used.add(g);
  // Count disjoint free ranges of `size` GiB, first fit from the start.
  let fits = 0;
  let run = 0;
  for (let g = 0; g < Math.floor(state.boardMiB / 1024); g++) {
    run = used.has(g) ? 0 : run + 1;
    if (run === size) {
      fits++;
      run = 0;
    }
  }
  return Math.max(0, Math.min(fits, type.maxInstances - sameType));
}

/** The first free contiguous range of `size` GiB, or undefined. */
function freeRange(state: GpuVgpuState, size: number): number | undefined {
  const used = new Set<number>();
  for (const p of state.placements.values()) for (let g = p.start; g < p.start + p.size; g++) used.add(g);
  let run = 0;
  for (let g = 0; g < Math.floor(state.boardMiB / 1024); g++) {
    run = used.has(g) ? 0 : run + 1;
    if (run === size) return g - size + 1;
  }
  return undefined;
}

/** The placement of the vGPU under `key` in mixed-size mode (start in GiB). */
export function placementOf(state: GpuVgpuState, key: string): number | undefined {
  return state.placements.get(key)?.start;
}
