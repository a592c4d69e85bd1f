/**
 * The vGPU types each emulated NVIDIA board offers, keyed by emulator model id, read from the
 * catalog (src/catalog/nvidia-profiles.ts) so that the emulator and the planner agree.
 */
import { boardByName } from '../../../catalog/index.ts';
import type { NvidiaVgpuType } from './vgpu-types.ts';

// vgpu_unlock-rs on a GeForce GTX 1060 spoofs an RTX A5500, so the card offers that board's types.
const BOARD_OF_MODEL: ReadonlyMap<string, string> = new Map([
  ['tesla-t4', 'T4'],
  ['geforce-gtx-1060-6gb', 'RTXA5500'],
  ['a10', 'A10'],
  ['l40s', 'L40S'],
]);

/** The catalog board an emulated model offers vGPU types of (`RTXA5500` for the unlocked GTX 1060). */
export function boardOfModel(modelId: string): string | undefined {
  return BOARD_OF_MODEL.get(modelId);
}

/**
 * The types a GPU offers: its board's table, restricted to `vgpuTypes` (`nvidia-<id>`)
 * when the scenario names some. Unknown boards offer none.
 */
export function vgpuTypesFor(modelId: string, vgpuTypes?: readonly string[]): readonly NvidiaVgpuType[] {
  const name = BOARD_OF_MODEL.get(modelId);
  const all = (name === undefined ? undefined : boardByName(name)?.types) ?? [];
  if (vgpuTypes === undefined) return all;
  const wanted = new Set(vgpuTypes);
  return all.filter((type) => wanted.has(`nvidia-${type.id}`));
}
