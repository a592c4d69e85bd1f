/**
 * `vgpuctl start --all-auto [--wait SECONDS]`: start every autostart definition at boot.
 *
 * mdevctl starts definitions once, from a udev rule, when a parent registers; NVIDIA's mdev
 * types appear only after nvidia-vgpud has run, and vendor-VFIO VFs only after sriov-manage,
 * so boot-time starts fail (mdevctl#82). Here each definition waits, with backoff, until its
 * parent, VF and type exist, then starts on its own (one failure does not undo the others),
 * and every device's outcome is reported.
 */
import type { Plan, Step } from '../../core/plan.ts';
import { type Definition, readDefinitions } from '../../store/definitions.ts';
import { executePlan } from '../execute-plan.ts';
import { lostRace, type VgpuDeps } from './apply.ts';
import { definitionId, definitionParent, StartPlanner } from './plan-start.ts';

/** What happened to one autostart definition. */
export interface AutostartOutcome {
  id: string;
  mechanism: 'mdev' | 'vendor-vfio';
  parent: string;
  /** `nvidia-222`; vendor-VFIO as `nvidia-<id>`; null for an unreadable definition. */
  type: string | null;
  /** started: created now; running: already was; waiting: would wait (dry run); failed: see reason. */
  status: 'started' | 'running' | 'waiting' | 'failed';
  reason: string | null;
  /** Milliseconds from the start of the command until it was settled. */
  afterMs: number;
}

/** The result of starting every autostart definition. */
export interface AutostartReport {
  outcomes: AutostartOutcome[];
  /** With --dry-run: the writes that would start the ready definitions now. */
  plan: Plan | null;
  waitedMs: number;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;
/** Attempts per definition when a concurrent invocation keeps winning the race. */
const RACE_ATTEMPTS = 3;

/** What is still awaited, reported before each pause of {@link startAllAuto}. */
export interface AutostartWait {
  elapsedMs: number;
  waitSeconds: number;
  waiting: { id: string; reason: string }[];
}

/**
 * Starts every definition with start "auto", waiting up to `waitSeconds` for late parents and
 * types; `onWait` hears what it waits for before each pause.
 */
export async function startAllAuto(
  deps: VgpuDeps,
  options: { waitSeconds: number; onWait?: (wait: AutostartWait) => void },
): Promise<AutostartReport> {
  const now = deps.now ?? (() => Date.now());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const began = now();
  const deadline = began + Math.max(0, options.waitSeconds) * 1000;
  const settled = new Map<string, AutostartOutcome>();
  const races = new Map<string, number>();
  const waiting = new Map<string, { definition: Definition; reason: string }>();

  for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    const [inventory, definitions] = await Promise.all([deps.discover(), readDefinitions(deps.host)]);
    for (const problem of definitions.problems) {
      const key = `${problem.parent}/${problem.id}`;
      if (!settled.has(key)) {
        settled.set(key, {
          id: problem.id,
          mechanism: problem.kind,
          parent: problem.parent,
          type: null,
          status: 'failed',
          reason: `definition ${problem.path} is invalid: ${problem.reason}`,
          afterMs: now() - began,
        });
      }
    }
    const planner = new StartPlanner(inventory);
    const dryRunSteps: Step[] = [];
    waiting.clear();
    const auto = [...definitions.mdev, ...definitions.vendorVfio].filter((d) => d.start === 'auto');
    for (const definition of auto) {
      const key = `${definitionParent(definition)}/${definitionId(definition)}`;
      if (settled.has(key)) continue;
      const outcome = (status: AutostartOutcome['status'], reason: string | null): void => {
        settled.set(key, { ...describe(definition), status, reason, afterMs: now() - began });
      };
      const readiness = planner.judge(definition);
      switch (readiness.status) {
        case 'running':
          outcome('running', null);
          break;
        case 'failed':
          outcome('failed', readiness.reason);
          break;
        case 'waiting':
          waiting.set(key, { definition, reason: readiness.reason });
          break;
        case 'ready': {
          if (deps.dryRun) {
            dryRunSteps.push(...readiness.steps);
            outcome('started', 'would start now (dry run)');
            break;
          }
          try {
            await executePlan(deps.host, { action: `start vGPU ${definitionId(definition)}`, steps: readiness.steps });
            outcome('started', null);
          } catch (error) {
            const lost = (races.get(key) ?? 0) + 1;
            races.set(key, lost);
            // Another invocation changed the host under us: judge again against fresh discovery.
            if (lostRace(error) && lost < RACE_ATTEMPTS)
              waiting.set(key, { definition, reason: 'lost a race; retrying' });
            else outcome('failed', (error as Error).message);
          }
          break;
        }
      }
    }
    if (deps.dryRun || waiting.size === 0 || now() >= deadline) {
      for (const [key, { definition, reason }] of waiting) {
        settled.set(key, {
          ...describe(definition),
          status: deps.dryRun ? 'waiting' : 'failed',
          reason: deps.dryRun ? reason : `${reason} after waiting ${Math.round((now() - began) / 1000)} s`,
          afterMs: now() - began,
        });
      }
      const outcomes = [...settled.values()].sort((a, b) =>
        a.parent < b.parent ? -1 : a.parent > b.parent ? 1 : a.id < b.id ? -1 : 1,
      );
      return {
        outcomes,
        plan: deps.dryRun ? { action: 'start every autostart vGPU that can start now', steps: dryRunSteps } : null,
        waitedMs: now() - began,
      };
    }
    options.onWait?.({
      elapsedMs: now() - began,
      waitSeconds: options.waitSeconds,
      waiting: [...waiting.values()].map(({ definition, reason }) => ({ id: definitionId(definition), reason })),
    });
    await sleep(Math.max(1, Math.min(delay, deadline - now())));
  }
}

function describe(definition: Definition): Pick<AutostartOutcome, 'id' | 'mechanism' | 'parent' | 'type'> {
  return {
    id: definitionId(definition),
    mechanism: definition.kind,
    parent: definitionParent(definition),
    type: definition.kind === 'mdev' ? definition.mdevType : `nvidia-${definition.typeId}`,
  };
}
