/** `vgpuctl create`: UUIDs are generated here, at the edge, so the planners stay pure. */
import { randomUUID } from 'node:crypto';
import { createVgpus } from '../../../ops/vgpu/lifecycle.ts';
import type { CreatedVgpus, CreateVgpusRequest } from '../../../ops/vgpu/plan-create.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import { createdRef } from '../../render/vgpu-json.ts';
import { dryRun, idLines, vgpuDeps } from './shared.ts';

/** `vgpuctl create`. */
export async function createCommand(context: CommandContext, request: CreateVgpusRequest): Promise<CommandResult> {
  const applied = await createVgpus(vgpuDeps(context, request.gpu), request, randomUUID);
  const refs = (created: CreatedVgpus) => (created as CreatedVgpus[number][]).map(createdRef);
  if (!applied.executed) return dryRun(applied, refs);
  const created = refs(applied.result);
  return { data: { created, attempts: applied.attempts }, text: idLines(created.map((c) => c.id)) };
}
