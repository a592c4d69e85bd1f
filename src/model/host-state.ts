/**
 * The host as the live model holds it: the inventory, the definitions, and the views every
 * reader asks for (vGPUs running and defined, types with availability), derived once per
 * refresh so that the API, the events, the metrics and the dashboard all see one picture.
 */
import type { Inventory } from '../discovery/inventory.ts';
import { listVgpuTypes, type VgpuType } from '../ops/vgpu/list-types.ts';
import { listVgpus, type VgpuEntry } from '../ops/vgpu/list-vgpus.ts';
import type { Definitions } from '../store/definitions.ts';

/** One reading of the host. */
export interface HostState {
  inventory: Inventory;
  definitions: Definitions;
  vgpus: VgpuEntry[];
  types: VgpuType[];
  /** Milliseconds since the epoch when it was read. */
  readAt: number;
}

/** Derives the views of a reading. */
export function hostState(inventory: Inventory, definitions: Definitions, readAt: number): HostState {
  return {
    inventory,
    definitions,
    vgpus: listVgpus(inventory, definitions),
    types: listVgpuTypes(inventory),
    readAt,
  };
}

/** MiB of framebuffer the live vGPUs of a GPU (or mdev parent) hold, by their types' framebuffer. */
export function allocatedMiB(state: HostState, gpu: string): number {
  const fb = new Map(state.types.filter((t) => t.gpu === gpu).map((t) => [t.id, t.framebufferMiB ?? 0]));
  return state.vgpus
    .filter((v) => v.gpu === gpu && v.state === 'running' && v.type !== null)
    .reduce((sum, v) => sum + (fb.get(v.type as string) ?? 0), 0);
}
