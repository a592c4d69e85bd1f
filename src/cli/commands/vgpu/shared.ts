/** What every vGPU lifecycle command shares: the ports it runs with and how it shows a dry run. */

import { parsePciAddress } from '../../../core/pci-address.ts';
import { renderPlanAsShell } from '../../../core/plan.ts';
import { discover } from '../../../discovery/discover.ts';
import type { Inventory } from '../../../discovery/inventory.ts';
import { type Applied, VGPU_DISCOVERY, type VgpuDeps } from '../../../ops/vgpu/apply.ts';
import { looksLikePciAddress, resolveGpu } from '../../../ops/vgpu/resolve.ts';
import { vgpuHosts } from '../../../ops/vgpu/vgpu-hosts.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';

/**
 * The ports and policies vGPU operations run with. With `gpu` (the command's --gpu), discovery
 * reads only that GPU; when the GPU is not found there, the whole host, so that errors name
 * every GPU as before.
 */
export function vgpuDeps(context: CommandContext, gpu?: string): VgpuDeps {
  const options = { pciIds: context.pciIds, ...VGPU_DISCOVERY };
  return {
    host: context.host,
    discover: async (scope) => {
      const target = gpu === undefined ? undefined : scopeName(gpu);
      if (target !== undefined) {
        const inventory = await discover(context.host, { ...options, scope: { ...scope, gpus: [target] } });
        if (holds(inventory, gpu as string)) return inventory;
      }
      return discover(context.host, { ...options, ...(scope === undefined ? {} : { scope }) });
    },
    lock: { pid: process.pid, isAlive: processAlive },
    dryRun: context.dryRun,
  };
}

/** The name discovery scopes to for a --gpu argument: a full PCI address, or a parent name. */
function scopeName(gpu: string): string | undefined {
  const text = gpu.trim();
  if (!looksLikePciAddress(text)) return text === '' ? undefined : text;
  try {
    return parsePciAddress(text);
  } catch {
    return undefined;
  }
}

function holds(inventory: Inventory, gpu: string): boolean {
  try {
    resolveGpu(vgpuHosts(inventory), gpu, 'find the GPU');
    return true;
  } catch {
    return false;
  }
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
