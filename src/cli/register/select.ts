/** Command-line syntax of `vgpuctl select`; `../commands/select.ts` is loaded only when it runs. */
import { Option } from '@commander-js/extra-typings';
import { VgpuctlError } from '../../core/errors.ts';
import { GPU_MODES } from '../../manager/modes.ts';
import type { CommandModule } from '../commands/index.ts';
import { SELECT_OUTPUTS as OUTPUTS, SOFTWARE_APIS } from '../commands/select-choices.ts';

const select = () => import('../commands/select.ts');

const modeList = (extra: string[] = []) => [...extra, ...GPU_MODES].join('|');

/** Registers `vgpuctl select`. */
export const selectModule: CommandModule = (program, cli) => {
  program
    .command('select')
    .description(
      'choose how a VM gets a GPU (passthrough > sriov > mdev > software), plan or --apply it, print its VM configuration',
    )
    .option('--list', 'list every candidate with its verdict (why unavailable ones are)')
    .option(
      '--gpu-mode <mode>',
      `only this mode: ${modeList(['auto'])} (default auto: the best available; wgpu = software)`,
    )
    .option(
      '--gpu-device <address>',
      'only this GPU (PCI address), VF, mdev parent (nvidia) or render node (renderD128)',
    )
    .option('--mdev-type <type>', 'vGPU type id or name (nvidia-222, GRID T4-1B, T4-1B); implies --gpu-mode mdev')
    .option('--prefer <mode>', `try this mode first, then the ones below it (${modeList()})`)
    .option('--no-fallback', 'with --prefer: fail instead of falling back to a lower mode')
    .option('--index <n>', 'select candidate #n of "select --list"')
    .addOption(
      new Option('--software-api <api>', 'software GPU flavour').choices(SOFTWARE_APIS).default('auto' as const),
    )
    .option(
      '--vram <MiB>',
      "software GPU's host-memory budget (virtio-gpu max_hostmem; default: the GPU's virtual VRAM, else 1024/256)",
    )
    .option('--apply', 'initialize the selection (bind, enable a VF, create the vGPU); without it nothing changes')
    .addOption(
      new Option('--output <format>', 'what to print: a summary, a VM configuration, or the data')
        .choices(OUTPUTS)
        .default('text' as const),
    )
    .option(
      '--vm-uuid <uuid>',
      'the VM UUID (NVIDIA vGPUs need it on the QEMU command line); default: a new random one',
    )
    .option('--vgpu-uuid <uuid>', 'the UUID of the mdev to create; default: a new random one')
    .option('--vm-name <name>', 'the VM name in complete configurations (default vgpuctl-vm)')
    .action((options) => {
      if (cli.globals().json === true && options.output !== 'text' && options.output !== 'json') {
        throw new VgpuctlError(
          'USAGE',
          `Cannot use --json with --output ${options.output}: stdout holds either JSON or the ${options.output} configuration`,
          { hint: `Drop --json to print the ${options.output} configuration, or use --json alone for the data` },
        );
      }
      return cli.withHost(async (context) => (await select()).selectCommand(context, options));
    });
};
