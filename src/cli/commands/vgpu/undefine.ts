/** `vgpuctl undefine`: definitions go, running vGPUs keep running. */
import { undefineVgpus } from '../../../ops/vgpu/lifecycle.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import { dryRun, vgpuDeps } from './shared.ts';

/** `vgpuctl undefine`. */
export async function undefineCommand(
  context: CommandContext,
  ids: string[],
  gpu: string | undefined,
): Promise<CommandResult> {
  const applied = await undefineVgpus(vgpuDeps(context), { ids, gpu });
  if (!applied.executed) return dryRun(applied);
  return { data: { undefined: ids }, text: ids.map((id) => `Undefined vGPU ${id}`).join('\n') };
}
