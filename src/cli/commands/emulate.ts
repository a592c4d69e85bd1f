import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { VgpuctlError } from '../../core/errors.ts';
import { EmulatedKernel } from '../../emulator/kernel.ts';
import { type ServeResult, serveMount } from '../../emulator/sandbox/serve-mount.ts';
import { builtinScenarioNames, resolveScenario } from '../../emulator/scenario/load.ts';
import { defaultStateDir, hasSavedState, resetPersistentEmulator } from '../../emulator/state-store.ts';
import { writeTreeTo } from '../../emulator/write-tree.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { DEFAULT_SCENARIO, isScenarioFile, openContext, requirePath, scenarioKey } from '../context.ts';

/** `vgpuctl emulate scenarios`: the built-in scenarios. */
export function scenariosCommand(): CommandResult<{ name: string; description: string; default: boolean }[]> {
  const rows = builtinScenarioNames().map((name) => ({
    name,
    description: resolveScenario({ name }).description,
    default: name === DEFAULT_SCENARIO,
  }));
  const width = Math.max(...rows.map((r) => r.name.length));
  const text = rows.map((r) => `${r.name.padEnd(width)}  ${r.description}${r.default ? ' (default)' : ''}`).join('\n');
  return { data: rows, text };
}

/**
 * `vgpuctl emulate reset [SCENARIO]`: forget the saved state of an emulated host. A file
 * scenario is named by its path, which need not be readable any more.
 */
export async function resetCommand(
  argument: string | undefined,
  env: NodeJS.ProcessEnv,
  options: { dryRun?: boolean | undefined } = {},
): Promise<CommandResult<{ scenario: string; removed: boolean; dryRun?: true }>> {
  const name = argument ?? DEFAULT_SCENARIO;
  if (!isScenarioFile(name)) resolveScenario({ name }); // an unknown name fails here
  const key = scenarioKey(name);
  const shown = isScenarioFile(name) ? resolve(name) : name;
  const stateDir = defaultStateDir(env);
  if (options.dryRun === true) {
    const saved = await hasSavedState({ stateDir, key });
    return {
      data: { scenario: shown, removed: saved, dryRun: true },
      text: saved
        ? `Would reset emulated host "${shown}" to its scenario (dry run: nothing changed).`
        : `Emulated host "${shown}" has no saved changes (dry run: nothing changed).`,
    };
  }
  const removed = await resetPersistentEmulator({ stateDir, key });
  return {
    data: { scenario: shown, removed },
    text: removed
      ? `Emulated host "${shown}" reset to its scenario.`
      : `Emulated host "${shown}" had no saved changes.`,
  };
}

/**
 * `vgpuctl emulate write-tree DIR [--scenario S]`: writes the emulated host (its current
 * state, when saved) as plain files, symlinks and directories, for `--root` and lspci. DIR
 * must be new or empty: writing over an older tree would mix two hosts.
 */
export async function writeTreeCommand(
  dir: string,
  scenario: string | undefined,
  env: NodeJS.ProcessEnv,
  options: { dryRun?: boolean | undefined } = {},
): Promise<CommandResult<{ dir: string; scenario: string; dryRun?: true }>> {
  const target = resolve(requirePath('the target directory', dir));
  if (target === '/') {
    throw new VgpuctlError('INVALID_ARGUMENT', 'Cannot write an emulated tree to "/": it would cover the real host', {
      hint: 'Give an empty directory, for example /tmp/lab',
    });
  }
  await requireEmptyOrNew(target);
  const name = scenario ?? DEFAULT_SCENARIO;
  const context = await openContext({ emulate: name }, env);
  try {
    if (options.dryRun === true) {
      return {
        data: { dir: target, scenario: name, dryRun: true },
        text: `Would write emulated host "${name}" to ${target} (dry run: nothing written).`,
      };
    }
    const kernel = context.emulator?.kernel ?? EmulatedKernel.boot(resolveScenario({ name: DEFAULT_SCENARIO }));
    await writeTreeTo(kernel.tree, target);
  } finally {
    await context.emulator?.close();
  }
  return {
    data: { dir: target, scenario: name },
    text: `Wrote emulated host "${name}" to ${target}\nTry: vgpuctl list --root ${target}\n     lspci -A linux-sysfs -O sysfs.path=${target}/sys/bus/pci -nn`,
  };
}

async function requireEmptyOrNew(target: string): Promise<void> {
  let problem: string | undefined;
  try {
    const st = await stat(target);
    if (!st.isDirectory()) problem = 'it exists and is not a directory';
    else if ((await readdir(target)).length > 0) problem = 'the directory is not empty';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') problem = `${code ?? 'error'} (${(error as Error).message.split(', ')[0]})`;
  }
  if (problem !== undefined) {
    throw new VgpuctlError('INVALID_ARGUMENT', `Cannot write an emulated tree to "${target}": ${problem}`, {
      hint: 'Give a new or empty directory, for example /tmp/lab',
    });
  }
}

/** `vgpuctl emulate mount DIR`: serve the emulated host until stopped, then save its state. */
export async function mountCommand(
  context: CommandContext,
  dir: string,
  log: (line: string) => void,
  stop: AbortSignal,
  options: { fastOpen: boolean } = { fastOpen: false },
): Promise<CommandResult<ServeResult>> {
  if (context.emulator === undefined) {
    throw new VgpuctlError('USAGE', 'Cannot mount a host that is not emulated', {
      hint: 'Use --scenario or --emulate',
    });
  }
  const mountpoint = resolve(requirePath('the mount point', dir));
  await context.emulator.holdAsMount(mountpoint);
  const result = await serveMount(context.emulator, mountpoint, log, stop, options);
  return { data: result, text: unmountedText(result) };
}

/** What `emulate mount` prints when it stops. */
export function unmountedText(result: ServeResult): string {
  const how = result.stoppedBy === 'signal' ? 'stopped' : 'unmounted from outside';
  return `Unmounted ${result.mountpoint} (${how}; ${result.requests} request${result.requests === 1 ? '' : 's'} served).`;
}
