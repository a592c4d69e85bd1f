/** `vgpuctl undefine`: definitions go, running vGPUs keep running. */
import { undefineVgpus } from '../../../ops/vgpu/lifecycle.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import type { CommandModule } from '../index.ts';
import { gpuOption } from './options.ts';
import { dryRun, vgpuDeps } from './shared.ts';

/** `vgpuctl undefine`. */
async function undefineCommand(
  context: CommandContext,
  ids: string[],
  gpu: string | undefined,
): Promise<CommandResult> {
  const applied = await undefineVgpus(vgpuDeps(context), { ids, gpu });
  if (!applied.executed) return dryRun(applied);
  return { data: { undefined: ids }, text: ids.map((id) => `Undefined vGPU ${id}`).join('\n') };
}

/** Registers `vgpuctl undefine`. */
export function registerUndefine(program: Parameters<CommandModule>[0], cli: Parameters<CommandModule>[1]): void {
  program
    .command('undefine')
    .description('delete vGPU definitions (running vGPUs keep running)')
    .argument('<id...>', 'UUIDs or VF addresses')
    .option('--gpu <gpu>', 'only the definition under this parent')
    .option('--parent <gpu>', 'same as --gpu')
    .action((ids, options) =>
      cli.withHost((context) => undefineCommand(context, ids, gpuOption(options.gpu, options.parent))),
    );
}
