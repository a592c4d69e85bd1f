/**
 * An independent check of a plan, written from NVIDIA's rules directly (not from rules.ts),
 * for tests: every GPU's final state — live vGPUs plus planned ones — must be allowed.
 */
import { profileByName, type VgpuProfile } from '../catalog/index.ts';
import type { PlannerGpu } from './gpu-model.ts';
import type { Placement } from './plan.ts';

/** A vGPU or passthrough on a GPU, for the check. */
export interface Unit {
  gpu: string;
  host: string;
  profile: string;
}

/** Violations of the rules by `units` (each one vGPU, or one passthrough GPU) added to `gpus`' live state. */
export function violations(gpus: readonly PlannerGpu[], units: readonly Unit[]): string[] {
  const out: string[] = [];
  const key = (host: string, address: string) => `${host}|${address}`;
  const byGpu = new Map<string, Unit[]>();
  for (const u of units) byGpu.set(key(u.host, u.gpu), [...(byGpu.get(key(u.host, u.gpu)) ?? []), u]);
  for (const [k] of byGpu) if (!gpus.some((g) => key(g.host, g.address) === k)) out.push(`${k}: no such GPU`);
  for (const gpu of gpus) {
    const mine = byGpu.get(key(gpu.host, gpu.address)) ?? [];
    if (mine.length === 0) continue;
    const where = gpu.address;
    const pass = mine.filter((u) => u.profile === 'passthrough');
    if (pass.length > 0) {
      if (pass.length > 1 || mine.length > 1) out.push(`${where}: passthrough shares the GPU`);
      if (!gpu.passthroughCapable || gpu.bootVga || gpu.live.length > 0) out.push(`${where}: not free for passthrough`);
      continue;
    }
    const planned = mine.map((u) => profileByName(u.profile) as VgpuProfile);
    const board = gpu.board;
    if (board === null || planned.some((p) => p === undefined || p.board !== board.board)) {
      out.push(`${where}: profile of another board`);
      continue;
    }
    if (gpu.offered !== null && planned.some((p) => !gpu.offered?.has(p.id))) out.push(`${where}: type not offered`);
    const all = [...gpu.live.map((v) => board.types.find((t) => t.id === v.typeId) as VgpuProfile), ...planned];
    const mig = all.filter((p) => p.migSlices !== null);
    const sliced = all.filter((p) => p.migSlices === null);
    if (mig.length > 0 && sliced.length > 0) out.push(`${where}: MIG and time-sliced together`);
    const count = (list: VgpuProfile[], pred: (p: VgpuProfile) => boolean) => list.filter(pred).length;
    if (mig.length > 0) {
      const slices = mig.reduce((n, p) => n + (p.migSlices ?? 0), 0);
      if (slices > (board.migSlices ?? 0)) out.push(`${where}: ${slices} MIG slices`);
      for (const p of mig)
        if (count(mig, (q) => q.id === p.id) > p.maxInstances) out.push(`${where}: too many ${p.short}`);
    }
    if (gpu.mixedSize) {
      const fb = sliced.reduce((n, p) => n + p.framebufferMiB, 0);
      if (fb > board.framebufferGiB * 1024) out.push(`${where}: ${fb} MiB of framebuffer`);
      for (const p of sliced)
        if (count(sliced, (q) => q.id === p.id) > p.maxInstances) out.push(`${where}: too many ${p.short}`);
    } else {
      const sizes = new Set(sliced.map((p) => p.framebufferMiB));
      if (sizes.size > 1) out.push(`${where}: sizes ${[...sizes].join(',')} on one GPU`);
      for (const p of sliced)
        if (sliced.length > p.maxInstances) out.push(`${where}: ${sliced.length} > max ${p.short}`);
    }
    if (gpu.vfBacked && planned.length > gpu.freeVfs.length) out.push(`${where}: more vGPUs than free VFs`);
  }
  return [...new Set(out)];
}

/** The units of a plan's placements, after checking their VFs are distinct free VFs. */
export function unitsOf(
  gpus: readonly PlannerGpu[],
  placements: readonly Placement[],
): { units: Unit[]; problems: string[] } {
  const units: Unit[] = [];
  const problems: string[] = [];
  const usedVfs = new Set<string>();
  for (const p of placements) {
    const gpu = gpus.find((g) => g.host === p.host && g.address === p.gpu);
    if (gpu?.vfBacked === true && p.profile !== 'passthrough') {
      if (p.vfs.length !== p.count) problems.push(`${p.gpu}: ${p.count} vGPUs on ${p.vfs.length} VFs`);
      for (const vf of p.vfs) {
        if (!gpu.freeVfs.includes(vf)) problems.push(`${p.gpu}: ${vf} is not a free VF`);
        if (usedVfs.has(vf)) problems.push(`${p.gpu}: ${vf} used twice`);
        usedVfs.add(vf);
      }
    }
    for (let i = 0; i < p.count; i++) units.push({ gpu: p.gpu, host: p.host, profile: p.profile });
  }
  return { units, problems };
}
