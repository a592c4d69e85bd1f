/**
 * The vgpuctl command line: parses arguments, runs a command, renders its data as text or
 * JSON. With main.ts, the only code that writes to stdout/stderr.
 */
import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import { isVgpuctlError, VgpuctlError } from '../core/errors.ts';
import { runInsideNamespace } from '../emulator/sandbox/inside-namespace.ts';
import { runInNewNamespace } from '../emulator/sandbox/run-sandboxed.ts';
import { isHostError } from '../host/host-port.ts';
import type { CommandResult } from './command-result.ts';
import { mountCommand, resetCommand, scenariosCommand, writeTreeCommand } from './commands/emulate.ts';
import { COMMAND_MODULES } from './commands/index.ts';
import { listCommand } from './commands/list.ts';
import { showCommand } from './commands/show.ts';
import { type CommandContext, finish, type GlobalOptions, loadScenarioArgument, openContext } from './context.ts';
import { renderError } from './render/error-text.ts';

/** Help of `emulate mount|run --fast-open` (the README explains the trade-off). */
const FAST_OPEN_HELP =
  "let the kernel open files without asking the server: repeated reads cost no request, and root's wrong-direction opens fail at read/write instead of open";

const VERSION = '0.1.0';

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
  const withHost = async (run: (context: CommandContext) => Promise<CommandResult>) => {
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

  program
    .command('list')
    .description('list every GPU with its driver, VRAM, IOMMU group and virtualization modes')
    .action(() => withHost((context) => listCommand(context)));

  program
    .command('show')
    .description('show everything about one GPU (or an mdev parent such as "nvidia")')
    .argument('<address>', 'PCI address (0000:3b:00.0 or 3b:00.0) or mdev parent name')
    .action((address) => withHost((context) => showCommand(context, address)));

  const emulate = program.command('emulate').description('work with emulated GPU hosts');
  emulate
    .command('scenarios')
    .description('list the built-in scenarios')
    .action(() => emit(scenariosCommand()));
  emulate
    .command('reset')
    .description('discard the saved changes of an emulated host')
    .argument('[scenario]', 'scenario name or TOML file (default: lab)')
    .action(async (scenario) => emit(await resetCommand(scenario, env)));
  emulate
    .command('write-tree')
    .description('write an emulated host as a plain directory tree (for --root, lspci)')
    .argument('<dir>', 'target directory')
    .option('--scenario <scenario>', 'scenario name or TOML file (default: lab)')
    .action(async (dir, options) => emit(await writeTreeCommand(dir, options.scenario, env)));

  emulate
    .command('mount')
    .description('serve an emulated host as a real filesystem at DIR until interrupted (needs root and /dev/fuse)')
    .argument('<dir>', 'mount point (an existing directory)')
    .option('--scenario <scenario>', 'scenario name or TOML file (default: lab)')
    .option('--fast-open', FAST_OPEN_HELP)
    .action(async (dir, options) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        globals = { ...globals, emulate: options.scenario ?? globals.emulate ?? true };
        await withHost(async (context) =>
          mountCommand(context, dir, log, stop.signal, { fastOpen: options.fastOpen === true }),
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  emulate
    .command('run')
    .description(
      'run a command in a private mount namespace where /sys, /dev/vfio and /etc/mdevctl.d show an emulated host',
    )
    .option('--scenario <scenario>', 'scenario name or TOML file (default: lab)')
    .option('--fast-open', FAST_OPEN_HELP)
    .argument('<command...>', 'the command and its arguments (put -- before them)')
    .action(async (command, options) => {
      const scenario = options.scenario ?? (typeof globals.emulate === 'string' ? globals.emulate : 'lab');
      await loadScenarioArgument(scenario); // fail here, with a clear message, before any namespace exists
      const status = await runInNewNamespace(
        { execPath: process.execPath, prefix: [new URL('../../bin/vgpuctl', import.meta.url).pathname] },
        (work) => [
          'emulate',
          '__sandbox',
          '--work',
          work,
          '--scenario',
          scenario,
          ...(options.fastOpen === true ? ['--fast-open'] : []),
          '--',
          ...command,
        ],
        env,
      );
      emit({ data: { status }, text: '', exitCode: status });
    });
  emulate
    .command('__sandbox', { hidden: true })
    .requiredOption('--work <dir>')
    .requiredOption('--scenario <scenario>')
    .option('--fast-open')
    .argument('<command...>')
    .action(async (command, options) => {
      globals = { ...globals, emulate: options.scenario };
      await withHost(async (context) => {
        const kernel = context.emulator?.kernel;
        if (kernel === undefined) throw new VgpuctlError('INTERNAL', 'Cannot run the sandbox: no emulated host');
        const status = await runInsideNamespace(
          kernel,
          command,
          { work: options.work, fastOpen: options.fastOpen === true },
          globals.debug ? log : () => {},
        );
        return { data: { status }, text: '', exitCode: status };
      });
    });

  for (const register of COMMAND_MODULES) register(program, { withHost, emit, env });

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
