/**
 * The vGPU lifecycle: `create`, `remove`, `vgpus`, and persistent `define`, `undefine`,
 * `start`, `stop`, `modify`, `start --all-auto`. UUIDs are generated here, at the edge, so the
 * planners stay pure; every command honours `--dry-run` by printing its plan.
 */
import { randomUUID } from 'node:crypto';
import { Option } from '@commander-js/extra-typings';
import { EXIT_CODES, VgpuctlError } from '../../core/errors.ts';
import { renderPlanAsShell } from '../../core/plan.ts';
import { discover } from '../../discovery/discover.ts';
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
import { resolveGpu } from '../../ops/vgpu/resolve.ts';
import { vgpuHosts } from '../../ops/vgpu/vgpu-hosts.ts';
import type { StartMode } from '../../store/mdevctl-format.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { type MdevctlListJson, mdevctlListJson, renderAutostart, renderVgpuList } from '../render/vgpu-list.ts';
import type { CommandModule } from './index.ts';

/** The ports and policies vGPU operations run with. */
function vgpuDeps(context: CommandContext): VgpuDeps {
  return {
    host: context.host,
    discover: () => discover(context.host, { pciIds: context.pciIds, ...VGPU_DISCOVERY }),
    lock: { pid: process.pid },
    dryRun: context.dryRun,
  };
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
async function createCommand(context: CommandContext, request: CreateVgpusRequest): Promise<CommandResult> {
  const applied = await createVgpus(vgpuDeps(context), request, randomUUID);
  if (!applied.executed) return dryRun(applied);
  const ids = (applied.result as CreatedVgpus[number][]).map((c) => (c.kind === 'mdev' ? c.uuid : c.vf));
  return { data: { created: applied.result, attempts: applied.attempts }, text: idLines(ids) };
}

/** `vgpuctl remove` and `vgpuctl stop`. */
async function removeCommand(context: CommandContext, ids: string[], verb: 'remove' | 'stop'): Promise<CommandResult> {
  const applied = await removeVgpus(vgpuDeps(context), ids, verb);
  if (!applied.executed) return dryRun(applied);
  const past = verb === 'remove' ? 'Removed' : 'Stopped';
  return {
    data: { [verb === 'remove' ? 'removed' : 'stopped']: ids },
    text: ids.map((id) => `${past} vGPU ${id}`).join('\n'),
  };
}

/** `vgpuctl vgpus`. */
async function vgpusCommand(
  context: CommandContext,
  options: { gpu?: string | undefined; format?: 'table' | 'mdevctl' | undefined; defined?: boolean | undefined },
): Promise<CommandResult<VgpuEntry[] | MdevctlListJson>> {
  const { inventory, entries: all } = await listAllVgpus(vgpuDeps(context));
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
async function defineCommand(
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
  const deps = vgpuDeps(context);
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
async function undefineCommand(
  context: CommandContext,
  ids: string[],
  gpu: string | undefined,
): Promise<CommandResult> {
  const applied = await undefineVgpus(vgpuDeps(context), { ids, gpu });
  if (!applied.executed) return dryRun(applied);
  return { data: { undefined: ids }, text: ids.map((id) => `Undefined vGPU ${id}`).join('\n') };
}

/** `vgpuctl modify`. */
async function modifyCommand(context: CommandContext, request: ModifyVgpuRequest): Promise<CommandResult> {
  const applied = await modifyVgpu(vgpuDeps(context), request);
  if (!applied.executed) return dryRun(applied);
  return {
    data: { modified: applied.result },
    text: `Modified the definition of vGPU ${request.id} (${applied.result.path}); a running vGPU changes at its next start`,
  };
}

/** `vgpuctl start ID...`. */
async function startCommand(context: CommandContext, ids: string[], gpu: string | undefined): Promise<CommandResult> {
  const applied = await startVgpus(vgpuDeps(context), { ids, gpu });
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
async function startAllAutoCommand(
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

/** Parses `--count`, `--wait`, `--index`: a whole number. */
function wholeNumber(option: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot use ${option} "${text}": expected a whole number of at least ${min}`,
      {
        hint: `For example ${option} ${Math.max(min, 1)}`,
      },
    );
  }
  return Number(text);
}

/** Parses `--attr NAME=VALUE`. */
function parseAttr(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) {
    throw new VgpuctlError('INVALID_ARGUMENT', `Cannot use --attr "${text}": expected NAME=VALUE`, {
      hint: 'For example --attr vendor/foo=1',
    });
  }
  return [text.slice(0, at), text.slice(at + 1)];
}

const collect = (value: string, previous: string[]) => [...previous, value];

function startMode(auto: boolean | undefined, manual: boolean | undefined): StartMode | undefined {
  if (auto === true && manual === true) {
    throw new VgpuctlError('USAGE', 'Cannot use --auto and --manual together', { hint: 'Give one of them' });
  }
  return auto === true ? 'auto' : manual === true ? 'manual' : undefined;
}

function gpuOption(gpu: string | undefined, parent: string | undefined): string | undefined {
  if (gpu !== undefined && parent !== undefined && gpu !== parent) {
    throw new VgpuctlError(
      'USAGE',
      `Cannot use --gpu "${gpu}" with --parent "${parent}": --parent is another name for --gpu`,
      {
        hint: 'Give one of them',
      },
    );
  }
  return gpu ?? parent;
}

/** Registers the vGPU lifecycle commands. */
export const vgpuCommandModule: CommandModule = (program, cli) => {
  program
    .command('create')
    .description(
      'create vGPUs of a type (mdev or NVIDIA vendor-VFIO), on a GPU or wherever they fit; prints their UUIDs or VF addresses',
    )
    .requiredOption('--type <type>', 'type id (nvidia-222), NVIDIA number (222) or name (GRID T4-1B, T4-1B)')
    .option('--gpu <gpu>', 'GPU PCI address, VF address, or mdev parent name (e.g. nvidia)')
    .option('--parent <gpu>', 'same as --gpu (mdevctl spelling)')
    .option('--uuid <uuid>', 'UUID of an mdev vGPU (repeat for several)', collect, [] as string[])
    .option('--count <n>', 'how many (default: the number of --uuid, else 1)')
    .action((options) =>
      cli.withHost((context) =>
        createCommand(context, {
          type: options.type,
          ...optional('gpu', gpuOption(options.gpu, options.parent)),
          ...optional('count', wholeNumber('--count', options.count, 0)),
          ...(options.uuid.length > 0 ? { uuids: options.uuid } : {}),
        }),
      ),
    );

  program
    .command('remove')
    .description('remove running vGPUs (UUIDs or VF addresses); their definitions stay')
    .argument('<id...>', 'UUIDs or VF addresses')
    .action((ids) => cli.withHost((context) => removeCommand(context, ids, 'remove')));

  program
    .command('vgpus')
    .description('list running and defined vGPUs with their state')
    .option('--gpu <gpu>', 'only this GPU or mdev parent')
    .option('--defined', 'only defined vGPUs (with --format mdevctl: as "mdevctl list --defined --dumpjson")')
    .addOption(
      new Option('--format <format>', 'table, or mdevctl for "mdevctl list --dumpjson" JSON').choices([
        'table',
        'mdevctl',
      ] as const),
    )
    .action((options) =>
      cli.withHost((context) =>
        vgpusCommand(context, { gpu: options.gpu, format: options.format, defined: options.defined }),
      ),
    );

  program
    .command('define')
    .description(
      'define persistent vGPUs (mdev: in /etc/mdevctl.d, shared with mdevctl); or make running vGPUs persistent',
    )
    .argument('[id...]', 'running vGPUs to make persistent (UUIDs or VF addresses)')
    .option('--type <type>', 'type of new vGPUs: id, NVIDIA number or name')
    .option('--gpu <gpu>', 'GPU PCI address, VF address, or mdev parent name')
    .option('--parent <gpu>', 'same as --gpu (mdevctl spelling)')
    .option('--uuid <uuid>', 'UUID of an mdev vGPU (repeat for several)', collect, [] as string[])
    .option('--count <n>', 'how many')
    .option('--auto', 'start at boot ("vgpuctl start --all-auto", mdevctl\'s udev rule)')
    .option(
      '--attr <name=value>',
      'mdev attribute written after creation (repeat; kept in order)',
      collect,
      [] as string[],
    )
    .option('--start', 'start them now as well')
    .option('--force', 'define on an mdev parent that is absent now (needs --gpu and a type id)')
    .action((ids, options) =>
      cli.withHost((context) =>
        defineCommand(context, ids, {
          ...optional('type', options.type),
          ...optional('gpu', gpuOption(options.gpu, options.parent)),
          ...optional('count', wholeNumber('--count', options.count, 0)),
          ...(options.uuid.length > 0 ? { uuids: options.uuid } : {}),
          ...(options.auto === true ? { start: 'auto' as const } : {}),
          ...(options.attr.length > 0 ? { attrs: options.attr.map(parseAttr) } : {}),
          ...(options.start === true ? { startNow: true } : {}),
          ...(options.force === true ? { force: true } : {}),
        }),
      ),
    );

  program
    .command('undefine')
    .description('delete vGPU definitions (running vGPUs keep running)')
    .argument('<id...>', 'UUIDs or VF addresses')
    .option('--gpu <gpu>', 'only the definition under this parent')
    .option('--parent <gpu>', 'same as --gpu')
    .action((ids, options) =>
      cli.withHost((context) => undefineCommand(context, ids, gpuOption(options.gpu, options.parent))),
    );

  program
    .command('start')
    .description('start defined vGPUs, or with --all-auto every autostart one (waiting for late parents and types)')
    .argument('[id...]', 'UUIDs or VF addresses of defined vGPUs')
    .option('--gpu <gpu>', 'the definition under this parent, when a UUID has several')
    .option('--parent <gpu>', 'same as --gpu')
    .option('--all-auto', 'start every definition with start "auto"')
    .option('--wait <seconds>', 'with --all-auto: wait up to SECONDS for parents, VFs and types to appear (default 0)')
    .action((ids, options) =>
      cli.withHost((context) => {
        if (options.allAuto === true) {
          if (ids.length > 0) {
            throw new VgpuctlError('USAGE', 'Cannot start vGPUs: give ids or --all-auto, not both', {
              hint: 'vgpuctl start --all-auto --wait 120',
            });
          }
          return startAllAutoCommand(context, wholeNumber('--wait', options.wait, 0) ?? 0);
        }
        if (options.wait !== undefined) {
          throw new VgpuctlError('USAGE', 'Cannot use --wait without --all-auto', {
            hint: 'vgpuctl start --all-auto --wait 120',
          });
        }
        return startCommand(context, ids, gpuOption(options.gpu, options.parent));
      }),
    );

  program
    .command('stop')
    .description('stop running vGPUs (UUIDs or VF addresses); their definitions stay')
    .argument('<id...>', 'UUIDs or VF addresses')
    .action((ids) => cli.withHost((context) => removeCommand(context, ids, 'stop')));

  program
    .command('modify')
    .description('change a vGPU definition: type, autostart, attributes (as mdevctl modify)')
    .argument('<id>', 'UUID or VF address')
    .option('--gpu <gpu>', 'the definition under this parent, when a UUID has several')
    .option('--parent <gpu>', 'same as --gpu')
    .option('--type <type>', 'new type: id or name')
    .option('--auto', 'start at boot')
    .option('--manual', 'start only when asked')
    .option('--addattr <name>', 'add an attribute (with --value, at --index or last)')
    .option('--value <value>', 'value of --addattr')
    .option('--delattr', 'delete the attribute at --index (or the last)')
    .option('--index <n>', 'attribute position, from 0')
    .option('--force', 'accept a type the parent does not offer now')
    .action((id, options) =>
      cli.withHost((context) => {
        const index = wholeNumber('--index', options.index, 0);
        if (options.addattr !== undefined && options.value === undefined) {
          throw new VgpuctlError('USAGE', `Cannot add attribute "${options.addattr}": --value is missing`, {
            hint: '--addattr NAME --value VALUE',
          });
        }
        if (options.addattr !== undefined && options.delattr === true) {
          throw new VgpuctlError('USAGE', 'Cannot use --addattr and --delattr together', { hint: 'Run modify twice' });
        }
        return modifyCommand(context, {
          id,
          gpu: gpuOption(options.gpu, options.parent),
          type: options.type,
          start: startMode(options.auto, options.manual),
          addAttr:
            options.addattr === undefined ? undefined : { name: options.addattr, value: options.value ?? '', index },
          delAttr: options.delattr === true ? { index } : undefined,
          force: options.force,
        });
      }),
    );
};

/** `{ key: value }` when value is defined, else `{}` (exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
