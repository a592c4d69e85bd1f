/** `vgpuctl define`: new persistent vGPUs (with --type) or running ones made persistent (by id). */
import { randomUUID } from 'node:crypto';
import { VgpuctlError } from '../../../core/errors.ts';
import { defineRunningVgpus, defineVgpus } from '../../../ops/vgpu/lifecycle.ts';
import type { DefinedVgpu, DefineVgpusRequest } from '../../../ops/vgpu/plan-define.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import { definedRef } from '../../render/vgpu-json.ts';
import { dryRun, idLines, vgpuDeps } from './shared.ts';

/** `vgpuctl define`: new vGPUs (with --type) or running ones (by id). */
export async function defineCommand(
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
  const deps = vgpuDeps(context, request.gpu);
  const applied =
    type === undefined
      ? await defineRunningVgpus(deps, { ids, ...(request.start === undefined ? {} : { start: request.start }) })
      : await defineVgpus(deps, { ...request, type }, randomUUID);
  const refs = (defined: DefinedVgpu[]) => defined.map(definedRef);
  if (!applied.executed) return dryRun(applied, refs);
  const notes = applied.plan.notes ?? [];
  const defined = refs(applied.result);
  return {
    data: { defined, attempts: applied.attempts, ...(notes.length > 0 ? { notes } : {}) },
    text: idLines(defined.map((d) => d.id)),
    notes,
  };
}
