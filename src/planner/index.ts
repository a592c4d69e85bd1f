/** The capacity planner: pure `(inventories, wants) → placement | reasons`. */
export type { Reason, Suggestion } from './explain.ts';
export { gpusOfFleet, parseFleet } from './fleet.ts';
export { gpusFromInventory, type LiveVgpu, type PlannerGpu } from './gpu-model.ts';
export { type Placement, type PlanResult, planPlacement, type Unplaced } from './plan.ts';
export { RULE_TEXT, type RuleId } from './rules.ts';
export { MAX_WANT_COUNT, parseWants, type ResolvedWant, resolveWants, type Want } from './want.ts';
