/** Command-line syntax of `vgpuctl vgpus`; its implementation loads only when it runs. */
import { Option } from '@commander-js/extra-typings';
import type { CommandModule } from '../../commands/index.ts';

/** Registers `vgpuctl vgpus`. */
export const vgpusModule: CommandModule = (program, cli) => {
  program
    .command('vgpus')
    .description('list running and defined vGPUs with their state')
    .option('--gpu <gpu>', 'only this GPU or mdev parent')
    .option('--defined', 'only defined vGPUs (with --format mdevctl: as "mdevctl list --defined --dumpjson")')
    .addOption(
      new Option('--format <format>', 'table, or mdevctl for "mdevctl list --dumpjson" JSON').choices([
        'table',
        'mdevctl',
      ] as const),
    )
    .action((options) =>
      cli.withHost(async (context) =>
        (await import('../../commands/vgpu/vgpus.ts')).vgpusCommand(context, {
          gpu: options.gpu,
          format: options.format,
          defined: options.defined,
        }),
      ),
    );
};
