/** `vgpuctl remove` and `vgpuctl stop`: running vGPUs go, their definitions stay. */
import { removeVgpus } from '../../../ops/vgpu/lifecycle.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import type { CommandModule } from '../index.ts';
import { dryRun, vgpuDeps } from './shared.ts';

/** `vgpuctl remove` and `vgpuctl stop`. */
async function removeCommand(context: CommandContext, ids: string[], verb: 'remove' | 'stop'): Promise<CommandResult> {
  const applied = await removeVgpus(vgpuDeps(context), ids, verb);
  if (!applied.executed) return dryRun(applied);
  const past = verb === 'remove' ? 'Removed' : 'Stopped';
  return {
    data: { [verb === 'remove' ? 'removed' : 'stopped']: ids },
    text: ids.map((id) => `${past} vGPU ${id}`).join('\n'),
  };
}

/** Registers `vgpuctl remove`. */
export function registerRemove(program: Parameters<CommandModule>[0], cli: Parameters<CommandModule>[1]): void {
  program
    .command('remove')
    .description('remove running vGPUs (UUIDs or VF addresses); their definitions stay')
    .argument('<id...>', 'UUIDs or VF addresses')
    .action((ids) => cli.withHost((context) => removeCommand(context, ids, 'remove')));
}

/** Registers `vgpuctl stop`. */
export function registerStop(program: Parameters<CommandModule>[0], cli: Parameters<CommandModule>[1]): void {
  program
    .command('stop')
    .description('stop running vGPUs (UUIDs or VF addresses); their definitions stay')
    .argument('<id...>', 'UUIDs or VF addresses')
    .action((ids) => cli.withHost((context) => removeCommand(context, ids, 'stop')));
}
