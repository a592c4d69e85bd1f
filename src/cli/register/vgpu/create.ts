/** Command-line syntax of `vgpuctl create` and `remove`; their implementations load only when they run. */
import type { CommandModule } from '../../commands/index.ts';
import { collect, gpuOption, optional, wholeNumber } from './options.ts';

/** Registers `vgpuctl create`. */
export const createModule: CommandModule = (program, cli) => {
  program
    .command('create')
    .description(
      'create vGPUs of a type (mdev or NVIDIA vendor-VFIO), on a GPU or wherever they fit; prints their UUIDs or VF addresses',
    )
    .requiredOption('--type <type>', 'type id (nvidia-222), NVIDIA number (222) or name (GRID T4-1B, T4-1B)')
    .option('--gpu <gpu>', 'GPU PCI address, VF address, or mdev parent name (e.g. nvidia)')
    .option('--parent <gpu>', 'same as --gpu (mdevctl spelling)')
    .option('--uuid <uuid>', 'UUID of an mdev vGPU (repeat for several)', collect, [] as string[])
    .option('--count <n>', 'how many (default: the number of --uuid, else 1)')
    .action((options) =>
      cli.withHost(async (context) =>
        (await import('../../commands/vgpu/create.ts')).createCommand(context, {
          type: options.type,
          ...optional('gpu', gpuOption(options.gpu, options.parent)),
          ...optional('count', wholeNumber('--count', options.count, 1)),
          ...(options.uuid.length > 0 ? { uuids: options.uuid } : {}),
        }),
      ),
    );
};

/** Registers `vgpuctl remove`. */
export const removeModule: CommandModule = (program, cli) => {
  program
    .command('remove')
    .description('remove running vGPUs (UUIDs or VF addresses); their definitions stay')
    .argument('<id...>', 'UUIDs or VF addresses')
    .action((ids) =>
      cli.withHost(async (context) =>
        (await import('../../commands/vgpu/remove.ts')).removeCommand(context, ids, 'remove'),
      ),
    );
};
