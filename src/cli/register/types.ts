/** Command-line syntax of `vgpuctl types`; `../commands/types.ts` is loaded only when it runs. */
import { Option } from '@commander-js/extra-typings';
import { VgpuctlError } from '../../core/errors.ts';
import type { CommandModule } from '../commands/index.ts';

const types = () => import('../commands/types.ts');

/** Registers `vgpuctl types`. */
export const typesCommandModule: CommandModule = (program, cli) => {
  program
    .command('types')
    .description('list the vGPU types each GPU offers (mdev and NVIDIA vendor-VFIO), with capacity')
    .argument('[gpu]', 'a GPU PCI address or mdev parent name (same as --gpu)')
    .option('--gpu <gpu>', 'only this GPU or mdev parent (PCI address, or a name such as "nvidia")')
    .option('--name <text>', 'only types whose name or id contains TEXT (case-insensitive)')
    .option('--available', 'only types with instances available now')
    .addOption(
      new Option('--format <format>', 'table, or mdevctl for "mdevctl types --dumpjson" JSON').choices([
        'table',
        'mdevctl',
      ] as const),
    )
    .action((gpuArgument, options) =>
      cli.withHost(async (context) => {
        if (gpuArgument !== undefined && options.gpu !== undefined && gpuArgument !== options.gpu) {
          throw new VgpuctlError(
            'USAGE',
            `Cannot list vGPU types: GPU given twice ("${gpuArgument}" and --gpu "${options.gpu}")`,
            {
              hint: 'Give the GPU once',
            },
          );
        }
        return (await types()).typesCommand(context, {
          gpu: gpuArgument ?? options.gpu,
          name: options.name,
          available: options.available,
          format: options.format,
        });
      }),
    );
};
