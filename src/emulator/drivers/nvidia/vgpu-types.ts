/**
 * NVIDIA vGPU types as the host driver advertises them: `nvidia-<id>` with a name such as
 * `GRID T4-1B` and a description `num_heads=4, frl_config=45, framebuffer=1024M, …`.
 */
import type { VgpuProfile } from '../../../catalog/index.ts';

/**
 * One NVIDIA vGPU type as the driver uses it: the catalog's profile (src/catalog), the one
 * table the planner reads too.
 */
export type NvidiaVgpuType = Pick<
  VgpuProfile,
  'id' | 'name' | 'framebufferMiB' | 'maxInstances' | 'numHeads' | 'frlConfig' | 'maxResolution'
>;

/**
 * The mdev `description` exactly as NVIDIA prints it (captures in kernel-semantics.md §6.1):
 * `num_heads=4, frl_config=60, framebuffer=2048M, max_resolution=7680x4320, max_instance=8`.
 */
export function describeVgpuType(type: NvidiaVgpuType): string {
  return (
    `num_heads=${type.numHeads}, frl_config=${type.frlConfig}, framebuffer=${type.framebufferMiB}M, ` +
    `max_resolution=${type.maxResolution}, max_instance=${type.maxInstances}`
  );
}
