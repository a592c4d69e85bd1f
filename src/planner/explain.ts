/**
 * Why vGPUs could not be placed (the rule that stopped each GPU, counted) and the smallest
 * change that would fit them: putting a GPU into mixed-size mode, enabling VFs, or removing
 * idle vGPUs of another size.
 */
import type { VgpuProfile } from '../catalog/index.ts';
import type { PlannerGpu } from './gpu-model.ts';
import { capacityFor, type GpuLoad, passthroughFits, RULE_TEXT, type RuleId } from './rules.ts';

/** One rule and how many GPUs it stopped. */
export interface Reason {
  rule: RuleId;
  gpus: number;
  message: string;
}

/** A change that would make room. */
export interface Suggestion {
  change: 'mixed-size' | 'enable-vfs' | 'remove-idle-vgpus';
  host: string;
  gpu: string;
  /** vGPUs (or passthrough GPUs) it would make room for. */
  adds: number;
  /** How big the change is: 1 for mixed-size, VFs to enable, vGPUs to remove. */
  cost: number;
  message: string;
  /** The command that makes the change. */
  command: string;
}

/** Reasons and suggestions for `left` unplaced vGPUs of `profile` (or passthrough GPUs). */
export function explainUnplaced(
  gpus: readonly PlannerGpu[],
  loads: readonly GpuLoad[],
  profile: VgpuProfile | 'passthrough',
  left: number,
): { reasons: Reason[]; suggestions: Suggestion[] } {
  const counts = new Map<RuleId, number>();
  const candidates: Suggestion[] = [];
  gpus.forEach((gpu, index) => {
    const load = loads[index] as GpuLoad;
    if (profile === 'passthrough') {
      if (passthroughFits(gpu, load)) return;
      counts.set('passthrough-needs-idle-gpu', (counts.get('passthrough-needs-idle-gpu') ?? 0) + 1);
      const removable = gpu.live.length > 0 && gpu.live.every((v) => v.idle) && !gpu.bootVga && !load.passthrough;
      if (removable && load.vfsUsed === 0 && gpu.enabledVfs === 0 && samePlannedAsLive(gpu, load)) {
        candidates.push(removeIdle(gpu, 1));
      }
      return;
    }
    if (gpu.board?.board !== profile.board) return;
    const { rule } = capacityFor(gpu, load, profile);
    if (rule === null) return;
    counts.set(rule, (counts.get(rule) ?? 0) + 1);
    const suggestion = suggest(gpu, load, profile, rule);
    if (suggestion !== undefined) candidates.push(suggestion);
  });
  if (profile !== 'passthrough' && counts.size === 0) counts.set('no-such-gpu', 0);
  const reasons = [...counts].map(([rule, n]) => ({
    rule,
    gpus: n,
    message:
      rule === 'no-such-gpu'
        ? `no ${(profile as VgpuProfile).board} GPU in the inventory`
        : `${n} GPU${n === 1 ? '' : 's'}: ${RULE_TEXT[rule]}`,
  }));
  return { reasons, suggestions: smallestChange(candidates, left) };
}

/** The live vGPUs are all there is on the GPU (nothing planned on it). */
function samePlannedAsLive(gpu: PlannerGpu, load: GpuLoad): boolean {
  let planned = load.migCount;
  for (const n of load.sizes.values()) planned += n;
  return planned === gpu.live.length;
}

function suggest(gpu: PlannerGpu, load: GpuLoad, profile: VgpuProfile, rule: RuleId): Suggestion | undefined {
  const board = gpu.board;
  if (board === null) return undefined;
  if (rule === 'one-size-per-gpu' && board.mixedSize && !gpu.mixedSize) {
    const adds = capacityFor({ ...gpu, mixedSize: true }, load, profile).fits;
    if (adds > 0) {
      return {
        change: 'mixed-size',
        host: gpu.host,
        gpu: gpu.address,
        adds,
        cost: 1,
        message: `put ${gpu.address} into mixed-size mode (after its VFs are enabled; enabling VFs again clears it)`,
        command: `nvidia-smi vgpu -i ${gpu.address} -shm 1`,
      };
    }
  }
  if ((rule === 'vfs-not-enabled' || rule === 'one-vgpu-per-vf') && gpu.enabledVfs < gpu.totalVfs) {
    const more = gpu.totalVfs - gpu.enabledVfs;
    const extra = Array.from({ length: more }, (_, i) => `(new VF ${i + 1})`);
    const adds = capacityFor(
      { ...gpu, enabledVfs: gpu.totalVfs, freeVfs: [...gpu.freeVfs, ...extra] },
      load,
      profile,
    ).fits;
    if (adds > 0) {
      return {
        change: 'enable-vfs',
        host: gpu.host,
        gpu: gpu.address,
        adds,
        cost: more,
        message: `enable ${gpu.totalVfs} VFs on ${gpu.address} (${gpu.enabledVfs} now)${gpu.mixedSize ? '; this clears mixed-size mode, set it again afterwards' : ''}`,
        command:
          gpu.enabledVfs === 0
            ? `vgpuctl sriov ${gpu.address} --vfs ${gpu.totalVfs}`
            : `vgpuctl sriov ${gpu.address} --vfs 0 && vgpuctl sriov ${gpu.address} --vfs ${gpu.totalVfs}`,
      };
    }
  }
  if (
    rule === 'one-size-per-gpu' &&
    gpu.live.length > 0 &&
    gpu.live.every((v) => v.idle) &&
    samePlannedAsLive(gpu, load)
  ) {
    const adds = Math.min(
      profile.maxInstances,
      gpu.vfBacked ? gpu.freeVfs.length + gpu.live.length : Number.POSITIVE_INFINITY,
    );
    if (adds > 0) return { ...removeIdle(gpu, adds) };
  }
  return undefined;
}

function removeIdle(gpu: PlannerGpu, adds: number): Suggestion {
  const ids = gpu.live.map((v) => v.id);
  return {
    change: 'remove-idle-vgpus',
    host: gpu.host,
    gpu: gpu.address,
    adds,
    cost: ids.length,
    message: `remove the ${ids.length} idle vGPU${ids.length === 1 ? '' : 's'} of ${gpu.address}`,
    command: `vgpuctl remove ${ids.join(' ')}`,
  };
}

/**
 * The smallest change that fits `left`: one change if one suffices (the cheapest, mixed-size
 * before enabling VFs before removing vGPUs), else the cheapest changes in turn until they
 * add up; empty when even all of them do not.
 */
function smallestChange(candidates: Suggestion[], left: number): Suggestion[] {
  const rank: Record<Suggestion['change'], number> = { 'mixed-size': 0, 'enable-vfs': 1, 'remove-idle-vgpus': 2 };
  const sorted = [...candidates].sort((a, b) => rank[a.change] - rank[b.change] || a.cost - b.cost || b.adds - a.adds);
  const single = sorted.find((s) => s.adds >= left);
  if (single !== undefined) return [single];
  const chosen: Suggestion[] = [];
  let room = 0;
  for (const s of [...sorted].sort((a, b) => b.adds / b.cost - a.adds / a.cost || rank[a.change] - rank[b.change])) {
    chosen.push(s);
    room += s.adds;
    if (room >= left) return chosen;
  }
  return [];
}
