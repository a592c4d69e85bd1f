/**
 * The vGPU lifecycle: `create`, `remove`, `vgpus`, and persistent `define`, `undefine`,
 * `start`, `stop`, `modify`, `start --all-auto`. UUIDs are generated here, at the edge, so the
 * planners stay pure; every command honours `--dry-run` by printing its plan.
 */
import type { CommandModule } from './index.ts';
import { registerCreate } from './vgpu/create.ts';
import { registerDefine } from './vgpu/define.ts';
import { registerVgpus } from './vgpu/list.ts';
import { registerModify } from './vgpu/modify.ts';
import { registerRemove, registerStop } from './vgpu/remove.ts';
import { registerStart } from './vgpu/start.ts';
import { registerUndefine } from './vgpu/undefine.ts';

/** Registers the vGPU lifecycle commands, in the order help lists them. */
export const vgpuCommandModule: CommandModule = (program, cli) => {
  registerCreate(program, cli);
  registerRemove(program, cli);
  registerVgpus(program, cli);
  registerDefine(program, cli);
  registerUndefine(program, cli);
  registerStart(program, cli);
  registerStop(program, cli);
  registerModify(program, cli);
};
