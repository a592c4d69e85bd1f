/** Command-line syntax of `vgpuctl define` and `undefine`; their implementations load only when they run. */
import type { CommandModule } from '../../commands/index.ts';
import { collect, gpuOption, optional, parseAttr, wholeNumber } from './options.ts';

/** Registers `vgpuctl define`. */
export const defineModule: CommandModule = (program, cli) => {
  program
    .command('define')
    .description(
      'define persistent vGPUs (mdev: in /etc/mdevctl.d, shared with mdevctl); or make running vGPUs persistent',
    )
    .argument('[id...]', 'running vGPUs to make persistent (UUIDs or VF addresses)')
    .option('--type <type>', 'type of new vGPUs: id, NVIDIA number or name')
    .option('--gpu <gpu>', 'GPU PCI address, VF address, or mdev parent name')
    .option('--parent <gpu>', 'same as --gpu (mdevctl spelling)')
    .option('--uuid <uuid>', 'UUID of an mdev vGPU (repeat for several)', collect, [] as string[])
    .option('--count <n>', 'how many')
    .option('--auto', 'start at boot ("vgpuctl start --all-auto", mdevctl\'s udev rule)')
    .option(
      '--attr <name=value>',
      'mdev attribute written after creation (repeat; kept in order)',
      collect,
      [] as string[],
    )
    .option('--start', 'start them now as well')
    .option('--force', 'define on an mdev parent that is absent now (needs --gpu and a type id)')
    .action((ids, options) =>
      cli.withHost(async (context) =>
        (await import('../../commands/vgpu/define.ts')).defineCommand(context, ids, {
          ...optional('type', options.type),
          ...optional('gpu', gpuOption(options.gpu, options.parent)),
          ...optional('count', wholeNumber('--count', options.count, 1)),
          ...(options.uuid.length > 0 ? { uuids: options.uuid } : {}),
          ...(options.auto === true ? { start: 'auto' as const } : {}),
          ...(options.attr.length > 0 ? { attrs: options.attr.map(parseAttr) } : {}),
          ...(options.start === true ? { startNow: true } : {}),
          ...(options.force === true ? { force: true } : {}),
        }),
      ),
    );
};

/** Registers `vgpuctl undefine`. */
export const undefineModule: CommandModule = (program, cli) => {
  program
    .command('undefine')
    .description('delete vGPU definitions (running vGPUs keep running)')
    .argument('<id...>', 'UUIDs or VF addresses')
    .option('--gpu <gpu>', 'only the definition under this parent')
    .option('--parent <gpu>', 'same as --gpu')
    .action((ids, options) =>
      cli.withHost(async (context) =>
        (await import('../../commands/vgpu/undefine.ts')).undefineCommand(
          context,
          ids,
          gpuOption(options.gpu, options.parent),
        ),
      ),
    );
};
