/** Command-line syntax of `vgpuctl profiles`; `../commands/profiles.ts` is loaded only when it runs. */
import type { CommandModule } from '../commands/index.ts';

const profiles = () => import('../commands/profiles.ts');

/** Registers `vgpuctl profiles`. */
export const profilesModule: CommandModule = (program, cli) => {
  program
    .command('profiles')
    .description("list the NVIDIA vGPU profiles of the host's GPUs (or of a board: T4, L40S …) with their sources")
    .option('--gpu <gpu>', 'one GPU (PCI address) or a board name from the catalog')
    .action((options) =>
      cli.withHost(async (context) => (await profiles()).profilesCommand(context, { gpu: options.gpu })),
    );
};
