/** `vgpuctl create`: transient vGPUs of a type. UUIDs are generated here, at the edge, so the planners stay pure. */
import { randomUUID } from 'node:crypto';
import { createVgpus } from '../../../ops/vgpu/lifecycle.ts';
import type { CreatedVgpus, CreateVgpusRequest } from '../../../ops/vgpu/plan-create.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import type { CommandModule } from '../index.ts';
import { collect, gpuOption, wholeNumber } from './options.ts';
import { dryRun, idLines, optional, vgpuDeps } from './shared.ts';

/** `vgpuctl create`. */
async function createCommand(context: CommandContext, request: CreateVgpusRequest): Promise<CommandResult> {
  const applied = await createVgpus(vgpuDeps(context), request, randomUUID);
  if (!applied.executed) return dryRun(applied);
  const ids = (applied.result as CreatedVgpus[number][]).map((c) => (c.kind === 'mdev' ? c.uuid : c.vf));
  return { data: { created: applied.result, attempts: applied.attempts }, text: idLines(ids) };
}

/** Registers `vgpuctl create`. */
export function registerCreate(program: Parameters<CommandModule>[0], cli: Parameters<CommandModule>[1]): void {
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
      cli.withHost((context) =>
        createCommand(context, {
          type: options.type,
          ...optional('gpu', gpuOption(options.gpu, options.parent)),
          ...optional('count', wholeNumber('--count', options.count, 0)),
          ...(options.uuid.length > 0 ? { uuids: options.uuid } : {}),
        }),
      ),
    );
}
