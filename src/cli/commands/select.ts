/**
 * `vgpuctl select`: choose how a VM gets a GPU — passthrough, an SR-IOV VF, an mdev/vGPU, or
 * a software GPU — automatically, by mode, by preference with fallback, or by index; show the
 * plan (or, with --apply, initialize it) and print the VM configuration. With
 * `--output <format>` stdout holds the configuration and nothing else.
 */
import { randomUUID } from 'node:crypto';
import { VgpuctlError } from '../../core/errors.ts';
import { clip } from '../../core/pci-address.ts';
import { parseUuid } from '../../core/uuid.ts';
import { GpuManager } from '../../manager/gpu-manager.ts';
import { parseGpuMode } from '../../manager/modes.ts';
import type { SoftwareApiChoice } from '../../manager/scan-software.ts';
import { deviceFilter, type SelectRequest } from '../../manager/select.ts';
import { withPlannerAdvice } from '../../ops/vgpu/planner-advice.ts';
import { qemuDeviceArgs, shellJoin } from '../../vmconfig/qemu.ts';
import { renderVmConfig, type VmConfigFormat, vmConfigNotes } from '../../vmconfig/render.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { renderCandidates, renderSelection, type SelectResult } from '../render/select-text.ts';
import { SELECT_OUTPUTS as OUTPUTS, SOFTWARE_APIS } from './select-choices.ts';

/** Options of `vgpuctl select`, as commander parses them. */
interface SelectOptions {
  list?: boolean;
  gpuMode?: string;
  gpuDevice?: string;
  mdevType?: string;
  prefer?: string;
  /** commander's `--no-fallback`: false when given. */
  fallback?: boolean;
  index?: string;
  softwareApi?: string;
  vram?: string;
  apply?: boolean;
  output?: string;
  vmUuid?: string;
  vgpuUuid?: string;
  vmName?: string;
}

function parseChoice<T extends string>(value: string, choices: readonly T[], option: string): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new VgpuctlError(
    'INVALID_ARGUMENT',
    `Cannot use ${option} "${clip(value)}": it is not one of ${choices.join(', ')}`,
    {
      hint: `Give ${option} one of: ${choices.join(', ')}`,
    },
  );
}

function parseCount(value: string, option: string, min: number, max: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot use ${option} "${clip(value)}": expected a whole number from ${min} to ${max}`,
      {
        hint:
          option === '--vram'
            ? 'Give the host-memory budget in MiB, for example --vram 2048'
            : 'Run "vgpuctl select --list" for the indexes',
      },
    );
  }
  return n;
}

/** The selection request the options describe. */
function selectRequestOf(options: SelectOptions): SelectRequest {
  if (options.index !== undefined) return { index: parseCount(options.index, '--index', 0, 1 << 20) };
  return {
    ...(options.gpuMode === undefined ? {} : { mode: parseGpuMode(options.gpuMode, { allowAuto: true }) }),
    ...(options.prefer === undefined ? {} : { prefer: parseGpuMode(options.prefer) }),
    ...(options.fallback === false ? { fallback: false } : {}),
    ...(options.gpuDevice === undefined ? {} : { device: options.gpuDevice }),
    ...(options.mdevType === undefined ? {} : { mdevType: options.mdevType }),
  };
}

/**
 * Selects as asked; a vGPU type that nothing on the host can take now is refused with what
 * the capacity planner says about it (the rule, and the smallest change that makes room), as
 * `create` and `vgpuctl plan` say it.
 */
function selectWithPlannerAdvice(manager: GpuManager, options: SelectOptions) {
  try {
    return manager.select(selectRequestOf(options));
  } catch (error) {
    const refused =
      error instanceof VgpuctlError && (error.code === 'GPU_MODE_UNAVAILABLE' || error.code === 'VGPU_TYPE_NOT_FOUND');
    if (!refused || options.mdevType === undefined) throw error;
    throw withPlannerAdvice(error, manager.inventory, options.mdevType, 1);
  }
}

/** Runs `vgpuctl select`. */
export async function selectCommand(context: CommandContext, options: SelectOptions): Promise<CommandResult> {
  const output = parseChoice(options.output ?? 'text', OUTPUTS, '--output');
  const softwareApi: SoftwareApiChoice = parseChoice(options.softwareApi ?? 'auto', SOFTWARE_APIS, '--software-api');
  const vmUuid = options.vmUuid === undefined ? randomUUID() : parseUuid(options.vmUuid);
  const vgpuUuid = options.vgpuUuid === undefined ? undefined : parseUuid(options.vgpuUuid);
  const manager = new GpuManager(context.host, {
    pciIds: context.pciIds,
    softwareApi,
    ...(options.vram === undefined ? {} : { softwareMemoryMiB: parseCount(options.vram, '--vram', 16, 1 << 20) }),
    newUuid: randomUUID,
  });
  await manager.scan();

  if (options.list === true) return listCandidates(manager, options);

  const selection = selectWithPlannerAdvice(manager, options);
  const preview = manager.preview(vgpuUuid === undefined ? {} : { mdevUuid: vgpuUuid });
  const apply = options.apply === true && !context.dryRun;
  const init = apply ? await manager.initialize(vgpuUuid === undefined ? {} : { mdevUuid: vgpuUuid }) : undefined;
  const config = manager.vmConfig(
    { vmUuid, ...(options.vmName === undefined ? {} : { vmName: options.vmName }) },
    vgpuUuid === undefined ? {} : { mdevUuid: vgpuUuid },
  );
  const format: VmConfigFormat = output === 'text' || output === 'json' ? 'qemu' : output;
  const result: SelectResult = {
    selected: selection.candidate,
    how: selection.how,
    skipped: selection.skipped,
    applied: init !== undefined,
    plans:
      init === undefined
        ? preview.plans
        : init.reports.map((r) => ({ action: r.action, steps: r.outcomes.map((o) => o.step) })),
    pending: init === undefined ? preview.pending : [],
    acquired: init?.acquired ?? [],
    stats: manager.stats() as SelectResult['stats'],
    vm: config,
    qemuArgs: qemuDeviceArgs(config),
    notes: [...selection.candidate.notes, ...vmConfigNotes(format, config)],
  };
  if (output === 'json') return { data: result, text: JSON.stringify(result, null, 2) };
  if (output !== 'text') return { data: result, text: renderVmConfig(output, config).replace(/\n$/, '') };
  return { data: result, text: renderSelection(result, shellJoin(result.qemuArgs)) };
}

function listCandidates(manager: GpuManager, options: SelectOptions): CommandResult {
  const mode = options.gpuMode === undefined ? 'auto' : parseGpuMode(options.gpuMode, { allowAuto: true });
  const usesDevice = deviceFilter(manager.candidates, options.gpuDevice);
  const shown = manager.candidates.filter((c) => (mode === 'auto' || c.mode === mode) && usesDevice(c));
  const available = shown.filter((c) => c.available).length;
  return {
    data: { candidates: shown },
    text: `${renderCandidates(shown)}\n${available} of ${shown.length} candidates available on ${manager.inventory.host.source}.`,
  };
}
