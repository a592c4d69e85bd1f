/**
 * Applying a desired state: plan the reconcile against the host as it is, then run each action
 * through the runner (each action is itself a plan executed with rollback), recording which
 * vGPUs vgpuctl created. The first failing action stops the apply; what ran before it stays,
 * and every item says how it ended.
 */
import type { Plan } from '../../core/plan.ts';
import type { HostPort } from '../../host/host-port.ts';
import type { DesiredState } from './host-file.ts';
import { readOwnership, writeOwnership } from './ownership.ts';
import { planReconcile, type ReconcileAction, type ReconcileInput, type ReconcilePlan } from './plan-reconcile.ts';

/** Runs one action (or, dry, only plans it); returns its plan and the ids of vGPUs it created. */
export interface ActionRunner {
  run(action: ReconcileAction, dryRun: boolean): Promise<{ plan: Plan; created: string[] }>;
}

interface ActionOutcome {
  action: ReconcileAction;
  status: 'executed' | 'planned' | 'failed' | 'skipped';
  plan: Plan | null;
  error: { code: string; message: string } | null;
}

export interface ApplyDesiredReport {
  dryRun: boolean;
  reconcile: ReconcilePlan;
  outcomes: ActionOutcome[];
  /** True when every action ran (or, dry, was planned) and nothing waits for a late type. */
  converged: boolean;
}

export interface ApplyDesiredDeps {
  host: HostPort;
  /** The host as it is now. */
  read: () => Promise<Omit<ReconcileInput, 'desired' | 'owned'>>;
  runner: ActionRunner;
  now?: () => Date;
}

export async function applyDesired(
  deps: ApplyDesiredDeps,
  desired: DesiredState,
  options: { dryRun: boolean },
): Promise<ApplyDesiredReport> {
  const owned = await readOwnership(deps.host);
  const reconcile = planReconcile({ ...(await deps.read()), desired, owned });
  const outcomes: ActionOutcome[] = [];
  let failed = false;
  for (const action of reconcile.actions) {
    if (failed) {
      outcomes.push({ action, status: 'skipped', plan: null, error: null });
      continue;
    }
    try {
      const { plan, created } = await deps.runner.run(action, options.dryRun);
      outcomes.push({ action, status: options.dryRun ? 'planned' : 'executed', plan, error: null });
      if (options.dryRun) continue;
      const since = (deps.now?.() ?? new Date()).toISOString();
      if (action.kind === 'create') {
        for (const id of created) owned.vgpus[id] = { gpu: action.gpu, type: action.type, since };
        await writeOwnership(deps.host, owned);
      } else if (action.kind === 'remove') {
        delete owned.vgpus[action.id];
        await writeOwnership(deps.host, owned);
      }
    } catch (error) {
      failed = true;
      const known = error as { code?: string; message?: string };
      outcomes.push({
        action,
        status: 'failed',
        plan: null,
        error: { code: known.code ?? 'INTERNAL', message: known.message ?? String(error) },
      });
    }
  }
  const waiting = reconcile.reports.some((r) => r.status === 'waiting' || r.status === 'missing');
  return { dryRun: options.dryRun, reconcile, outcomes, converged: !failed && !waiting };
}
