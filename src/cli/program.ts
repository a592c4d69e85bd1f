/**
 * The vgpuctl command line: parses arguments, runs a command, renders its data as text or
 * JSON. With main.ts, the only code that writes to stdout/stderr.
 */
import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import { isVgpuctlError, VgpuctlError } from '../core/errors.ts';
import { isHostError } from '../host/host-port.ts';
import { type CommandResult, JSON_SCHEMA_VERSION, versionedJson } from './command-result.ts';
import { COMMAND_MODULES } from './commands/index.ts';
import type { CommandContext, GlobalOptions } from './context.ts';
import { progressWanted } from './progress.ts';
import { renderError } from './render/error-text.ts';
import { VERSION } from './version.ts';

/** Runs vgpuctl with `argv` (without node and script); resolves to the exit status. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let globals: GlobalOptions = {};
  let exitCode = 0;
  const options = argv.slice(0, endOfOptions(argv));
  // Usage errors come before the options are parsed: --json anywhere asks for JSON errors.
  const wantsJson = () => globals.json === true || options.includes('--json');
  const printError = (error: VgpuctlError) =>
    process.stderr.write(
      `${wantsJson() ? JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, error: error.toJSON() }, null, 2) : renderError(error)}\n`,
    );

  const emit = (result: CommandResult) => {
    const out = globals.json ? JSON.stringify(versionedJson(result), null, 2) : result.text;
    if (out !== '') process.stdout.write(`${out}\n`);
    if (!globals.json) for (const note of result.notes ?? []) process.stderr.write(`vgpuctl: note: ${note}\n`);
    exitCode = result.exitCode ?? 0;
  };
  const log = (line: string) => process.stderr.write(`vgpuctl: ${line}\n`);
  const withHost = async (
    run: (context: CommandContext) => Promise<CommandResult>,
    overrides: Partial<GlobalOptions> = {},
  ) => {
    globals = { ...globals, ...overrides };
    // Loaded here, not at the top: --help, --version and usage errors need no host.
    const { finish, openContext } = await import('./context.ts');
    const context = await openContext(globals, env);
    let ok = false;
    try {
      emit(await run(context));
      ok = true;
    } finally {
      await finish(context, ok);
    }
  };

  const program = new Command()
    .name('vgpuctl')
    .description('Discover, virtualize and emulate GPUs on Linux hosts')
    .version(VERSION)
    .option('--json', 'print machine-readable JSON')
    .option('--root <dir>', 'inspect the sysfs tree below DIR instead of / (env VGPUCTL_ROOT)')
    .addOption(
      new Option('--emulate [scenario]', 'use an emulated host: a built-in scenario or a TOML file (default: lab)'),
    )
    .option('--dry-run', 'print the changes a command would make (as shell commands) and make none')
    .option('--debug', 'print stack traces on errors')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      outputError: (text, write) => {
        if (!wantsJson()) return write(text);
        const message = text.trim().replace(/^error: /, '');
        printError(new VgpuctlError('USAGE', message, { hint: 'Run "vgpuctl --help" or "vgpuctl COMMAND --help"' }));
      },
    })
    .hook('preAction', (command) => {
      globals = command.optsWithGlobals();
    });

  for (const register of COMMAND_MODULES)
    register(program, {
      withHost,
      emit,
      globals: () => globals,
      log,
      progress: (line) => {
        if (progressWanted(process.stderr.isTTY === true, globals.json === true)) log(line);
      },
      env,
      executable: new URL('../../bin/vgpuctl', import.meta.url).pathname,
    });

  try {
    refuseContradictions(options);
    await program.parseAsync(await emulateValue(argv, program), { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; parse errors were already printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    const known = toVgpuctlError(error);
    printError(known);
    if (globals.debug || argv.includes('--debug')) process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    return known.exitCode;
  }
}

/** Index of a `--` that ends the options (arguments after it are a command's, e.g. `emulate run`). */
function endOfOptions(argv: readonly string[]): number {
  const at = argv.indexOf('--');
  return at === -1 ? argv.length : at;
}

/** `--autoprobe --no-autoprobe`: refused rather than letting the last one win. */
function refuseContradictions(options: readonly string[]): void {
  const given = new Set(options.map((o) => o.replace(/=.*$/, '')));
  for (const option of given) {
    if (!option.startsWith('--no-')) continue;
    const positive = `--${option.slice('--no-'.length)}`;
    if (given.has(positive)) {
      throw new VgpuctlError('USAGE', `Cannot use ${positive} and ${option} together: they contradict each other`, {
        hint: 'Give one of them',
      });
    }
  }
}

/**
 * `--emulate` takes an optional value, and a parser would take any next word as that value
 * (`show --emulate 3b:00.0`, `--emulate list`). A next word is its value only when it reads
 * as a scenario: a TOML file, a built-in name, or a built-in name with parameters
 * (`big:gpus=2`); otherwise `--emulate` stands alone (the default scenario). `--emulate=X`
 * is always a value.
 */
async function emulateValue(argv: readonly string[], program: Command): Promise<string[]> {
  const end = endOfOptions(argv);
  const at = argv.indexOf('--emulate');
  if (at === -1 || at >= end) return [...argv];
  const next = argv[at + 1];
  if (next === undefined || at + 1 >= end || next.startsWith('-')) return [...argv];
  const commands = new Set(program.commands.flatMap((c) => [c.name(), ...c.aliases()]));
  let scenario = next.endsWith('.toml') || next.includes('/');
  if (!scenario && !commands.has(next)) {
    // Loaded only here: a command line without `--emulate WORD` never pays for the scenarios.
    const { builtinScenarioNames } = await import('../emulator/scenario/load.ts');
    scenario = builtinScenarioNames().includes(next.split(':')[0] ?? next);
  }
  if (scenario) return [...argv];
  return [...argv.slice(0, at), `--emulate=${DEFAULT_EMULATE}`, ...argv.slice(at + 1)];
}

/** The scenario a bare `--emulate` means (context.ts's DEFAULT_SCENARIO, kept here to load nothing). */
const DEFAULT_EMULATE = 'lab';

function toVgpuctlError(error: unknown): VgpuctlError {
  if (isVgpuctlError(error)) return error;
  const errno = error as NodeJS.ErrnoException;
  if (error instanceof Error && typeof errno.code === 'string' && /^E[A-Z]+$/.test(errno.code) && errno.path) {
    // A system call failed on a path the user chose (a target directory, a state directory):
    // the user can act on it, so it is a host error with the path and errno, not a bug.
    const what = error.message.replace(/^E[A-Z]+: /, '').split(',')[0] ?? errno.code;
    return new VgpuctlError('HOST_IO', `Cannot ${errno.syscall ?? 'use'} "${errno.path}": ${errno.code} (${what})`, {
      hint: 'Check that the path is right, that its parent directories exist and are directories, and that vgpuctl may write there',
      cause: error,
    });
  }
  if (isHostError(error)) {
    return new VgpuctlError(
      'HOST_IO',
      `Cannot ${error.op} "${error.path}": ${error.message.split(': ').slice(1).join(': ')}`,
      {
        hint: 'Check that the path exists and that vgpuctl runs with enough privileges (root for sysfs writes)',
        cause: error,
      },
    );
  }
  return new VgpuctlError('INTERNAL', `Cannot complete the command: ${(error as Error)?.message ?? String(error)}`, {
    hint: 'This is a bug in vgpuctl; run again with --debug and report the output',
    cause: error,
  });
}
