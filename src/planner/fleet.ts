/**
 * A fleet: a JSON array of hosts, each a `vgpuctl list --json` output or an agent to ask for
 * it (`{"agent": "http://HOST:PORT", "tokenFile": "/path"}` or `{"agent": "unix:/path"}`).
 * Each entry is checked here; a bad one is refused with its index and field. Asking the
 * agents is the CLI's part: this module stays pure.
 */
import { z } from 'zod';
import { VgpuctlError } from '../core/errors.ts';
import { Inventory } from '../discovery/inventory.ts';
import { gpusFromInventory, type PlannerGpu } from './gpu-model.ts';

const FLEET_HINT =
  'Give a JSON array whose entries are "vgpuctl list --json" outputs or {"agent": "http://HOST:PORT", "tokenFile": FILE} / {"agent": "unix:SOCKET"}';

/** An agent (`vgpuctl serve`) whose `GET /v1/inventory` is one host of the fleet. */
const FleetAgent = z
  .object({
    agent: z
      .string()
      .regex(/^(http:\/\/[^\s/]+\/?|unix:\/\S+)$/, 'must be "http://HOST:PORT" or "unix:/path/to/agent.sock"'),
    tokenFile: z.string().min(1).optional(),
  })
  .strict();
export type FleetAgent = z.infer<typeof FleetAgent>;

/** One host of a fleet: its inventory, or the agent to ask for it. */
export type FleetEntry = { inventory: Inventory } | { agent: FleetAgent };

/** Parses a fleet file's text; throws FLEET_INVALID when it is not JSON or an entry is neither. */
export function parseFleet(text: string, file: string): FleetEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new VgpuctlError(
      'FLEET_INVALID',
      `Cannot read fleet "${file}": not valid JSON (${(error as Error).message})`,
      { hint: FLEET_HINT, cause: error },
    );
  }
  const entries = Array.isArray(json) ? json : [json];
  if (entries.length === 0) {
    throw new VgpuctlError('FLEET_INVALID', `Cannot read fleet "${file}": the array is empty`, { hint: FLEET_HINT });
  }
  return entries.map((entry, index): FleetEntry => {
    if (typeof entry === 'object' && entry !== null && 'agent' in entry) {
      const parsed = FleetAgent.safeParse(entry);
      if (parsed.success) return { agent: parsed.data };
      throw new VgpuctlError(
        'FLEET_INVALID',
        `Cannot read fleet "${file}": entry ${index} is not a valid agent${issueText(parsed.error)}`,
        { hint: FLEET_HINT },
      );
    }
    return { inventory: fleetInventory(entry, `fleet "${file}"`, `entry ${index}`) };
  });
}

/**
 * Checks that `json` (a fleet entry, or what an agent answered) is a vgpuctl inventory;
 * `source` and `what` name it in the FLEET_INVALID error.
 */
export function fleetInventory(json: unknown, source: string, what: string): Inventory {
  const parsed = Inventory.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new VgpuctlError(
    'FLEET_INVALID',
    `Cannot read ${source}: ${what} is not a vgpuctl inventory${issueText(parsed.error)}`,
    { hint: FLEET_HINT },
  );
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
  return `${where}: ${issue?.message ?? 'invalid'}`;
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
