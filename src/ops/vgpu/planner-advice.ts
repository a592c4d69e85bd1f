/**
 * The capacity planner's view of a refused create: the rule that stops it and the smallest
 * change that would make room, so that `create`/`define` refusals say what `vgpuctl plan` says.
 */
import { profileByName } from '../../catalog/index.ts';
import { VgpuctlError } from '../../core/errors.ts';
import type { Inventory } from '../../discovery/inventory.ts';
// The planner's files themselves, not its index: the index also exports the fleet parser,
// whose schema would load zod into every create and define.
import type { Suggestion } from '../../planner/explain.ts';
import { gpusFromInventory } from '../../planner/gpu-model.ts';
import { planPlacement } from '../../planner/plan.ts';
import type { RuleId } from '../../planner/rules.ts';

/** What the planner says about placing `count` vGPUs of the type named `typeName` (optionally on one GPU). */
function plannerAdvice(
  inventory: Inventory,
  typeName: string | null,
  count: number,
  gpu?: string,
): { rules: RuleId[]; change: Suggestion | undefined } | undefined {
  const profile = typeName === null ? undefined : profileByName(typeName);
  if (profile === undefined) return undefined;
  const gpus = gpusFromInventory(inventory, inventory.host.source).filter(
    (g) => gpu === undefined || g.address === gpu,
  );
  const plan = planPlacement(gpus, [{ profile: profile.short, count, numaNode: null, resolved: profile }]);
  const [unplaced] = plan.unplaced;
  if (unplaced === undefined) return undefined;
  return { rules: unplaced.reasons.map((r) => r.rule), change: unplaced.suggestions[0] };
}

/** `error` with the planner's rules in its details and its smallest change added to the hint. */
export function withPlannerAdvice(
  error: VgpuctlError,
  inventory: Inventory,
  typeName: string | null,
  count: number,
  gpu?: string,
): VgpuctlError {
  const advice = plannerAdvice(inventory, typeName, count, gpu);
  if (advice === undefined) return error;
  const change = advice.change === undefined ? '' : `; or ${advice.change.message} ("${advice.change.command}")`;
  return new VgpuctlError(error.code, error.message, {
    ...(error.hint === undefined && change === '' ? {} : { hint: `${error.hint ?? ''}${change}` }),
    details: { ...(error.details ?? {}), rules: advice.rules },
    cause: error.cause,
  });
}
