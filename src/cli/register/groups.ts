/** Command-line syntax of `vgpuctl groups`; `../commands/groups.ts` is loaded only when it runs. */
import type { CommandModule } from '../commands/index.ts';

const groups = () => import('../commands/groups.ts');

/** Registers `vgpuctl groups`. */
export const groupsModule: CommandModule = (program, cli) => {
  program
    .command('groups')
    .description('list IOMMU groups with every device, its driver, and whether VFIO can use the group')
    .argument('[group]', 'a group id, or a PCI address to show the group holding it')
    .action((filter) => cli.withHost(async (context) => (await groups()).groupsCommand(context, filter)));
};
