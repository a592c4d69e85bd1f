/**
 * The capacity planner: `(GPUs, wants) → placement | reasons`. Pure and deterministic.
 *
 * Per board, vGPUs go first onto GPUs that already run their framebuffer size (packing, so
 * that free GPUs stay free for other sizes); then free GPUs are given to sizes, the size
 * with the most vGPUs per GPU first (this maximises the vGPUs placed when not all fit), the
 * last GPU of a size chosen as the smallest that takes the rest; GPUs in mixed-size mode
 * take what is left; MIG-backed profiles fill GPU instances largest first. Passthrough
 * takes GPUs without vGPU profiles first, then idle vGPU-capable ones. GPUs on a want's
 * preferred NUMA node come first.
 */
import type { VgpuProfile } from '../catalog/index.ts';
import { explainUnplaced, type Reason, type Suggestion } from './explain.ts';
import type { PlannerGpu } from './gpu-model.ts';
import { addToLoad, capacityFor, type GpuLoad, initialLoad, passthroughFits, timeSlicedCount } from './rules.ts';
import type { ResolvedWant } from './want.ts';

/** vGPUs (or a passthrough GPU) placed on one GPU. */
export interface Placement {
  host: string;
  gpu: string;
  /** Profile short name (`T4-1B`) or `passthrough`. */
  profile: string;
  /** NVIDIA type id; null for passthrough. */
  typeId: number | null;
  count: number;
  /** The VFs that take the vGPUs (VF-backed GPUs); empty otherwise. */
  vfs: string[];
}

/** What could not be placed, why, and the smallest change that would fit it. */
interface Unplaced {
  profile: string;
  count: number;
  reasons: Reason[];
  /** Changes that would fit the rest, smallest first; empty when none would. */
  suggestions: Suggestion[];
}

/** A plan. */
export interface PlanResult {
  fits: boolean;
  requested: number;
  placed: number;
  placements: Placement[];
  unplaced: Unplaced[];
}

interface Pending {
  want: ResolvedWant;
  profile: VgpuProfile;
  left: number;
}

