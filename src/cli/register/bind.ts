/** Command-line syntax of `vgpuctl bind` and `unbind`; `../commands/bind.ts` is loaded only when one runs. */
import { Option } from '@commander-js/extra-typings';
import { DEFAULT_BIND_DRIVER } from '../../ops/passthrough/driver-name.ts';
import type { CommandModule } from '../commands/index.ts';

const bind = () => import('../commands/bind.ts');

/** Registers `vgpuctl bind` and `vgpuctl unbind` (alias `restore`). */
export const bindModule: CommandModule = (program, cli) => {
  program
    .command('bind')
    .description("move a GPU's whole IOMMU group to vfio-pci (records the drivers before, rolls back on failure)")
    .argument('<address>', 'PCI address of the GPU (0000:01:00.0 or 01:00.0)')
    .addOption(new Option('--driver <name>', 'VFIO or stub driver to bind to').default(DEFAULT_BIND_DRIVER))
    .option('--force', 'bind even the boot VGA device, a device in use, or a group shared with other devices')
    .option('--persist', 'keep the binding across reboots (writes driverctl override files)')
    .action((address, options) =>
      cli.withHost(async (context) => (await bind()).bindCommand(context, address, options)),
    );
  program
    .command('unbind')
    .alias('restore')
    .description('return a GPU\'s IOMMU group to the drivers it had before "vgpuctl bind" (or the default ones)')
    .argument('<address>', 'PCI address of the GPU or another device of its group')
    .action((address) => cli.withHost(async (context) => (await bind()).unbindCommand(context, address)));
};
