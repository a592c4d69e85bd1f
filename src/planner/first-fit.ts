/**
 * The baseline the planner is measured against: greedy first fit. Each want in the order
 * given goes onto the first GPUs, in address order, where the rules let it — no packing onto
 * GPUs that already run the size, no ordering of sizes.
 */
import type { PlannerGpu } from './gpu-model.ts';
import { addToLoad, capacityFor, initialLoad, passthroughFits } from './rules.ts';
import type { ResolvedWant } from './want.ts';

/** vGPUs and passthrough GPUs first fit places. */
export function firstFitPlaced(gpus: readonly PlannerGpu[], wants: readonly ResolvedWant[]): number {
  const loads = gpus.map(initialLoad);
  let placed = 0;
  for (const want of wants) {
    let left = want.count;
    for (let i = 0; i < gpus.length && left > 0; i++) {
      const gpu = gpus[i] as PlannerGpu;
      const load = loads[i] as ReturnType<typeof initialLoad>;
      if (want.resolved === 'passthrough') {
        if (passthroughFits(gpu, load)) {
          load.passthrough = true;
          left--;
        }
        continue;
      }
      const n = Math.min(capacityFor(gpu, load, want.resolved).fits, left);
      if (n > 0) {
        addToLoad(gpu, load, want.resolved, n);
        left -= n;
      }
    }
    placed += want.count - left;
  }
  return placed;
}
