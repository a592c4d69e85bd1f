/** Command-line syntax of `vgpuctl list` and `show`; their implementations load only when they run. */
import type { CommandModule } from '../commands/index.ts';

/** Registers `vgpuctl list`. */
export const listModule: CommandModule = (program, cli) => {
  program
    .command('list')
    .description('list every GPU with its driver, VRAM, IOMMU group and virtualization modes')
    .action(() => cli.withHost(async (context) => (await import('../commands/list.ts')).listCommand(context)));
};

/** Registers `vgpuctl show`. */
export const showModule: CommandModule = (program, cli) => {
  program
    .command('show')
    .description('show everything about one GPU (or an mdev parent such as "nvidia")')
    .argument('<address>', 'PCI address (0000:3b:00.0 or 3b:00.0) or mdev parent name')
    .action((address) =>
      cli.withHost(async (context) => (await import('../commands/show.ts')).showCommand(context, address)),
    );
};