/** Plans `wants` on `gpus`. */
export function planPlacement(gpus: readonly PlannerGpu[], wants: readonly ResolvedWant[]): PlanResult {
  const loads = gpus.map(initialLoad);
  const placements: Placement[] = [];
  const byKey = new Map<string, Placement>();
  const place = (index: number, profile: VgpuProfile, count: number) => {
    const gpu = gpus[index] as PlannerGpu;
    const vfs = addToLoad(gpu, loads[index] as GpuLoad, profile, count);
    const key = `${index}/${profile.id}`;
    const seen = byKey.get(key);
    if (seen !== undefined) {
      seen.count += count;
      seen.vfs.push(...vfs);
      return;
    }
    const placement = { host: gpu.host, gpu: gpu.address, profile: profile.short, typeId: profile.id, count, vfs };
    byKey.set(key, placement);
    placements.push(placement);
  };

  const passthrough = wants.filter((w) => w.resolved === 'passthrough');
  let passthroughLeft = passthrough.reduce((n, w) => n + w.count, 0);
  const numaOf = passthrough.find((w) => w.numaNode !== null)?.numaNode ?? null;
  const givePassthrough = (eligible: (gpu: PlannerGpu) => boolean) => {
    for (const index of numaFirst(gpus, indices(gpus.length), numaOf)) {
      if (passthroughLeft === 0) return;
      const gpu = gpus[index] as PlannerGpu;
      const load = loads[index] as GpuLoad;
      if (!eligible(gpu) || !passthroughFits(gpu, load)) continue;
      load.passthrough = true;
      placements.push({ host: gpu.host, gpu: gpu.address, profile: 'passthrough', typeId: null, count: 1, vfs: [] });
      passthroughLeft--;
    }
  };
  // GPUs without vGPU profiles first: the vGPU-capable ones stay for vGPUs.
  givePassthrough((gpu) => gpu.board === null);

  const pending: Pending[] = wants.flatMap((want) =>
    want.resolved === 'passthrough' ? [] : [{ want, profile: want.resolved, left: want.count }],
  );
  const boards = new Map<string, Pending[]>();
  for (const p of pending) {
    const list = boards.get(p.profile.board);
    if (list === undefined) boards.set(p.profile.board, [p]);
    else list.push(p);
  }
  const gpusOfBoard = new Map<string, number[]>();
  gpus.forEach((gpu, index) => {
    if (gpu.board === null) return;
    const list = gpusOfBoard.get(gpu.board.board);
    if (list === undefined) gpusOfBoard.set(gpu.board.board, [index]);
    else list.push(index);
  });

  for (const [boardName, items] of boards) {
    const candidates = gpusOfBoard.get(boardName) ?? [];
    const timeSliced = items.filter((p) => p.profile.migSlices === null);
    const mig = items.filter((p) => p.profile.migSlices !== null);
    const fill = (p: Pending, index: number) => {
      if (p.left === 0) return;
      const { fits } = capacityFor(gpus[index] as PlannerGpu, loads[index] as GpuLoad, p.profile);
      const n = Math.min(fits, p.left);
      if (n > 0) {
        place(index, p.profile, n);
        p.left -= n;
      }
    };
    // 1. Pack onto GPUs already running the size (not in mixed-size mode).
    const pack = (p: Pending) => {
      if (p.left === 0) return;
      const running = candidates.filter((i) => {
        const gpu = gpus[i] as PlannerGpu;
        const load = loads[i] as GpuLoad;
        return !gpu.mixedSize && (load.sizes.get(p.profile.framebufferMiB) ?? 0) > 0;
      });
      for (const index of numaFirst(gpus, running, p.want.numaNode)) fill(p, index);
    };
    for (const p of timeSliced) pack(p);
    // 2. Free GPUs to sizes, most vGPUs per GPU first; a size's GPUs opened for an earlier
    // profile of the same size are filled before another is opened.
    const order = [...timeSliced].sort((a, b) => b.profile.maxInstances - a.profile.maxInstances);
    for (const p of order) {
      pack(p);
      if (p.left === 0) continue;
      const free = candidates.filter((i) => {
        const gpu = gpus[i] as PlannerGpu;
        const load = loads[i] as GpuLoad;
        return !gpu.mixedSize && timeSlicedCount(load) === 0 && load.migCount === 0 && !load.passthrough;
      });
      fillFresh(
        p,
        numaFirst(gpus, free, p.want.numaNode),
        (i) => capacityFor(gpus[i] as PlannerGpu, loads[i] as GpuLoad, p.profile).fits,
        fill,
      );
    }
    // 3. Mixed-size GPUs take the rest, smallest size first.
    const mixed = candidates.filter((i) => (gpus[i] as PlannerGpu).mixedSize);
    const bySize = [...timeSliced].sort((a, b) => a.profile.framebufferMiB - b.profile.framebufferMiB);
    for (const p of bySize) for (const index of numaFirst(gpus, mixed, p.want.numaNode)) fill(p, index);
    // 4. MIG-backed: GPUs with GPU instances first, then free ones; largest profiles first.
    const migOrder = [...mig].sort((a, b) => (b.profile.migSlices ?? 0) - (a.profile.migSlices ?? 0));
    for (const p of migOrder) {
      const withMig = candidates.filter((i) => (loads[i] as GpuLoad).migCount > 0);
      const others = candidates.filter((i) => (loads[i] as GpuLoad).migCount === 0);
      for (const index of [...numaFirst(gpus, withMig, p.want.numaNode), ...numaFirst(gpus, others, p.want.numaNode)])
        fill(p, index);
    }
  }

  givePassthrough((gpu) => gpu.board !== null);

  const requested = wants.reduce((n, w) => n + w.count, 0);
  const unplaced: Unplaced[] = [];
  for (const p of pending) {
    if (p.left > 0)
      unplaced.push({ profile: p.profile.short, count: p.left, ...explainUnplaced(gpus, loads, p.profile, p.left) });
  }
  if (passthroughLeft > 0) {
    unplaced.push({
      profile: 'passthrough',
      count: passthroughLeft,
      ...explainUnplaced(gpus, loads, 'passthrough', passthroughLeft),
    });
  }
  const missing = unplaced.reduce((n, u) => n + u.count, 0);
  return { fits: missing === 0, requested, placed: requested - missing, placements, unplaced };
}

/**
 * Gives free GPUs to one size: the largest first while the rest exceeds them, then the
 * smallest GPU that takes the whole rest (so no GPU is opened for a few vGPUs when a
 * smaller one would do).
 */
function fillFresh(
  p: Pending,
  candidates: number[],
  capacity: (index: number) => number,
  fill: (p: Pending, index: number) => void,
): void {
  const caps = candidates.map((index) => ({ index, cap: capacity(index) })).filter((c) => c.cap > 0);
  // Stable: NUMA order first (callers sort), then capacity, largest first.
  const sorted = caps.map((c, order) => ({ ...c, order })).sort((a, b) => b.cap - a.cap || a.order - b.order);
  for (let k = 0; k < sorted.length && p.left > 0; k++) {
    const current = sorted[k] as { index: number; cap: number };
    if (current.cap >= p.left) {
      // The smallest remaining GPU that takes the whole rest.
      let best = current;
      for (let j = k + 1; j < sorted.length; j++) {
        const c = sorted[j] as { index: number; cap: number };
        if (c.cap >= p.left && c.cap < best.cap) best = c;
      }
      fill(p, best.index);
      return;
    }
    fill(p, current.index);
  }
}

function indices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** GPUs on the preferred NUMA node first, each group in the given order. */
function numaFirst(gpus: readonly PlannerGpu[], list: readonly number[], numaNode: number | null): number[] {
  if (numaNode === null) return [...list];
  const near = list.filter((i) => gpus[i]?.numaNode === numaNode);
  const far = list.filter((i) => gpus[i]?.numaNode !== numaNode);
  return [...near, ...far];
}
