/** What every vGPU lifecycle command shares: the ports it runs with and how it shows a dry run. */

import { parsePciAddress } from '../../../core/pci-address.ts';
import { renderPlanAsShell } from '../../../core/plan.ts';
import { isUuid } from '../../../core/uuid.ts';
import { discover } from '../../../discovery/discover.ts';
import type { Inventory } from '../../../discovery/inventory.ts';
import type { HostPort } from '../../../host/host-port.ts';
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
export function vgpuDeps(context: CommandContext, gpu?: string | readonly string[]): VgpuDeps {
  const options = { pciIds: context.pciIds, ...VGPU_DISCOVERY };
  const wanted = gpu === undefined ? [] : typeof gpu === 'string' ? [gpu] : gpu;
  return {
    host: context.host,
    discover: async (scope) => {
      const targets = wanted.map(scopeName);
      if (targets.length > 0 && targets.every((t) => t !== undefined)) {
        const inventory = await discover(context.host, { ...options, scope: { ...scope, gpus: targets } });
        if (wanted.every((g) => holds(inventory, g))) return inventory;
      }
      return discover(context.host, { ...options, ...(scope === undefined ? {} : { scope }) });
    },
    lock: { pid: process.pid, isAlive: processAlive },
    dryRun: context.dryRun,
  };
}

/**
 * The mdev parents (or VFs) that vGPU ids live on, found as mdevctl finds them: a running
 * mdev's device link, else the directory of its definition. Undefined when one is not found
 * (discovery then reads the whole host, and the error names what exists).
 */
export async function parentsOf(host: HostPort, ids: readonly string[]): Promise<string[] | undefined> {
  const parents = new Set<string>();
  let definitionDirs: string[] | undefined;
  for (const id of ids) {
    const text = id.trim();
    if (looksLikePciAddress(text)) {
      parents.add(text);
      continue;
    }
    const uuid = text.toLowerCase();
    if (!isUuid(uuid)) return undefined;
    const running = await host.realpath(`/sys/bus/mdev/devices/${uuid}`).catch(() => undefined);
    const parent = running?.split('/').at(-2);
    if (parent !== undefined) {
      parents.add(parent);
      continue;
    }
    definitionDirs ??= await host.list('/etc/mdevctl.d').catch((): string[] => []);
    const dirs = definitionDirs;
    const found = await Promise.all(
      dirs.map(async (dir) => ((await host.exists(`/etc/mdevctl.d/${dir}/${uuid}`)) ? dir : undefined)),
    );
    const defined = found.filter((dir): dir is string => dir !== undefined);
    if (defined.length === 0) return undefined;
    for (const dir of defined) parents.add(dir);
  }
  return [...parents];
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
