/** Command-line syntax of `vgpuctl apply`; `../commands/apply.ts` is loaded only when it runs. */
import type { CommandModule } from '../commands/index.ts';

const apply = () => import('../commands/apply.ts');

/** Registers `vgpuctl apply`. */
export const applyModule: CommandModule = (program, cli) => {
  program
    .command('apply')
    .description('make the host match a desired-state file (vGPUs, bindings, VFs); removes only what vgpuctl created')
    .argument('<file>', 'desired state, TOML (the agent reads /etc/vgpuctl/host.toml)')
    .action((file) => cli.withHost(async (context) => (await apply()).applyCommand(context, file)));
};
