/** What the vGPU commands share: the ports they run with, and how a dry run and ids are shown. */
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
    lock: { pid: process.pid },
    dryRun: context.dryRun,
  };
}

/** A dry run's result: the plan and what it would make. */
export interface DryRun<T> {
  dryRun: true;
  action: string;
  steps: Applied<T>['plan']['steps'];
  planned: T;
}

export function dryRun<T>(applied: Applied<T>): CommandResult<DryRun<T>> {
  return {
    data: { dryRun: true, action: applied.plan.action, steps: applied.plan.steps, planned: applied.result },
    text: renderPlanAsShell(applied.plan),
  };
}

/** The ids of created or defined vGPUs, one per line (pipe-friendly, like `mdevctl start`). */
export function idLines(ids: readonly string[]): string {
  return ids.join('\n');
}

/** `{ key: value }` when value is defined, else `{}` (exactOptionalPropertyTypes). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
