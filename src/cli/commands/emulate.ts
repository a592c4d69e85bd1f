import { resolve } from 'node:path';
import { VgpuctlError } from '../../core/errors.ts';
import { EmulatedKernel } from '../../emulator/kernel.ts';
import { type ServeResult, serveMount } from '../../emulator/sandbox/serve-mount.ts';
import { builtinScenarioNames, resolveScenario } from '../../emulator/scenario/load.ts';
import { defaultStateDir, resetPersistentEmulator } from '../../emulator/state-store.ts';
import { writeTreeTo } from '../../emulator/write-tree.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { DEFAULT_SCENARIO, loadScenarioArgument, openContext } from '../context.ts';

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

/** `vgpuctl emulate reset [SCENARIO]`: forget the saved state of an emulated host. */
export async function resetCommand(
  argument: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<CommandResult<{ scenario: string; removed: boolean }>> {
  const { key } = await loadScenarioArgument(argument ?? DEFAULT_SCENARIO);
  const removed = await resetPersistentEmulator({ stateDir: defaultStateDir(env), key });
  return {
    data: { scenario: key, removed },
    text: removed ? `Emulated host "${key}" reset to its scenario.` : `Emulated host "${key}" had no saved changes.`,
  };
}

/**
 * `vgpuctl emulate write-tree DIR [--scenario S]`: writes the emulated host (its current
 * state, when saved) as plain files, symlinks and directories, for `--root` and lspci.
 */
export async function writeTreeCommand(
  dir: string,
  scenario: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<CommandResult<{ dir: string; scenario: string }>> {
  const target = resolve(dir);
  if (target === '/') {
    throw new VgpuctlError('INVALID_ARGUMENT', 'Cannot write an emulated tree to "/": it would cover the real host', {
      hint: 'Give an empty directory, for example /tmp/lab',
    });
  }
  const context = await openContext({ emulate: scenario ?? DEFAULT_SCENARIO }, env);
  try {
    const kernel = context.emulator?.kernel ?? EmulatedKernel.boot(resolveScenario({ name: DEFAULT_SCENARIO }));
    await writeTreeTo(kernel.tree, target);
  } finally {
    await context.emulator?.close();
  }
  const name = scenario ?? DEFAULT_SCENARIO;
  return {
    data: { dir: target, scenario: name },
    text: `Wrote emulated host "${name}" to ${target}\nTry: vgpuctl list --root ${target}\n     lspci -A linux-sysfs -O sysfs.path=${target}/sys/bus/pci -nn`,
  };
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
  const result = await serveMount(context.emulator, dir, log, stop, options);
  return {
    data: result,
    text: `Unmounted ${result.mountpoint} (${result.stoppedBy === 'signal' ? 'stopped' : 'unmounted from outside'}; ${result.requests} requests served).`,
  };
}
