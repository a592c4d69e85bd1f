/** What every vGPU lifecycle command shares: the ports it runs with and how it shows a dry run. */
import { renderPlanAsShell } from '../../../core/plan.ts';
import { discover } from '../../../discovery/discover.ts';
import { type Applied, VGPU_DISCOVERY, type VgpuDeps } from '../../../ops/vgpu/apply.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';

/** The ports and policies vGPU operations run with. */
export function vgpuDeps(context: CommandContext): VgpuDeps {
  return {
    host: context.host,
    discover: () => discover(context.host, { pciIds: context.pciIds, ...VGPU_DISCOVERY }),
    lock: { pid: process.pid, isAlive: processAlive },
    dryRun: context.dryRun,
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A dry run's result: the plan and what it would make. */
export interface DryRun<T> {
  dryRun: true;
  action: string;
  steps: Applied<T>['plan']['steps'];
  planned: T;
  notes?: string[];
}

export function dryRun<T, U = T>(applied: Applied<T>, toJson?: (planned: T) => U): CommandResult<DryRun<U>> {
  return {
    data: {
      dryRun: true,
      action: applied.plan.action,
      steps: applied.plan.steps,
      planned: toJson === undefined ? (applied.result as unknown as U) : toJson(applied.result),
      ...(applied.plan.notes === undefined ? {} : { notes: applied.plan.notes }),
    },
    text: renderPlanAsShell(applied.plan),
  };
}

/** The ids of created or defined vGPUs, one per line (pipe-friendly, like `mdevctl start`). */
export function idLines(ids: readonly string[]): string {
  return ids.join('\n');
}
