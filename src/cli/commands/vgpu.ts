/**
 * The vGPU lifecycle: `create`, `remove`, `vgpus`, and persistent `define`, `undefine`,
 * `start`, `stop`, `modify`, `start --all-auto`. UUIDs are generated here, at the edge, so the
 * planners stay pure; every command honours `--dry-run` by printing its plan.
 */
import { randomUUID } from 'node:crypto';
import { EXIT_CODES, VgpuctlError } from '../../core/errors.ts';
import { parsePciAddress } from '../../core/pci-address.ts';
import { renderPlanAsShell } from '../../core/plan.ts';
import { isUuid } from '../../core/uuid.ts';
import { discover } from '../../discovery/discover.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import type { HostPort } from '../../host/host-port.ts';
import { type Applied, VGPU_DISCOVERY, type VgpuDeps } from '../../ops/vgpu/apply.ts';
import { type AutostartReport, startAllAuto } from '../../ops/vgpu/autostart.ts';
import {
  createVgpus,
  defineRunningVgpus,
  defineVgpus,
  listAllVgpus,
  modifyVgpu,
  removeVgpus,
  startVgpus,
  undefineVgpus,
} from '../../ops/vgpu/lifecycle.ts';
import type { VgpuEntry } from '../../ops/vgpu/list-vgpus.ts';
import type { CreatedVgpus, CreateVgpusRequest } from '../../ops/vgpu/plan-create.ts';
import type { DefineVgpusRequest, ModifyVgpuRequest } from '../../ops/vgpu/plan-define.ts';
import { definitionId } from '../../ops/vgpu/plan-start.ts';
import { looksLikePciAddress, resolveGpu } from '../../ops/vgpu/resolve.ts';
import { vgpuHosts } from '../../ops/vgpu/vgpu-hosts.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { type MdevctlListJson, mdevctlListJson, renderAutostart, renderVgpuList } from '../render/vgpu-list.ts';

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
async function parentsOf(host: HostPort, ids: readonly string[]): Promise<string[] | undefined> {
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
interface DryRun<T> {
  dryRun: true;
  action: string;
  steps: Applied<T>['plan']['steps'];
  planned: T;
}

function dryRun<T>(applied: Applied<T>): CommandResult<DryRun<T>> {
  return {
    data: { dryRun: true, action: applied.plan.action, steps: applied.plan.steps, planned: applied.result },
    text: renderPlanAsShell(applied.plan),
  };
}

/** The ids of created or defined vGPUs, one per line (pipe-friendly, like `mdevctl start`). */
function idLines(ids: readonly string[]): string {
  return ids.join('\n');
}

/** `vgpuctl create`. */
export async function createCommand(context: CommandContext, request: CreateVgpusRequest): Promise<CommandResult> {
  const applied = await createVgpus(vgpuDeps(context, request.gpu), request, randomUUID);
  if (!applied.executed) return dryRun(applied);
  const ids = (applied.result as CreatedVgpus[number][]).map((c) => (c.kind === 'mdev' ? c.uuid : c.vf));
  return { data: { created: applied.result, attempts: applied.attempts }, text: idLines(ids) };
}

/** `vgpuctl remove` and `vgpuctl stop`. */
export async function removeCommand(
  context: CommandContext,
  ids: string[],
  verb: 'remove' | 'stop',
): Promise<CommandResult> {
  const applied = await removeVgpus(vgpuDeps(context, await parentsOf(context.host, ids)), ids, verb);
  if (!applied.executed) return dryRun(applied);
  const past = verb === 'remove' ? 'Removed' : 'Stopped';
  return {
    data: { [verb === 'remove' ? 'removed' : 'stopped']: ids },
    text: ids.map((id) => `${past} vGPU ${id}`).join('\n'),
  };
}

/** `vgpuctl vgpus`. */
export async function vgpusCommand(
  context: CommandContext,
  options: { gpu?: string | undefined; format?: 'table' | 'mdevctl' | undefined; defined?: boolean | undefined },
): Promise<CommandResult<VgpuEntry[] | MdevctlListJson>> {
  const { inventory, entries: all } = await listAllVgpus(vgpuDeps(context, options.gpu));
  let entries = all;
  if (options.gpu !== undefined) {
    const target = resolveGpu(vgpuHosts(inventory), options.gpu, 'list vGPUs');
    entries = entries.filter(
      (e) =>
        e.gpu === target.host.gpu && (target.only === undefined || e.parent === target.only || e.id === target.only),
    );
  }
  if (options.format === 'mdevctl') {
    const json = mdevctlListJson(entries, options.defined === true);
    return { data: json, text: JSON.stringify(json, null, 2) };
  }
  if (options.defined === true) entries = entries.filter((e) => e.definition !== null);
  return { data: entries, text: renderVgpuList(entries) };
}

/** `vgpuctl define`: new vGPUs (with --type) or running ones (by id). */
export async function defineCommand(
  context: CommandContext,
  ids: string[],
  request: Omit<DefineVgpusRequest, 'type'> & { type?: string | undefined },
): Promise<CommandResult> {
  const { type } = request;
  if (ids.length > 0 && type !== undefined) {
    throw new VgpuctlError(
      'USAGE',
      'Cannot define vGPUs: give either running vGPUs to persist or --type for new ones, not both',
      {
        hint: 'vgpuctl define UUID... | vgpuctl define --type TYPE [--gpu GPU] [--count N]',
      },
    );
  }
  if (ids.length === 0 && type === undefined) {
    throw new VgpuctlError('USAGE', 'Cannot define vGPUs: no --type and no running vGPU named', {
      hint: 'vgpuctl define --type TYPE [--gpu GPU] [--count N] [--auto], or vgpuctl define UUID to persist a running vGPU',
    });
  }
  const deps = vgpuDeps(context, request.gpu);
  const applied =
    type === undefined
      ? await defineRunningVgpus(deps, { ids, ...(request.start === undefined ? {} : { start: request.start }) })
      : await defineVgpus(deps, { ...request, type }, randomUUID);
  if (!applied.executed) return dryRun(applied);
  return {
    data: { defined: applied.result, attempts: applied.attempts },
    text: idLines(applied.result.map((d) => (d.kind === 'mdev' ? d.uuid : d.vf))),
  };
}

/** `vgpuctl undefine`. */
export async function undefineCommand(
  context: CommandContext,
  ids: string[],
  gpu: string | undefined,
): Promise<CommandResult> {
  const applied = await undefineVgpus(vgpuDeps(context), { ids, gpu });
  if (!applied.executed) return dryRun(applied);
  return { data: { undefined: ids }, text: ids.map((id) => `Undefined vGPU ${id}`).join('\n') };
}

/** `vgpuctl modify`. */
export async function modifyCommand(context: CommandContext, request: ModifyVgpuRequest): Promise<CommandResult> {
  const applied = await modifyVgpu(vgpuDeps(context), request);
  if (!applied.executed) return dryRun(applied);
  return {
    data: { modified: applied.result },
    text: `Modified the definition of vGPU ${request.id} (${applied.result.path}); a running vGPU changes at its next start`,
  };
}

/** `vgpuctl start ID...`. */
export async function startCommand(
  context: CommandContext,
  ids: string[],
  gpu: string | undefined,
): Promise<CommandResult> {
  const applied = await startVgpus(vgpuDeps(context, gpu ?? (await parentsOf(context.host, ids))), { ids, gpu });
  if (!applied.executed) return dryRun(applied);
  const lines = [
    ...applied.result.started.map((d) => `Started vGPU ${definitionId(d)}`),
    ...applied.result.running.map((d) => `vGPU ${definitionId(d)} is already running`),
  ];
  return {
    data: { started: applied.result.started.map(definitionId), running: applied.result.running.map(definitionId) },
    text: lines.join('\n'),
  };
}

/** `vgpuctl start --all-auto [--wait SECONDS]`. */
export async function startAllAutoCommand(
  context: CommandContext,
  waitSeconds: number,
): Promise<CommandResult<AutostartReport>> {
  const report = await startAllAuto(vgpuDeps(context), { waitSeconds });
  const failed = report.outcomes.some((o) => o.status === 'failed');
  const text = renderAutostart(report.outcomes, report.waitedMs);
  return {
    data: report,
    text: report.plan === null ? text : `${renderPlanAsShell(report.plan)}\n\n${text}`,
    ...(failed ? { exitCode: EXIT_CODES.host } : {}),
  };
}
