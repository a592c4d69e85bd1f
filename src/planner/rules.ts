/**
 * NVIDIA's placement rules, as one function per question, so that the planner, its
 * first-fit baseline, its checker and the explanation of a refusal all apply the same ones:
 * - one framebuffer size per GPU unless the GPU is in mixed-size mode (vGPU user guide,
 *   "Homogeneous and Mixed-Size vGPU Configurations"; the emulator's driver enforces it);
 * - at most `maxInstances` vGPUs of a size per GPU (the type's `max_instance`);
 * - one vGPU per VF on SR-IOV boards, so no more vGPUs than enabled, free VFs;
 * - in mixed-size mode, the vGPUs' framebuffers together fit the board's;
 * - MIG-backed vGPUs share the GPU's compute slices and never share a GPU with time-sliced ones;
 * - a GPU passed through whole runs nothing else.
 */
import type { VgpuProfile } from '../catalog/index.ts';
import type { PlannerGpu } from './gpu-model.ts';

/** The rules a placement can break; each refusal names one. */
export type RuleId =
  | 'no-such-gpu'
  | 'profile-not-offered'
  | 'one-size-per-gpu'
  | 'max-instances'
  | 'vfs-not-enabled'
  | 'one-vgpu-per-vf'
  | 'framebuffer'
  | 'mig-slices'
  | 'mig-and-time-sliced'
  | 'passthrough-needs-idle-gpu';

/** What each rule says, for messages. */
export const RULE_TEXT: Readonly<Record<RuleId, string>> = {
  'no-such-gpu': 'no GPU of the board the profile belongs to',
  'profile-not-offered': 'the GPU does not offer the profile',
  'one-size-per-gpu':
    'the GPU runs, or is planned for, vGPUs of another framebuffer size (NVIDIA allows one size per GPU unless it is in mixed-size mode)',
  'max-instances': "the GPU holds the profile's maximum number of vGPUs",
  'vfs-not-enabled': 'the GPU has no SR-IOV VFs enabled (each vGPU needs its own VF)',
  'one-vgpu-per-vf': 'every enabled VF already hosts a vGPU (one vGPU per VF)',
  framebuffer: "the vGPUs' framebuffers would exceed the GPU's (mixed-size mode)",
  'mig-slices': 'not enough free MIG slices on the GPU',
  'mig-and-time-sliced': 'MIG-backed and time-sliced vGPUs cannot share a GPU',
  'passthrough-needs-idle-gpu': 'passthrough needs a whole GPU that runs nothing (and is not the boot VGA device)',
};

/** What a GPU holds while a plan is built: its live vGPUs plus the planned ones. */
export interface GpuLoad {
  /** Framebuffer sizes in use (time-sliced), with their counts. */
  readonly sizes: Map<number, number>;
  /** Time-sliced vGPUs by type id. */
  readonly byType: Map<number, number>;
  usedFramebufferMiB: number;
  migSlicesUsed: number;
  migCount: number;
  /** MIG-backed vGPUs by type id. */
  readonly migByType: Map<number, number>;
  /** Free VFs handed out so far (index into PlannerGpu.freeVfs). */
  vfsUsed: number;
  passthrough: boolean;
}

/** The load of a GPU with only its live vGPUs. */
export function initialLoad(gpu: PlannerGpu): GpuLoad {
  const load: GpuLoad = {
    sizes: new Map(),
    byType: new Map(),
    usedFramebufferMiB: 0,
    migSlicesUsed: 0,
    migCount: 0,
    migByType: new Map(),
    vfsUsed: 0,
    passthrough: false,
  };
  for (const vgpu of gpu.live) {
    if (vgpu.migSlices !== null) {
      load.migSlicesUsed += vgpu.migSlices;
      load.migCount++;
      if (vgpu.typeId !== null) load.migByType.set(vgpu.typeId, (load.migByType.get(vgpu.typeId) ?? 0) + 1);
    } else {
      load.sizes.set(vgpu.framebufferMiB, (load.sizes.get(vgpu.framebufferMiB) ?? 0) + 1);
      if (vgpu.typeId !== null) load.byType.set(vgpu.typeId, (load.byType.get(vgpu.typeId) ?? 0) + 1);
    }
    load.usedFramebufferMiB += vgpu.framebufferMiB;
  }
  return load;
}

