/** `vgpuctl plan --want …`: will these vGPUs fit on this host (or a fleet), where, and if not, why and what would make room. */
import { readFile } from 'node:fs/promises';
import { VgpuctlError } from '../../core/errors.ts';
import { discover } from '../../discovery/discover.ts';
import {
  gpusFromInventory,
  gpusOfFleet,
  type PlanResult,
  parseFleet,
  parseWants,
  planPlacement,
  resolveWants,
} from '../../planner/index.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { agentInventory } from '../fleet-agents.ts';
import { renderPlanResult } from '../render/plan-text.ts';

/** Exit status of `plan` when the request does not fit (the "no capacity" class). */
export const PLAN_DOES_NOT_FIT = 4;

/** Checks a `--want` request without reading any host: unknown profiles and bad syntax fail here. */
export function checkWants(want: string): void {
  resolveWants(parseWants(want));
}

/** Plans `want` on the host of `context`. */
export async function planCommand(context: CommandContext, want: string): Promise<CommandResult<PlanResult>> {
  const wants = resolveWants(parseWants(want));
  const inventory = await discover(context.host, { pciIds: context.pciIds, deviceUsers: true });
  return result(planPlacement(gpusFromInventory(inventory, inventory.host.source), wants));
}

/** Plans `want` across the hosts of a fleet file (inventories, and agents asked for theirs). */
export async function planFleetCommand(file: string, want: string): Promise<CommandResult<PlanResult>> {
  const wants = resolveWants(parseWants(want));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new VgpuctlError(
      'NOT_FOUND',
      `Cannot read fleet "${file}": ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      {
        hint: 'Give a JSON file made of "vgpuctl list --json" outputs',
        cause: error,
      },
    );
  }
  const entries = parseFleet(text, file);
  const inventories = await Promise.all(
    entries.map((entry, index) =>
      'agent' in entry ? agentInventory(file, index, entry.agent) : Promise.resolve(entry.inventory),
    ),
  );
  return result(planPlacement(gpusOfFleet(inventories), wants));
}

function result(plan: PlanResult): CommandResult<PlanResult> {
  return { data: plan, text: renderPlanResult(plan), exitCode: plan.fits ? 0 : PLAN_DOES_NOT_FIT };
}
