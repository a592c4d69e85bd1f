/**
 * A fleet: a JSON array of `vgpuctl list --json` outputs (one object is one host). Each entry
 * is checked against the inventory schema; a bad one is refused with its index and field.
 */
import { VgpuctlError } from '../core/errors.ts';
import { Inventory } from '../discovery/inventory.ts';
import { gpusFromInventory, type PlannerGpu } from './gpu-model.ts';

/** Parses a fleet file's text; throws FLEET_INVALID when it is not JSON or not inventories. */
export function parseFleet(text: string, file: string): Inventory[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new VgpuctlError(
      'FLEET_INVALID',
      `Cannot read fleet "${file}": not valid JSON (${(error as Error).message})`,
      {
        hint: 'Give a JSON array of "vgpuctl list --json" outputs, one per host',
        cause: error,
      },
    );
  }
  const entries = Array.isArray(json) ? json : [json];
  if (entries.length === 0) {
    throw new VgpuctlError('FLEET_INVALID', `Cannot read fleet "${file}": the array is empty`, {
      hint: 'Give a JSON array of "vgpuctl list --json" outputs, one per host',
    });
  }
  return entries.map((entry, index) => {
    const parsed = Inventory.safeParse(entry);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    throw new VgpuctlError(
      'FLEET_INVALID',
      `Cannot read fleet "${file}": entry ${index} is not a vgpuctl inventory${where}: ${issue?.message ?? 'invalid'}`,
      { hint: 'Each entry must be the output of "vgpuctl list --json" (schemaVersion 1)' },
    );
  });
}

/** The planner GPUs of a fleet; hosts are labelled by their source, numbered when two agree. */
export function gpusOfFleet(inventories: readonly Inventory[]): PlannerGpu[] {
  const seen = new Map<string, number>();
  return inventories.flatMap((inventory) => {
    const base = inventory.host.source;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return gpusFromInventory(inventory, n === 0 ? base : `${base} #${n + 1}`);
  });
}
