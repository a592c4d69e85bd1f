/** `vgpuctl start ID...` and `vgpuctl start --all-auto [--wait SECONDS]`. */
import { EXIT_CODES } from '../../../core/errors.ts';
import { renderPlanAsShell } from '../../../core/plan.ts';
import { type AutostartReport, startAllAuto } from '../../../ops/vgpu/autostart.ts';
import { startVgpus } from '../../../ops/vgpu/lifecycle.ts';
import { definitionId } from '../../../ops/vgpu/plan-start.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import { autostartProgress } from '../../progress.ts';
import { renderAutostart } from '../../render/vgpu-list.ts';
import { dryRun, parentsOf, vgpuDeps } from './shared.ts';

/** `vgpuctl start ID...`. */
export async function startCommand(
  context: CommandContext,
  ids: string[],
  gpu: string | undefined,
): Promise<CommandResult> {
  const applied = await startVgpus(vgpuDeps(context, gpu ?? (await parentsOf(context.host, ids))), { ids, gpu });
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
export async function startAllAutoCommand(
  context: CommandContext,
  waitSeconds: number,
  progress: (line: string) => void = () => {},
): Promise<CommandResult<AutostartReport>> {
  const report = await startAllAuto(vgpuDeps(context), {
    waitSeconds,
    onWait: (wait) => {
      const line = autostartProgress(wait);
      if (line !== undefined) progress(line);
    },
  });
  const failed = report.outcomes.some((o) => o.status === 'failed');
  const text = renderAutostart(report.outcomes, report.waitedMs);
  return {
    data: report,
    text: report.plan === null ? text : `${renderPlanAsShell(report.plan)}\n\n${text}`,
    ...(failed ? { exitCode: EXIT_CODES.host } : {}),
  };
}
