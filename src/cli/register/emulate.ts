/**
 * Command-line syntax of `vgpuctl emulate …`; the emulator, the FUSE server and the sandbox
 * load only when a subcommand runs.
 */
import { VgpuctlError } from '../../core/errors.ts';
import type { CommandModule } from '../commands/index.ts';
import { refuseDryRun } from './refuse-dry-run.ts';

/** Help of `emulate mount|run --fast-open` (the README explains the trade-off). */
const FAST_OPEN_HELP =
  "let the kernel open files without asking the server: repeated reads cost no request, and root's wrong-direction opens fail at read/write instead of open";

const emulateCommands = () => import('../commands/emulate.ts');

/** Registers `vgpuctl emulate` and its subcommands. */
export const emulateModule: CommandModule = (program, cli) => {
  const emulate = program.command('emulate').description('work with emulated GPU hosts');
  emulate
    .command('scenarios')
    .description('list the built-in scenarios')
    .action(async () => cli.emit((await emulateCommands()).scenariosCommand()));
  emulate
    .command('reset')
    .description('discard the saved changes of an emulated host')
    .argument('[scenario]', 'scenario name or TOML file (default: lab)')
    .action(async (scenario) =>
      cli.emit(await (await emulateCommands()).resetCommand(scenario, cli.env, { dryRun: cli.globals().dryRun })),
    );
  emulate
    .command('write-tree')
    .description('write an emulated host as a plain directory tree (for --root, lspci)')
    .argument('<dir>', 'target directory')
    .option('--scenario <scenario>', 'scenario name or TOML file (default: lab)')
    .action(async (dir, options) =>
      cli.emit(
        await (await emulateCommands()).writeTreeCommand(dir, options.scenario, cli.env, {
          dryRun: cli.globals().dryRun,
        }),
      ),
    );

  emulate
    .command('mount')
    .description('serve an emulated host as a real filesystem at DIR until interrupted (needs root and /dev/fuse)')
    .argument('<dir>', 'mount point (an existing directory)')
    .option('--scenario <scenario>', 'scenario name or TOML file (default: lab)')
    .option('--fast-open', FAST_OPEN_HELP)
    .action(async (dir, options) => {
      refuseDryRun(cli.globals(), 'serve an emulated host', 'vgpuctl emulate mount DIR');
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await cli.withHost(
          async (context) =>
            (await emulateCommands()).mountCommand(context, dir, cli.log, stop.signal, {
              fastOpen: options.fastOpen === true,
            }),
          { emulate: options.scenario ?? cli.globals().emulate ?? true },
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
      refuseDryRun(cli.globals(), 'run a command on an emulated host', 'vgpuctl emulate run -- COMMAND');
      const globalEmulate = cli.globals().emulate;
      const scenario = options.scenario ?? (typeof globalEmulate === 'string' ? globalEmulate : 'lab');
      const { loadScenarioArgument } = await import('../context.ts');
      await loadScenarioArgument(scenario); // fail here, with a clear message, before any namespace exists
      const { runInNewNamespace } = await import('../../emulator/sandbox/run-sandboxed.ts');
      const status = await runInNewNamespace(
        { execPath: process.execPath, prefix: [cli.executable] },
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
        cli.env,
      );
      cli.emit({ data: { status }, text: '', exitCode: status });
    });
  emulate
    .command('__sandbox', { hidden: true })
    .requiredOption('--work <dir>')
    .requiredOption('--scenario <scenario>')
    .option('--fast-open')
    .argument('<command...>')
    .action(async (command, options) => {
      await cli.withHost(
        async (context) => {
          const kernel = context.emulator?.kernel;
          if (kernel === undefined) throw new VgpuctlError('INTERNAL', 'Cannot run the sandbox: no emulated host');
          const { runInsideNamespace } = await import('../../emulator/sandbox/inside-namespace.ts');
          const status = await runInsideNamespace(
            kernel,
            command,
            { work: options.work, fastOpen: options.fastOpen === true },
            cli.globals().debug ? cli.log : () => {},
          );
          return { data: { status }, text: '', exitCode: status };
        },
        { emulate: options.scenario },
      );
    });
};
