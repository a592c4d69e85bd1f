/** `vgpuctl start`: defined vGPUs, or with --all-auto every autostart one. */
import { EXIT_CODES, VgpuctlError } from '../../../core/errors.ts';
import { renderPlanAsShell } from '../../../core/plan.ts';
import { type AutostartReport, startAllAuto } from '../../../ops/vgpu/autostart.ts';
import { startVgpus } from '../../../ops/vgpu/lifecycle.ts';
import { definitionId } from '../../../ops/vgpu/plan-start.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import { renderAutostart } from '../../render/vgpu-list.ts';
import type { CommandModule } from '../index.ts';
import { gpuOption, wholeNumber } from './options.ts';
import { dryRun, vgpuDeps } from './shared.ts';

/** `vgpuctl start ID...`. */
async function startCommand(context: CommandContext, ids: string[], gpu: string | undefined): Promise<CommandResult> {
  const applied = await startVgpus(vgpuDeps(context), { ids, gpu });
  if (!applied.executed) return dryRun(applied);
  const lines = [
    ...applied.result.started.map((d) => `Started vGPU ${definitionId(d)}`),
    ...applied.result.running.map((d) => `vGPU ${definitionId(d)} is already running`),
  ];
  return {
    data: { started: applied.result.started.map(definitionId), running: applied.result.running.map(definitionId) },
    text: lines.join('\n'),
  };
}

/** `vgpuctl start --all-auto [--wait SECONDS]`. */
async function startAllAutoCommand(
  context: CommandContext,
  waitSeconds: number,
): Promise<CommandResult<AutostartReport>> {
  const report = await startAllAuto(vgpuDeps(context), { waitSeconds });
  const failed = report.outcomes.some((o) => o.status === 'failed');
  const text = renderAutostart(report.outcomes, report.waitedMs);
  return {
    data: report,
    text: report.plan === null ? text : `${renderPlanAsShell(report.plan)}\n\n${text}`,
    ...(failed ? { exitCode: EXIT_CODES.host } : {}),
  };
}

/** Registers `vgpuctl start`. */
export function registerStart(program: Parameters<CommandModule>[0], cli: Parameters<CommandModule>[1]): void {
  program
    .command('start')
    .description('start defined vGPUs, or with --all-auto every autostart one (waiting for late parents and types)')
    .argument('[id...]', 'UUIDs or VF addresses of defined vGPUs')
    .option('--gpu <gpu>', 'the definition under this parent, when a UUID has several')
    .option('--parent <gpu>', 'same as --gpu')
    .option('--all-auto', 'start every definition with start "auto"')
    .option('--wait <seconds>', 'with --all-auto: wait up to SECONDS for parents, VFs and types to appear (default 0)')
    .action((ids, options) =>
      cli.withHost((context) => {
        if (options.allAuto === true) {
          if (ids.length > 0) {
            throw new VgpuctlError('USAGE', 'Cannot start vGPUs: give ids or --all-auto, not both', {
              hint: 'vgpuctl start --all-auto --wait 120',
            });
          }
          return startAllAutoCommand(context, wholeNumber('--wait', options.wait, 0) ?? 0);
        }
        if (options.wait !== undefined) {
          throw new VgpuctlError('USAGE', 'Cannot use --wait without --all-auto', {
            hint: 'vgpuctl start --all-auto --wait 120',
          });
        }
        return startCommand(context, ids, gpuOption(options.gpu, options.parent));
      }),
    );
}
