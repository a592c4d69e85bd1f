/**
 * The planner's view of a GPU: its catalog board, how its vGPUs are backed (the GPU itself,
 * or one VF each), its free VFs, whether mixed-size mode is on, and the vGPUs it already runs.
 * Built from `vgpuctl list --json` inventories; benchmarks build it directly.
 */
import { type BoardProfiles, boardByDeviceId, boardOfTypeId } from '../catalog/index.ts';
import type { Gpu, Inventory } from '../discovery/inventory.ts';

/** A vGPU the GPU already runs. */
export interface LiveVgpu {
  /** mdev UUID or VF address. */
  id: string;
  typeId: number | null;
  framebufferMiB: number;
  /** GPU-instance slices of a MIG-backed vGPU; null when time-sliced. */
  migSlices: number | null;
  /** No process holds its VFIO device open (as far as the inventory says). */
  idle: boolean;
}

/** One GPU as the planner sees it. */
export interface PlannerGpu {
  /** Which host (fleet entry) it belongs to. */
  host: string;
  address: string;
  numaNode: number | null;
  bootVga: boolean;
  /** The catalog board whose profiles it offers; null for GPUs without vGPU profiles. */
  board: BoardProfiles | null;
  /** Type ids it advertises; null when it offers its board's whole table (or shows none yet). */
  offered: ReadonlySet<number> | null;
  /** One vGPU per VF (SR-IOV + mdev, vendor VFIO). */
  vfBacked: boolean;
  totalVfs: number;
  enabledVfs: number;
  /** VFs without a vGPU, in order. */
  freeVfs: readonly string[];
  /** NVIDIA mixed-size mode (vendor VFIO): vGPUs of different sizes may share the GPU. */
  mixedSize: boolean;
  live: readonly LiveVgpu[];
  /** Whether the GPU could be given to a VM whole (nothing else uses it). */
  passthroughCapable: boolean;
}

/** The planner GPUs of one inventory; `host` labels them (fleet entries). */
export function gpusFromInventory(inventory: Inventory, host: string): PlannerGpu[] {
  const busyGroups = new Set((inventory.deviceUsers ?? []).map((u) => u.iommuGroup).filter((g) => g !== null));
  const busyAddresses = new Set((inventory.deviceUsers ?? []).map((u) => u.address).filter((a) => a !== null));
  return inventory.gpus.flatMap((gpu): PlannerGpu[] => {
    if (gpu.classCode.startsWith('0x0403')) return []; // HD audio companions are not GPUs
    const advertised = advertisedTypeIds(gpu);
    const board = boardOf(gpu, advertised);
    const sriov = gpu.sriov;
    const vfBacked = sriov !== null && (board?.mechanism === 'vendor-vfio' || board?.mechanism === 'sriov-mdev');
    const live: LiveVgpu[] = [];
    const freeVfs: string[] = [];
    const addLive = (id: string, typeId: number | null, group: number | null) => {
      const profile = typeId === null ? undefined : board?.types.find((t) => t.id === typeId);
      live.push({
        id,
        typeId,
        framebufferMiB: profile?.framebufferMiB ?? 0,
        migSlices: profile?.migSlices ?? null,
        idle: !busyAddresses.has(id) && (group === null || !busyGroups.has(group)),
      });
    };
    for (const instance of gpu.mdev?.instances ?? [])
      addLive(instance.uuid, typeNumber(instance.type), instance.iommuGroup);
    for (const vf of sriov?.vfs ?? []) {
      if (vf.vgpu !== null) {
        if (vf.vgpu.currentTypeId === null) freeVfs.push(vf.address);
        else addLive(vf.address, vf.vgpu.currentTypeId, vf.iommuGroup);
      } else if (vf.mdev !== null) {
        if (vf.mdev.instances.length === 0) freeVfs.push(vf.address);
        for (const instance of vf.mdev.instances)
          addLive(instance.uuid, typeNumber(instance.type), instance.iommuGroup);
      } else if (vfBacked && vf.driver === 'nvidia') freeVfs.push(vf.address);
    }
    return [
      {
        host,
        address: gpu.address,
        numaNode: gpu.numaNode !== null && gpu.numaNode >= 0 ? gpu.numaNode : null,
        bootVga: gpu.bootVga,
        board,
        offered: vfBacked || advertised.length === 0 ? null : new Set(advertised),
        vfBacked,
        totalVfs: sriov?.totalVfs ?? 0,
        enabledVfs: sriov?.numVfs ?? 0,
        freeVfs,
        mixedSize: gpu.vgpuMixedSize === true,
        live,
        passthroughCapable: !gpu.bootVga && live.length === 0 && (sriov?.numVfs ?? 0) === 0,
      },
    ];
  });
}

function typeNumber(typeId: string | null): number | null {
  const m = typeId === null ? null : /^nvidia-(\d+)$/.exec(typeId);
  return m === null || m === undefined ? null : Number.parseInt(m[1] as string, 10);
}

function advertisedTypeIds(gpu: Gpu): number[] {
  const parents = [gpu.mdev, ...(gpu.sriov?.vfs ?? []).map((vf) => vf.mdev)];
  const ids = parents.flatMap((p) => p?.types.map((t) => typeNumber(t.id)) ?? []);
  for (const vf of gpu.sriov?.vfs ?? []) for (const c of vf.vgpu?.creatable ?? []) ids.push(c.id);
  return [...new Set(ids.filter((id): id is number => id !== null))];
}

/** The board by the types advertised (an unlocked card shows another board's), else by device id. */
function boardOf(gpu: Gpu, advertised: readonly number[]): BoardProfiles | null {
  if (gpu.vendor.id !== '10de') return null;
  for (const id of advertised) {
    const board = boardOfTypeId(id);
    if (board !== undefined) return board;
  }
  return boardByDeviceId(Number.parseInt(gpu.device.id, 16)) ?? null;
}
