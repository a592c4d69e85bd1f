/** Command-line syntax of `vgpuctl start` and `stop`; their implementations load only when they run. */
import { VgpuctlError } from '../../../core/errors.ts';
import type { CommandModule } from '../../commands/index.ts';
import { gpuOption, wholeNumber } from './options.ts';

const start = () => import('../../commands/vgpu/start.ts');

/** Registers `vgpuctl start`. */
export const startModule: CommandModule = (program, cli) => {
  program
    .command('start')
    .description('start defined vGPUs, or with --all-auto every autostart one (waiting for late parents and types)')
    .argument('[id...]', 'UUIDs or VF addresses of defined vGPUs')
    .option('--gpu <gpu>', 'the definition under this parent, when a UUID has several')
    .option('--parent <gpu>', 'same as --gpu')
    .option('--all-auto', 'start every definition with start "auto"')
    .option('--wait <seconds>', 'with --all-auto: wait up to SECONDS for parents, VFs and types to appear (default 0)')
    .action((ids, options) =>
      cli.withHost(async (context) => {
        if (options.allAuto === true) {
          if (ids.length > 0) {
            throw new VgpuctlError('USAGE', 'Cannot start vGPUs: give ids or --all-auto, not both', {
              hint: 'vgpuctl start --all-auto --wait 120',
            });
          }
          return (await start()).startAllAutoCommand(
            context,
            wholeNumber('--wait', options.wait, 0) ?? 0,
            cli.progress,
          );
        }
        if (options.wait !== undefined) {
          throw new VgpuctlError('USAGE', 'Cannot use --wait without --all-auto', {
            hint: 'vgpuctl start --all-auto --wait 120',
          });
        }
        return (await start()).startCommand(context, ids, gpuOption(options.gpu, options.parent));
      }),
    );
};

/** Registers `vgpuctl stop`. */
export const stopModule: CommandModule = (program, cli) => {
  program
    .command('stop')
    .description('stop running vGPUs (UUIDs or VF addresses); their definitions stay')
    .argument('<id...>', 'UUIDs or VF addresses')
    .action((ids) =>
      cli.withHost(async (context) =>
        (await import('../../commands/vgpu/remove.ts')).removeCommand(context, ids, 'stop'),
      ),
    );
};
