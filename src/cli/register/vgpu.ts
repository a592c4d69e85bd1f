/** Command-line syntax of the vGPU lifecycle; `../commands/vgpu.ts` is loaded only when one runs. */
import { Option } from '@commander-js/extra-typings';
import { VgpuctlError } from '../../core/errors.ts';
import type { StartMode } from '../../store/mdevctl-format.ts';
import type { CommandModule } from '../commands/index.ts';

const vgpu = () => import('../commands/vgpu.ts');

/** Parses `--count`, `--wait`, `--index`: a whole number. */
function wholeNumber(option: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot use ${option} "${text}": expected a whole number of at least ${min}`,
      {
        hint: `For example ${option} ${Math.max(min, 1)}`,
      },
    );
  }
  return Number(text);
}

/** Parses `--attr NAME=VALUE`. */
function parseAttr(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) {
    throw new VgpuctlError('INVALID_ARGUMENT', `Cannot use --attr "${text}": expected NAME=VALUE`, {
      hint: 'For example --attr vendor/foo=1',
    });
  }
  return [text.slice(0, at), text.slice(at + 1)];
}

const collect = (value: string, previous: string[]) => [...previous, value];

function startMode(auto: boolean | undefined, manual: boolean | undefined): StartMode | undefined {
  if (auto === true && manual === true) {
    throw new VgpuctlError('USAGE', 'Cannot use --auto and --manual together', { hint: 'Give one of them' });
  }
  return auto === true ? 'auto' : manual === true ? 'manual' : undefined;
}

function gpuOption(gpu: string | undefined, parent: string | undefined): string | undefined {
  if (gpu !== undefined && parent !== undefined && gpu !== parent) {
    throw new VgpuctlError(
      'USAGE',
      `Cannot use --gpu "${gpu}" with --parent "${parent}": --parent is another name for --gpu`,
      {
        hint: 'Give one of them',
      },
    );
  }
  return gpu ?? parent;
}

/** Registers the vGPU lifecycle commands. */
export const vgpuCommandModule: CommandModule = (program, cli) => {
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
        (await vgpu()).createCommand(context, {
          type: options.type,
          ...optional('gpu', gpuOption(options.gpu, options.parent)),
          ...optional('count', wholeNumber('--count', options.count, 0)),
          ...(options.uuid.length > 0 ? { uuids: options.uuid } : {}),
        }),
      ),
    );

  program
    .command('remove')
    .description('remove running vGPUs (UUIDs or VF addresses); their definitions stay')
    .argument('<id...>', 'UUIDs or VF addresses')
    .action((ids) => cli.withHost(async (context) => (await vgpu()).removeCommand(context, ids, 'remove')));

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
        (await vgpu()).vgpusCommand(context, { gpu: options.gpu, format: options.format, defined: options.defined }),
      ),
    );

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
        (await vgpu()).defineCommand(context, ids, {
          ...optional('type', options.type),
          ...optional('gpu', gpuOption(options.gpu, options.parent)),
          ...optional('count', wholeNumber('--count', options.count, 0)),
          ...(options.uuid.length > 0 ? { uuids: options.uuid } : {}),
          ...(options.auto === true ? { start: 'auto' as const } : {}),
          ...(options.attr.length > 0 ? { attrs: options.attr.map(parseAttr) } : {}),
          ...(options.start === true ? { startNow: true } : {}),
          ...(options.force === true ? { force: true } : {}),
        }),
      ),
    );

  program
    .command('undefine')
    .description('delete vGPU definitions (running vGPUs keep running)')
    .argument('<id...>', 'UUIDs or VF addresses')
    .option('--gpu <gpu>', 'only the definition under this parent')
    .option('--parent <gpu>', 'same as --gpu')
    .action((ids, options) =>
      cli.withHost(async (context) =>
        (await vgpu()).undefineCommand(context, ids, gpuOption(options.gpu, options.parent)),
      ),
    );

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
          return (await vgpu()).startAllAutoCommand(context, wholeNumber('--wait', options.wait, 0) ?? 0);
        }
        if (options.wait !== undefined) {
          throw new VgpuctlError('USAGE', 'Cannot use --wait without --all-auto', {
            hint: 'vgpuctl start --all-auto --wait 120',
          });
        }
        return (await vgpu()).startCommand(context, ids, gpuOption(options.gpu, options.parent));
      }),
    );

  program
    .command('stop')
    .description('stop running vGPUs (UUIDs or VF addresses); their definitions stay')
    .argument('<id...>', 'UUIDs or VF addresses')
    .action((ids) => cli.withHost(async (context) => (await vgpu()).removeCommand(context, ids, 'stop')));

  program
    .command('modify')
    .description('change a vGPU definition: type, autostart, attributes (as mdevctl modify)')
    .argument('<id>', 'UUID or VF address')
    .option('--gpu <gpu>', 'the definition under this parent, when a UUID has several')
    .option('--parent <gpu>', 'same as --gpu')
    .option('--type <type>', 'new type: id or name')
    .option('--auto', 'start at boot')
    .option('--manual', 'start only when asked')
    .option('--addattr <name>', 'add an attribute (with --value, at --index or last)')
    .option('--value <value>', 'value of --addattr')
    .option('--delattr', 'delete the attribute at --index (or the last)')
    .option('--index <n>', 'attribute position, from 0')
    .option('--force', 'accept a type the parent does not offer now')
    .action((id, options) =>
      cli.withHost(async (context) => {
        const index = wholeNumber('--index', options.index, 0);
        if (options.addattr !== undefined && options.value === undefined) {
          throw new VgpuctlError('USAGE', `Cannot add attribute "${options.addattr}": --value is missing`, {
            hint: '--addattr NAME --value VALUE',
          });
        }
        if (options.addattr !== undefined && options.delattr === true) {
          throw new VgpuctlError('USAGE', 'Cannot use --addattr and --delattr together', { hint: 'Run modify twice' });
        }
        return (await vgpu()).modifyCommand(context, {
          id,
          gpu: gpuOption(options.gpu, options.parent),
          type: options.type,
          start: startMode(options.auto, options.manual),
          addAttr:
            options.addattr === undefined ? undefined : { name: options.addattr, value: options.value ?? '', index },
          delAttr: options.delattr === true ? { index } : undefined,
          force: options.force,
        });
      }),
    );
};

/** `{ key: value }` when value is defined, else `{}` (exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
