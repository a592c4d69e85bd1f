/** `vgpuctl modify`: one definition's type, autostart and attributes. */
import { VgpuctlError } from '../../../core/errors.ts';
import { modifyVgpu } from '../../../ops/vgpu/lifecycle.ts';
import type { ModifyVgpuRequest } from '../../../ops/vgpu/plan-define.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import type { CommandModule } from '../index.ts';
import { gpuOption, startMode, wholeNumber } from './options.ts';
import { dryRun, vgpuDeps } from './shared.ts';

/** `vgpuctl modify`. */
async function modifyCommand(context: CommandContext, request: ModifyVgpuRequest): Promise<CommandResult> {
  const applied = await modifyVgpu(vgpuDeps(context), request);
  if (!applied.executed) return dryRun(applied);
  return {
    data: { modified: applied.result },
    text: `Modified the definition of vGPU ${request.id} (${applied.result.path}); a running vGPU changes at its next start`,
  };
}

/** Registers `vgpuctl modify`. */
export function registerModify(program: Parameters<CommandModule>[0], cli: Parameters<CommandModule>[1]): void {
  program
    .command('modify')
    .description('change a vGPU definition: type, autostart, attributes (as mdevctl modify)')
    .argument('<id>', 'UUID or VF address')
    .option('--gpu <gpu>', 'the definition under this parent, when a UUID has several')
    .option('--parent <gpu>', 'same as --gpu')
    .option('--type <type>', 'new type: id or name')
    .option('--auto', 'start at boot')
    .option('--manual', 'start only when asked')
    .option('--addattr <name>', 'add an attribute (with --value, at --index or last)')
    .option('--value <value>', 'value of --addattr')
    .option('--delattr', 'delete the attribute at --index (or the last)')
    .option('--index <n>', 'attribute position, from 0')
    .option('--force', 'accept a type the parent does not offer now')
    .action((id, options) =>
      cli.withHost((context) => {
        const index = wholeNumber('--index', options.index, 0);
        if (options.addattr !== undefined && options.value === undefined) {
          throw new VgpuctlError('USAGE', `Cannot add attribute "${options.addattr}": --value is missing`, {
            hint: '--addattr NAME --value VALUE',
          });
        }
        if (options.addattr !== undefined && options.delattr === true) {
          throw new VgpuctlError('USAGE', 'Cannot use --addattr and --delattr together', { hint: 'Run modify twice' });
        }
        return modifyCommand(context, {
          id,
          gpu: gpuOption(options.gpu, options.parent),
          type: options.type,
          start: startMode(options.auto, options.manual),
          addAttr:
            options.addattr === undefined ? undefined : { name: options.addattr, value: options.value ?? '', index },
          delAttr: options.delattr === true ? { index } : undefined,
          force: options.force,
        });
      }),
    );
}
