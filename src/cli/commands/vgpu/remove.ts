/** `vgpuctl remove` and `vgpuctl stop`: running vGPUs go, their definitions stay. */
import { removeVgpus } from '../../../ops/vgpu/lifecycle.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import { dryRun, parentsOf, vgpuDeps } from './shared.ts';

/** `vgpuctl remove` and `vgpuctl stop`. */
export async function removeCommand(
  context: CommandContext,
  ids: string[],
  verb: 'remove' | 'stop',
): Promise<CommandResult> {
  const applied = await removeVgpus(vgpuDeps(context, await parentsOf(context.host, ids)), ids, verb);
  if (!applied.executed) return dryRun(applied);
  const past = verb === 'remove' ? 'Removed' : 'Stopped';
  return {
    data: { [verb === 'remove' ? 'removed' : 'stopped']: ids },
    text: ids.map((id) => `${past} vGPU ${id}`).join('\n'),
  };
}
