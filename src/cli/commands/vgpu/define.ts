/** `vgpuctl define`: persistent vGPUs (mdev in /etc/mdevctl.d, shared with mdevctl), or running ones made persistent. */
import { randomUUID } from 'node:crypto';
import { VgpuctlError } from '../../../core/errors.ts';
import { defineRunningVgpus, defineVgpus } from '../../../ops/vgpu/lifecycle.ts';
import type { DefineVgpusRequest } from '../../../ops/vgpu/plan-define.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import type { CommandModule } from '../index.ts';
import { collect, gpuOption, parseAttr, wholeNumber } from './options.ts';
import { dryRun, idLines, optional, vgpuDeps } from './shared.ts';

/** `vgpuctl define`: new vGPUs (with --type) or running ones (by id). */
async function defineCommand(
  context: CommandContext,
  ids: string[],
  request: Omit<DefineVgpusRequest, 'type'> & { type?: string | undefined },
): Promise<CommandResult> {
  const { type } = request;
  if (ids.length > 0 && type !== undefined) {
    throw new VgpuctlError(
      'USAGE',
      'Cannot define vGPUs: give either running vGPUs to persist or --type for new ones, not both',
      {
        hint: 'vgpuctl define UUID... | vgpuctl define --type TYPE [--gpu GPU] [--count N]',
      },
    );
  }
  if (ids.length === 0 && type === undefined) {
    throw new VgpuctlError('USAGE', 'Cannot define vGPUs: no --type and no running vGPU named', {
      hint: 'vgpuctl define --type TYPE [--gpu GPU] [--count N] [--auto], or vgpuctl define UUID to persist a running vGPU',
    });
  }
  const deps = vgpuDeps(context);
  const applied =
    type === undefined
      ? await defineRunningVgpus(deps, { ids, ...(request.start === undefined ? {} : { start: request.start }) })
      : await defineVgpus(deps, { ...request, type }, randomUUID);
  if (!applied.executed) return dryRun(applied);
  return {
    data: { defined: applied.result, attempts: applied.attempts },
    text: idLines(applied.result.map((d) => (d.kind === 'mdev' ? d.uuid : d.vf))),
  };
}

/** Registers `vgpuctl define`. */
export function registerDefine(program: Parameters<CommandModule>[0], cli: Parameters<CommandModule>[1]): void {
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
      cli.withHost((context) =>
        defineCommand(context, ids, {
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
}
