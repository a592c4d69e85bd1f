/**
 * `vgpuctl override show|set|unset|check`: vgpu_unlock-rs's profile_override.toml, read,
 * checked against the catalog and this host's GPUs, and changed as a plan (`--dry-run`
 * prints it; the file is replaced atomically; an invalid result writes nothing).
 */
import { applyOverrides, boardOfTypeId, profileOverrides } from '../../catalog/index.ts';
import { VgpuctlError } from '../../core/errors.ts';
import type { Plan } from '../../core/plan.ts';
import { discover } from '../../discovery/discover.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import { parseOverrideFile } from '../../formats/profile-override-toml.ts';
import { isHostError } from '../../host/host-port.ts';
import { executePlan } from '../../ops/execute-plan.ts';
import { checkText, type OverrideChange, planOverride } from '../../ops/overrides/plan-override.ts';
import type { OverrideHostFacts, OverrideIssue } from '../../ops/overrides/validate-overrides.ts';
import { listVgpuTypes } from '../../ops/vgpu/list-types.ts';
import { DEFAULT_OVERRIDE_PATH } from '../../store/paths.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { renderDryRun } from '../render/bind-text.ts';
import { renderIssues, renderOverrideShow } from '../render/override-text.ts';

/** One type's base and effective values. */
export interface EffectiveType {
  typeId: number;
  base: ReturnType<typeof applyOverrides>;
  effective: ReturnType<typeof applyOverrides>;
}

/** What `override show` returns. */
export interface OverrideShow {
  path: string;
  exists: boolean;
  tables: { table: string; values: Record<string, unknown> }[];
  effective: EffectiveType[];
  issues: OverrideIssue[];
}

/** The file's path: --file, else VGPU_UNLOCK_PROFILE_OVERRIDE_CONFIG_PATH (as vgpu_unlock-rs), else the default. */
export function overridePath(context: CommandContext, file: string | undefined): string {
  return file ?? context.env.VGPU_UNLOCK_PROFILE_OVERRIDE_CONFIG_PATH ?? DEFAULT_OVERRIDE_PATH;
}

async function readCurrent(context: CommandContext, path: string): Promise<string | null> {
  try {
    return await context.host.readText(path);
  } catch (error) {
    if (isHostError(error, 'ENOENT')) return null;
    throw error;
  }
}

/** The override file's values for applying to profiles; undefined when there is none or it is not TOML. */
export async function readOverrideValues(context: CommandContext): Promise<Record<string, unknown> | undefined> {
  const text = await readCurrent(context, overridePath(context, undefined));
  if (text === null) return undefined;
  try {
    return parseOverrideFile(text).values;
  } catch {
    return undefined;
  }
}

/** Type ids the host offers with their GPU's physical framebuffer, and live mdevs' types. */
export function hostFacts(inventory: Inventory): OverrideHostFacts {
  const offered = new Map<number, number>();
  for (const type of listVgpuTypes(inventory)) {
    if (type.nvidiaTypeId === null) continue;
    const gpu = inventory.gpus.find((g) => g.address === type.gpu);
    const mib = gpu?.vram.physicalMiB ?? gpu?.vram.totalMiB ?? null;
    if (mib !== null) offered.set(type.nvidiaTypeId, mib);
  }
  const mdevs = new Map<string, number>();
  for (const gpu of inventory.gpus) {
    for (const parent of [gpu.mdev, ...(gpu.sriov?.vfs ?? []).map((vf) => vf.mdev)]) {
      for (const instance of parent?.instances ?? []) {
        const m = /^nvidia-(\d+)$/.exec(instance.type ?? '');
        if (m !== null) mdevs.set(instance.uuid, Number(m[1]));
      }
    }
  }
  return { offered, mdevs };
}

/** `override show`. */
export async function overrideShowCommand(
  context: CommandContext,
  file?: string,
): Promise<CommandResult<OverrideShow>> {
  const path = overridePath(context, file);
  const text = await readCurrent(context, path);
  const inventory = await discover(context.host, { pciIds: context.pciIds, deviceUsers: false });
  const issues = text === null ? [] : checkText(text, hostFacts(inventory));
  const values =
    text === null || issues.some((i) => i.severity === 'error' && i.table === '' && i.key === null)
      ? {}
      : parseOverrideFile(text).values;
  const tables: OverrideShow['tables'] = [];
  for (const kind of ['profile', 'mdev', 'vm']) {
    for (const [name, v] of Object.entries((values[kind] ?? {}) as Record<string, Record<string, unknown>>)) {
      tables.push({ table: `${kind}.${name}`, values: v });
    }
  }
  const effective: EffectiveType[] = [];
  for (const t of tables) {
    const m = /^profile\.nvidia-(\d+)$/.exec(t.table);
    if (m === null) continue;
    const id = Number(m[1]);
    const base = boardOfTypeId(id)?.types.find((p) => p.id === id);
    if (base === undefined) continue;
    effective.push({
      typeId: id,
      base: applyOverrides(base, undefined),
      effective: applyOverrides(base, profileOverrides(values, id)),
    });
  }
  const data = { path, exists: text !== null, tables, effective, issues };
  return { data, text: renderOverrideShow(data) };
}

/** `override check`: exit 2 (OVERRIDE_INVALID's class) when there are errors. */
export async function overrideCheckCommand(
  context: CommandContext,
  file?: string,
): Promise<CommandResult<{ path: string; exists: boolean; issues: OverrideIssue[] }>> {
  const path = overridePath(context, file);
  const text = await readCurrent(context, path);
  if (text === null) {
    throw new VgpuctlError('NOT_FOUND', `Cannot check "${path}": no such file`, {
      hint: 'Create it with "vgpuctl override set nvidia-<id> key=value"',
    });
  }
  const inventory = await discover(context.host, { pciIds: context.pciIds, deviceUsers: false });
  const issues = checkText(text, hostFacts(inventory));
  const errors = issues.some((i) => i.severity === 'error');
  return { data: { path, exists: true, issues }, text: renderIssues(path, issues), exitCode: errors ? 2 : 0 };
}

/** `override set|unset`. */
export async function overrideChangeCommand(
  context: CommandContext,
  change: OverrideChange,
  file?: string,
): Promise<CommandResult<{ dryRun: boolean; plan: Plan; issues: OverrideIssue[] }>> {
  const path = overridePath(context, file);
  const current = await readCurrent(context, path);
  const inventory = await discover(context.host, { pciIds: context.pciIds, deviceUsers: false });
  const { plan, issues } = planOverride(path, current, change, hostFacts(inventory));
  if (context.dryRun)
    return { data: { dryRun: true, plan, issues }, text: renderDryRun(plan, 'the file already says so') };
  await executePlan(context.host, plan);
  const warnings = issues.filter((i) => i.severity === 'warning');
  const lines = [
    plan.steps.length === 0 ? `Nothing to change in ${path}.` : `Changed ${path}: ${plan.action.split(' in ')[0]}.`,
  ];
  if (warnings.length > 0) lines.push(renderIssues(path, warnings));
  lines.push(
    'vgpu_unlock-rs applies it when nvidia-vgpud and nvidia-vgpu-mgr start: systemctl restart nvidia-vgpud nvidia-vgpu-mgr',
  );
  return { data: { dryRun: false, plan, issues }, text: lines.join('\n') };
}

export function keyValues(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0) {
      throw new VgpuctlError('USAGE', `Cannot read "${pair.slice(0, 60)}": expected key=value`, {
        hint: 'For example: vgpuctl override set nvidia-760 framebuffer=0x38000000 num_displays=1',
      });
    }
    out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return out;
}