/** The number of time-sliced vGPUs a load holds. */
export function timeSlicedCount(load: GpuLoad): number {
  let n = 0;
  for (const count of load.sizes.values()) n += count;
  return n;
}

/** How many more vGPUs of `profile` fit on `gpu` now, or the rule that allows none. */
export function capacityFor(
  gpu: PlannerGpu,
  load: GpuLoad,
  profile: VgpuProfile,
): { fits: number; rule: RuleId | null } {
  const board = gpu.board;
  if (board === null || board.board !== profile.board) return { fits: 0, rule: 'no-such-gpu' };
  if (gpu.offered !== null && !gpu.offered.has(profile.id)) return { fits: 0, rule: 'profile-not-offered' };
  if (load.passthrough) return { fits: 0, rule: 'passthrough-needs-idle-gpu' };
  let fits: number;
  let rule: RuleId;
  if (profile.migSlices !== null) {
    if (timeSlicedCount(load) > 0) return { fits: 0, rule: 'mig-and-time-sliced' };
    const slices = Math.floor(((board.migSlices ?? 0) - load.migSlicesUsed) / profile.migSlices);
    const perType = profile.maxInstances - (load.migByType.get(profile.id) ?? 0);
    fits = Math.min(slices, perType);
    rule = slices <= perType ? 'mig-slices' : 'max-instances';
  } else {
    if (load.migCount > 0) return { fits: 0, rule: 'mig-and-time-sliced' };
    if (gpu.mixedSize) {
      const byFramebuffer = Math.floor(
        (board.framebufferGiB * 1024 - load.usedFramebufferMiB) / profile.framebufferMiB,
      );
      const perType = profile.maxInstances - (load.byType.get(profile.id) ?? 0);
      fits = Math.min(byFramebuffer, perType);
      rule = byFramebuffer <= perType ? 'framebuffer' : 'max-instances';
    } else {
      for (const size of load.sizes.keys()) {
        if (size !== profile.framebufferMiB) return { fits: 0, rule: 'one-size-per-gpu' };
      }
      fits = profile.maxInstances - (load.sizes.get(profile.framebufferMiB) ?? 0);
      rule = 'max-instances';
    }
  }
  if (gpu.vfBacked) {
    const vfs = gpu.freeVfs.length - load.vfsUsed;
    if (vfs < fits) {
      fits = vfs;
      rule = gpu.enabledVfs === 0 ? 'vfs-not-enabled' : 'one-vgpu-per-vf';
    }
  }
  return fits > 0 ? { fits, rule: null } : { fits: 0, rule };
}

/** Whether `gpu` can be passed through whole given its load. */
export function passthroughFits(gpu: PlannerGpu, load: GpuLoad): boolean {
  return (
    gpu.passthroughCapable &&
    !load.passthrough &&
    timeSlicedCount(load) === 0 &&
    load.migCount === 0 &&
    load.vfsUsed === 0
  );
}

/** Records `count` vGPUs of `profile` on the load; returns the VFs they take (VF-backed GPUs). */
export function addToLoad(gpu: PlannerGpu, load: GpuLoad, profile: VgpuProfile, count: number): string[] {
  if (profile.migSlices !== null) {
    load.migSlicesUsed += profile.migSlices * count;
    load.migCount += count;
    load.migByType.set(profile.id, (load.migByType.get(profile.id) ?? 0) + count);
  } else {
    load.sizes.set(profile.framebufferMiB, (load.sizes.get(profile.framebufferMiB) ?? 0) + count);
    load.byType.set(profile.id, (load.byType.get(profile.id) ?? 0) + count);
  }
  load.usedFramebufferMiB += profile.framebufferMiB * count;
  if (!gpu.vfBacked) return [];
  const vfs = gpu.freeVfs.slice(load.vfsUsed, load.vfsUsed + count);
  load.vfsUsed += count;
  return vfs;
}
