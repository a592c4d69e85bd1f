/** Test helpers: planner GPUs built by hand. */
import { boardByName, profileByName } from '../catalog/index.ts';
import type { LiveVgpu, PlannerGpu } from './gpu-model.ts';

/** A GPU of `board` with `live` vGPUs given as profile names; VF-backed boards get `vfs` free VFs. */
export function gpu(
  board: string,
  options: {
    address?: string;
    host?: string;
    live?: string[];
    vfs?: number;
    totalVfs?: number;
    mixedSize?: boolean;
    numaNode?: number | null;
    busy?: boolean;
  } = {},
): PlannerGpu {
  const b = boardByName(board);
  if (b === undefined) throw new Error(`no board ${board}`);
  const address = options.address ?? '0000:01:00.0';
  const vfBacked = b.mechanism !== 'mdev';
  const live: LiveVgpu[] = (options.live ?? []).map((name, i) => {
    const p = profileByName(name);
    if (p === undefined) throw new Error(`no profile ${name}`);
    return {
      id: vfBacked ? `${address.slice(0, 8)}vf${i}` : `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      typeId: p.id,
      framebufferMiB: p.framebufferMiB,
      migSlices: p.migSlices,
      idle: options.busy !== true,
    };
  });
  const totalVfs = vfBacked ? (options.totalVfs ?? b.maxVfs ?? 0) : 0;
  const free = vfBacked ? (options.vfs ?? totalVfs - live.length) : 0;
  return {
    host: options.host ?? 'h',
    address,
    numaNode: options.numaNode ?? null,
    bootVga: false,
    board: b,
    offered: null,
    vfBacked,
    totalVfs,
    enabledVfs: vfBacked ? free + live.length : 0,
    freeVfs: Array.from({ length: free }, (_, i) => `${address}/vf${live.length + i}`),
    mixedSize: options.mixedSize ?? false,
    live,
    passthroughCapable: live.length === 0 && (!vfBacked || free + live.length === 0),
  };
}

/** A GPU with no vGPU profiles (passthrough only). */
export function plainGpu(address: string, options: { bootVga?: boolean } = {}): PlannerGpu {
  return {
    host: 'h',
    address,
    numaNode: null,
    bootVga: options.bootVga ?? false,
    board: null,
    offered: null,
    vfBacked: false,
    totalVfs: 0,
    enabledVfs: 0,
    freeVfs: [],
    mixedSize: false,
    live: [],
    passthroughCapable: options.bootVga !== true,
  };
}
