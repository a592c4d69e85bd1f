/** Command-line syntax of `vgpuctl sriov`; `../commands/sriov.ts` is loaded only when it runs. */
import type { CommandModule } from '../commands/index.ts';

const sriov = () => import('../commands/sriov.ts');

/** Registers `vgpuctl sriov`. */
export const sriovModule: CommandModule = (program, cli) => {
  program
    .command('sriov')
    .description("show or set a GPU's SR-IOV virtual functions (--vfs 0 disables them)")
    .argument('<address>', 'PCI address of the GPU (physical function)')
    .option('--vfs <count>', 'number of VFs to enable; 0 removes them (a non-zero count changes only through 0)')
    .option('--autoprobe', 'let drivers probe new VFs automatically (sriov_drivers_autoprobe=1)')
    .option('--no-autoprobe', 'leave new VFs without a driver, e.g. to bind them to vfio-pci yourself')
    .action((address, options) =>
      cli.withHost(async (context) => (await sriov()).sriovCommand(context, address, options)),
    );
};
