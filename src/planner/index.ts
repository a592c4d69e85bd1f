/** The capacity planner: pure `(inventories, wants) → placement | reasons`. */
export { type FleetAgent, fleetInventory, gpusOfFleet, parseFleet } from './fleet.ts';
export { gpusFromInventory } from './gpu-model.ts';
export { type Placement, type PlanResult, planPlacement } from './plan.ts';
export { parseWants, resolveWants } from './want.ts';
