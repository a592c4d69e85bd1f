/** Command-line syntax of `vgpuctl serve`; `../commands/serve.ts` (and the agent) load only when it runs. */
import { AGENT_SOCKET, HOST_FILE } from '../../store/paths.ts';
import type { CommandModule } from '../commands/index.ts';
import { refuseDryRun } from './refuse-dry-run.ts';

const serve = () => import('../commands/serve.ts');

/** Registers `vgpuctl serve`. */
export const serveModule: CommandModule = (program, cli) => {
  program
    .command('serve')
    .description('run the host agent: REST API, live events, metrics and dashboard (unix socket; TCP with --listen)')
    .option('--socket <path>', `unix socket (default ${AGENT_SOCKET}; with --emulate, beside the emulated state)`)
    .option('--socket-group <group>', 'group that may use the socket (mode 0660)')
    .option('--listen <host:port>', 'also listen on TCP (bearer tokens; without --token-file, one for this run)')
    .option('--token-file <file>', 'tokens accepted over TCP, mode 0600: lines "admin TOKEN" or "read TOKEN"')
    .option('--mount <dir>', 'with --emulate: also serve the emulated host as a filesystem at DIR')
    .option('--desired <file>', `desired state to reconcile continuously (default ${HOST_FILE} on the host)`)
    .option(
      '--poll <ms>',
      'longest time between two readings of sysfs (default 1000; 30000 with --emulate, whose writes are reported)',
    )
    .action((options) => {
      refuseDryRun(cli.globals(), 'serve', 'vgpuctl serve');
      return cli.withHost(async (context) => {
        const { serveCommand } = await serve();
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          return await serveCommand(context, options, stop.signal, (banner) => cli.emit(banner));
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    });
};
