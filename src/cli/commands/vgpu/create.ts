/** `vgpuctl create`: UUIDs are generated here, at the edge, so the planners stay pure. */
import { randomUUID } from 'node:crypto';
import { createVgpus } from '../../../ops/vgpu/lifecycle.ts';
import type { CreatedVgpus, CreateVgpusRequest } from '../../../ops/vgpu/plan-create.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import { dryRun, idLines, vgpuDeps } from './shared.ts';

/** `vgpuctl create`. */
export async function createCommand(context: CommandContext, request: CreateVgpusRequest): Promise<CommandResult> {
  const applied = await createVgpus(vgpuDeps(context), request, randomUUID);
  if (!applied.executed) return dryRun(applied);
  const ids = (applied.result as CreatedVgpus[number][]).map((c) => (c.kind === 'mdev' ? c.uuid : c.vf));
  return { data: { created: applied.result, attempts: applied.attempts }, text: idLines(ids) };
}
