/**
 * Re-verification by rediscovery: after a plan ran, the host must show what it promised.
 */
import type { Inventory } from '../../discovery/inventory.ts';
import type { Definitions } from '../../store/definitions.ts';
import type { CreatedVgpus } from './plan-create.ts';
import type { DefinedVgpu } from './plan-define.ts';
import { vgpuHosts } from './vgpu-hosts.ts';

/** Live vGPUs by id: UUID or VF address → type id. */
function liveTypes(inventory: Inventory): Map<string, string | null> {
  return new Map(vgpuHosts(inventory).flatMap((h) => h.live.map((v) => [v.id, v.typeId] as const)));
}

/** What is missing after creating `created`, or undefined. */
export function verifyCreated(inventory: Inventory, created: CreatedVgpus): string | undefined {
  const live = liveTypes(inventory);
  const missing = (created as CreatedVgpus[number][])
    .filter((c) => (c.kind === 'mdev' ? live.get(c.uuid) !== c.type : live.get(c.vf) !== `nvidia-${c.typeId}`))
    .map((c) => (c.kind === 'mdev' ? c.uuid : c.vf));
  return missing.length === 0 ? undefined : `${missing.join(', ')} did not appear`;
}

/** What still runs after removing `ids`, or undefined. */
export function verifyGone(inventory: Inventory, ids: readonly string[]): string | undefined {
  const live = liveTypes(inventory);
  const left = ids.filter((id) => live.has(id));
  return left.length === 0 ? undefined : `${left.join(', ')} still exist${left.length === 1 ? 's' : ''}`;
}

/** Which definitions are missing after defining `defined`, or undefined. */
export function verifyDefined(definitions: Definitions, defined: readonly DefinedVgpu[]): string | undefined {
  const paths = new Set([...definitions.mdev, ...definitions.vendorVfio].map((d) => d.path));
  const missing = defined.filter((d) => !paths.has(d.path)).map((d) => d.path);
  return missing.length === 0 ? undefined : `${missing.join(', ')} cannot be read back`;
}
