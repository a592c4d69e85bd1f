/**
 * An upper bound on what any plan can place: the LP relaxation of giving GPUs to sizes.
 * Per board, vGPUs of a size first use the room left on GPUs already running it (exact);
 * then a free GPU may be split fractionally between sizes, each fraction yielding its share
 * of min(max instances, free VFs) — solved by the fractional greedy (sizes with the most
 * vGPUs per GPU first, GPUs with the most room first), which is optimal for capacities of
 * that form. Mixed-size GPUs count framebuffer fractionally, MIG GPUs slices fractionally.
 * Passthrough is bounded by the GPUs free for it, ignoring what vGPUs take (a relaxation).
 */
import type { VgpuProfile } from '../catalog/index.ts';
import type { PlannerGpu } from './gpu-model.ts';
import { capacityFor, type GpuLoad, initialLoad, passthroughFits, timeSlicedCount } from './rules.ts';
import type { ResolvedWant } from './want.ts';

/** The LP relaxation's bound on vGPUs plus passthrough GPUs placed. */
export function lpBound(gpus: readonly PlannerGpu[], wants: readonly ResolvedWant[]): number {
  const loads = gpus.map(initialLoad);
  let bound = 0;
  const passthrough = wants.filter((w) => w.resolved === 'passthrough').reduce((n, w) => n + w.count, 0);
  let free = 0;
  gpus.forEach((g, i) => {
    if (passthroughFits(g, loads[i] as GpuLoad)) free++;
  });
  bound += Math.min(passthrough, free);

  // Demand per board and size (time-sliced) or per MIG profile.
  const boards = new Map<
    string,
    {
      sliced: Map<number, { demand: number; profile: VgpuProfile }>;
      mig: Map<number, { demand: number; profile: VgpuProfile }>;
    }
  >();
  for (const want of wants) {
    if (want.resolved === 'passthrough') continue;
    const p = want.resolved;
    let entry = boards.get(p.board);
    if (entry === undefined) {
      entry = { sliced: new Map(), mig: new Map() };
      boards.set(p.board, entry);
    }
    const map = p.migSlices === null ? entry.sliced : entry.mig;
    const key = p.migSlices === null ? p.framebufferMiB : p.id;
    const seen = map.get(key);
    map.set(key, { demand: (seen?.demand ?? 0) + want.count, profile: seen?.profile ?? p });
  }

  for (const [board, { sliced, mig }] of boards) {
    const indices = gpus.flatMap((g, i) => (g.board?.board === board ? [i] : []));
    const fresh: number[] = [];
    const mixed: number[] = [];
    // Room on GPUs already running a size.
    for (const i of indices) {
      const gpu = gpus[i] as PlannerGpu;
      const load = loads[i] as GpuLoad;
      if (gpu.mixedSize) mixed.push(i);
      else if (timeSlicedCount(load) === 0 && load.migCount === 0) fresh.push(i);
      else if (timeSlicedCount(load) > 0) {
        for (const entry of sliced.values()) {
          if (entry.demand === 0) continue;
          const room = capacityFor(gpu, load, entry.profile).fits;
          const take = Math.min(room, entry.demand);
          entry.demand -= take;
          bound += take;
        }
      }
    }
    // Free GPUs, fractionally.
    const fraction = new Map(fresh.map((i) => [i, 1]));
    const classes = [...sliced.values()].sort((a, b) => b.profile.maxInstances - a.profile.maxInstances);
    for (const entry of classes) {
      const caps = fresh
        .map((i) => ({ i, cap: capacityFor(gpus[i] as PlannerGpu, loads[i] as GpuLoad, entry.profile).fits }))
        .filter((c) => c.cap > 0)
        .sort((a, b) => b.cap - a.cap);
      for (const { i, cap } of caps) {
        if (entry.demand <= 0) break;
        const f = fraction.get(i) ?? 0;
        if (f <= 0) continue;
        const use = Math.min(f, entry.demand / cap);
        fraction.set(i, f - use);
        entry.demand -= use * cap;
        bound += use * cap;
      }
    }
    // Mixed-size GPUs by framebuffer, smallest sizes first.
    for (const entry of [...sliced.values()].sort((a, b) => a.profile.framebufferMiB - b.profile.framebufferMiB)) {
      for (const i of mixed) {
        if (entry.demand <= 0) break;
        const gpu = gpus[i] as PlannerGpu;
        const load = loads[i] as GpuLoad;
        const roomMiB = (gpu.board?.framebufferGiB ?? 0) * 1024 - load.usedFramebufferMiB;
        const take = Math.min(entry.demand, roomMiB / entry.profile.framebufferMiB);
        load.usedFramebufferMiB += take * entry.profile.framebufferMiB;
        entry.demand -= take;
        bound += take;
      }
    }
    // MIG-backed by slices, smallest profiles first, on GPUs without time-sliced vGPUs.
    let slices = 0;
    for (const i of indices) {
      const load = loads[i] as GpuLoad;
      if (timeSlicedCount(load) === 0) slices += ((gpus[i] as PlannerGpu).board?.migSlices ?? 0) - load.migSlicesUsed;
    }
    for (const entry of [...mig.values()].sort((a, b) => (a.profile.migSlices ?? 0) - (b.profile.migSlices ?? 0))) {
      const take = Math.min(entry.demand, slices / (entry.profile.migSlices ?? 1));
      slices -= take * (entry.profile.migSlices ?? 1);
      bound += take;
    }
  }
  return Math.floor(bound + 1e-9);
}
