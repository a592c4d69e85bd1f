/**
 * The vgpuctl command line: parses arguments, runs a command, renders its data as text or
 * JSON. With main.ts, the only code that writes to stdout/stderr.
 */
import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import { isVgpuctlError, VgpuctlError } from '../core/errors.ts';
import { isHostError } from '../host/host-port.ts';
import type { CommandResult } from './command-result.ts';
import { COMMAND_MODULES } from './commands/index.ts';
import type { CommandContext, GlobalOptions } from './context.ts';
import { renderError } from './render/error-text.ts';
import { VERSION } from './version.ts';

/** Runs vgpuctl with `argv` (without node and script); resolves to the exit status. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let globals: GlobalOptions = {};
  let exitCode = 0;

  const emit = (result: CommandResult) => {
    const out = globals.json ? JSON.stringify(result.data, null, 2) : result.text;
    if (out !== '') process.stdout.write(`${out}\n`);
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
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .hook('preAction', (command) => {
      globals = command.optsWithGlobals();
    });

  for (const register of COMMAND_MODULES)
    register(program, {
      withHost,
      emit,
      globals: () => globals,
      log,
      env,
      executable: new URL('../../bin/vgpuctl', import.meta.url).pathname,
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; parse errors were already printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    const known = toVgpuctlError(error);
    process.stderr.write(`${globals.json ? JSON.stringify({ error: known.toJSON() }, null, 2) : renderError(known)}\n`);
    if (globals.debug || argv.includes('--debug')) process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    return known.exitCode;
  }
}

function toVgpuctlError(error: unknown): VgpuctlError {
  if (isVgpuctlError(error)) return error;
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
