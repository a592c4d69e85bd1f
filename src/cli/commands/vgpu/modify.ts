/** `vgpuctl modify`: change a definition (as mdevctl modify); a running vGPU changes at its next start. */
import { modifyVgpu } from '../../../ops/vgpu/lifecycle.ts';
import type { ModifyVgpuRequest } from '../../../ops/vgpu/plan-define.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import { definitionRef } from '../../render/vgpu-json.ts';
import { dryRun, vgpuDeps } from './shared.ts';

/** `vgpuctl modify`. */
export async function modifyCommand(context: CommandContext, request: ModifyVgpuRequest): Promise<CommandResult> {
  const applied = await modifyVgpu(vgpuDeps(context), request);
  if (!applied.executed) return dryRun(applied, definitionRef);
  return {
    data: { modified: definitionRef(applied.result) },
    text: `Modified the definition of vGPU ${request.id} (${applied.result.path}); a running vGPU changes at its next start`,
  };
}
