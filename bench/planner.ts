/**
 * Planner benchmark: 10,000 GPUs (T4 classic mdev, L40S vendor VFIO with 32 VFs, A100 with
 * MIG) and 100,000 requested vGPUs — more T4 vGPUs than fit, larger sizes listed first.
 * Prints the planner's time (target < 1 s), the vGPUs it places against the LP
 * relaxation's bound, and the same for a greedy first-fit baseline.
 */
import { performance } from 'node:perf_hooks';
import { gpu } from '../src/planner/_test-gpus.ts';
import { firstFitPlaced } from '../src/planner/first-fit.ts';
import type { PlannerGpu } from '../src/planner/gpu-model.ts';
import { lpBound } from '../src/planner/lp-bound.ts';
import { planPlacement } from '../src/planner/plan.ts';
import { parseWants, resolveWants } from '../src/planner/want.ts';
import { median, printTable } from './util.ts';

const WANT =
  'T4-4C:7000,T4-2Q:16000,T4-1B:24000,L40S-4Q:5000,L40S-2B:6000,L40S-1Q:32000,A100-1-5C:8000,A100-2-10C:2000';

/** 5,000 T4 (one in ten running two T4-1B), 3,000 L40S, 2,000 A100; two NUMA nodes. */
function fleet(): PlannerGpu[] {
  const gpus: PlannerGpu[] = [];
  const address = (i: number) =>
    `${Math.floor(i / 120)
      .toString(16)
      .padStart(4, '0')}:${(2 + 2 * (i % 120)).toString(16).padStart(2, '0')}:00.0`;
  for (let i = 0; i < 10_000; i++) {
    const board = i % 10 < 5 ? 'T4' : i % 10 < 8 ? 'L40S' : 'A100';
    gpus.push(
      gpu(board, {
        address: address(i),
        host: `host-${Math.floor(i / 8)}`,
        numaNode: i % 2,
        live: board === 'T4' && i % 20 === 0 ? ['T4-1B', 'T4-1B'] : [],
      }),
    );
  }
  return gpus;
}

export async function benchPlanner(): Promise<void> {
  const gpus = fleet();
  const wants = resolveWants(parseWants(WANT));
  const requested = wants.reduce((n, w) => n + w.count, 0);
  const times: number[] = [];
  let placed = 0;
  for (let run = 0; run < 6; run++) {
    const start = performance.now();
    const result = planPlacement(gpus, wants);
    if (run > 0) times.push(performance.now() - start);
    placed = result.placed;
  }
  const ffTimes: number[] = [];
  let ffPlaced = 0;
  for (let run = 0; run < 6; run++) {
    const start = performance.now();
    ffPlaced = firstFitPlaced(gpus, wants);
    if (run > 0) ffTimes.push(performance.now() - start);
  }
  const bound = lpBound(gpus, wants);
  const pct = (n: number) => `${((100 * n) / bound).toFixed(2)}%`;
  printTable(
    `Planner: ${gpus.length} GPUs, ${requested} requested vGPUs (LP relaxation bound ${bound})`,
    ['method', 'median ms', 'placed', 'of LP bound'],
    [
      ['planner', median(times).toFixed(1), String(placed), pct(placed)],
      ['first fit', median(ffTimes).toFixed(1), String(ffPlaced), pct(ffPlaced)],
    ],
  );
}
