/** `vgpuctl apply FILE [--dry-run]`: make the host match a desired-state file, once. */
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { operationsRunner } from '../../agent/action-runner.ts';
import { Operations } from '../../agent/operations.ts';
import { EXIT_CODES, VgpuctlError } from '../../core/errors.ts';
import { renderPlanAsShell } from '../../core/plan.ts';
import { discover } from '../../discovery/discover.ts';
import { hostState } from '../../model/host-state.ts';
import { type ApplyDesiredReport, applyDesired } from '../../ops/desired/apply-desired.ts';
import { parseHostFile } from '../../ops/desired/host-file.ts';
import { renderReconcile } from '../../ops/desired/plan-reconcile.ts';
import { readDefinitions } from '../../store/definitions.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import type { CommandModule } from './index.ts';

export async function applyCommand(context: CommandContext, file: string): Promise<CommandResult<ApplyDesiredReport>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot read desired state "${file}": ${(error as NodeJS.ErrnoException).code}`,
      {
        hint: 'Give a readable TOML file, for example /etc/vgpuctl/host.toml',
      },
    );
  }
  // Parsed in full before anything is read or changed: a malformed file changes nothing.
  const desired = parseHostFile(text, file);
  const operations = new Operations({
    host: context.host,
    pciIds: context.pciIds,
    audit: { record: () => {} },
    env: context.env,
  });
  const report = await applyDesired(
    {
      host: context.host,
      read: async () => {
        const state = hostState(
          await discover(context.host, { pciIds: context.pciIds, deviceUsers: false, iommuGroups: false }),
          await readDefinitions(context.host),
          Date.now(),
        );
        return { inventory: state.inventory, vgpus: state.vgpus, types: state.types };
      },
      runner: operationsRunner(operations, `cli:${userInfo().username}`),
    },
    desired,
    { dryRun: context.dryRun },
  );
  const lines = [renderReconcile(report.reconcile)];
  for (const outcome of report.outcomes) {
    if (outcome.plan !== null && outcome.plan.steps.length > 0) lines.push('', renderPlanAsShell(outcome.plan));
    if (outcome.status === 'failed') lines.push('', `failed: ${outcome.error?.message ?? ''}`);
    if (outcome.status === 'skipped') lines.push(`skipped: ${outcome.action.kind} on ${outcome.action.gpu}`);
  }
  const failed = report.outcomes.some((o) => o.status === 'failed');
  return { data: report, text: lines.join('\n'), ...(failed ? { exitCode: EXIT_CODES.host } : {}) };
}

export const applyModule: CommandModule = (program, cli) => {
  program
    .command('apply')
    .description('make the host match a desired-state file (vGPUs, bindings, VFs); removes only what vgpuctl created')
    .argument('<file>', 'desired state, TOML (the agent reads /etc/vgpuctl/host.toml)')
    .action((file) => cli.withHost((context) => applyCommand(context, file)));
};
