import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { VgpuctlError } from '../core/errors.ts';
import type { PciIds } from '../core/pci-ids.ts';
import type { Scenario } from '../emulator/scenario/schema.ts';
import type { PersistentEmulator } from '../emulator/state-store.ts';
import { FsHost } from '../host/fs-host.ts';
import type { HostPort } from '../host/host-port.ts';
import { loadSystemPciIds } from '../host/pci-ids-file.ts';

/** Options every command accepts. */
export interface GlobalOptions {
  json?: boolean;
  root?: string;
  /** A scenario name or file; `true` when given without a value (the default scenario). */
  emulate?: string | boolean;
  /** Plan only: commands return the plan instead of executing it. */
  dryRun?: boolean;
  debug?: boolean;
}

/** What a command runs against. */
export interface CommandContext {
  host: HostPort;
  pciIds: PciIds;
  /** Present when the host is emulated; its changes are saved by {@link finish}. */
  emulator: PersistentEmulator | undefined;
  env: NodeJS.ProcessEnv;
  /** True with --dry-run: mutating commands must not change the host. */
  dryRun: boolean;
}

export const DEFAULT_SCENARIO = 'lab';

/** Does a scenario argument name a TOML file (rather than a built-in scenario)? */
export function isScenarioFile(argument: string): boolean {
  return argument.includes('/') || argument.endsWith('.toml');
}

/**
 * The state key of a scenario argument: a built-in name as given, a file by its resolved
 * path (two files of one base name in different directories keep separate state). Needs no
 * readable file, so `emulate reset FILE` works after the file is broken or gone.
 */
export function scenarioKey(argument: string): string {
  if (!isScenarioFile(argument)) return argument;
  const path = resolve(argument);
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 12);
  return `file-${basename(path, '.toml')}-${hash}`;
}

/** Refuses an empty path argument, which would silently mean the current directory. */
export function requirePath(what: string, path: string): string {
  if (path.trim() === '') {
    throw new VgpuctlError('INVALID_ARGUMENT', `Cannot use ${what} "${path}": the path is empty`, {
      hint: 'Give a directory, for example /tmp/lab',
    });
  }
  return path;
}

/** A scenario argument: a built-in name (`lab`, `big:gpus=16`) or a TOML file path. */
export async function loadScenarioArgument(
  argument: string,
): Promise<{ scenario: Scenario; key: string; resetName: string }> {
  if (argument.trim() === '') {
    throw new VgpuctlError('UNKNOWN_SCENARIO', 'Cannot load scenario "": the name is empty', {
      hint: 'Give a built-in scenario name (see "vgpuctl emulate scenarios") or a TOML file',
    });
  }
  // The emulator loads only for emulated hosts: a real host's commands never parse scenarios.
  const { resolveScenario } = await import('../emulator/scenario/load.ts');
  if (isScenarioFile(argument)) {
    let text: string;
    try {
      text = await readFile(argument, 'utf8');
    } catch (error) {
      throw new VgpuctlError(
        'SCENARIO_INVALID',
        `Cannot load scenario "${argument}": ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'the file cannot be read'}`,
        { hint: 'Give a built-in scenario name (see "vgpuctl emulate scenarios") or a readable TOML file' },
      );
    }
    const scenario = resolveScenario({ tomlText: text, source: argument });
    return { scenario, key: scenarioKey(argument), resetName: resolve(argument) };
  }
  return { scenario: resolveScenario({ name: argument }), key: argument, resetName: argument };
}

/** Opens the host named by the global options: `--emulate`, else `--root`/VGPUCTL_ROOT, else `/`. */
export async function openContext(options: GlobalOptions, env: NodeJS.ProcessEnv): Promise<CommandContext> {
  const pciIds = await loadSystemPciIds(env);
  const emulate = options.emulate ?? (env.VGPUCTL_EMULATE || undefined);
  if (emulate !== undefined && emulate !== false) {
    if (options.root !== undefined) {
      throw new VgpuctlError('USAGE', 'Cannot combine --root and --emulate: choose one host', {
        hint: 'Use --emulate to inspect an emulated host, or --root for a directory tree',
      });
    }
    const { scenario, key, resetName } = await loadScenarioArgument(emulate === true ? DEFAULT_SCENARIO : emulate);
    const { defaultStateDir, openPersistentEmulator } = await import('../emulator/state-store.ts');
    const emulator = await openPersistentEmulator(scenario, { stateDir: defaultStateDir(env), key, resetName });
    return { host: emulator.host, pciIds, emulator, env, dryRun: options.dryRun === true };
  }
  const root = options.root === undefined ? env.VGPUCTL_ROOT || '/' : requirePath('--root', options.root);
  // The CLI serves no FUSE mount of its own while it reads a root: blocking reads are safe.
  const host = new FsHost(root, { blockingReads: true });
  const kind = await stat(root).then(
    (st) => (st.isDirectory() ? 'directory' : 'other'),
    () => 'missing',
  );
  if (kind !== 'directory') {
    throw new VgpuctlError(
      'ROOT_UNREADABLE',
      `Cannot read host root "${root}": ${kind === 'missing' ? 'no such directory' : 'not a directory'}`,
      { hint: 'Give --root an existing directory that holds a sys/ tree' },
    );
  }
  return { host, pciIds, emulator: undefined, env, dryRun: options.dryRun === true };
}

/** Saves emulated state (after success) or just releases it (after failure). */
export async function finish(context: CommandContext | undefined, succeeded: boolean): Promise<void> {
  if (context?.emulator === undefined) return;
  await (succeeded ? context.emulator.save() : context.emulator.close());
}
