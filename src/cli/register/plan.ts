/** Command-line syntax of `vgpuctl plan`; `../commands/plan.ts` is loaded only when it runs. */
import type { CommandModule } from '../commands/index.ts';

const plan = () => import('../commands/plan.ts');

/** Registers `vgpuctl plan`. */
export const planModule: CommandModule = (program, cli) => {
  program
    .command('plan')
    .description(
      'plan vGPUs and passthrough GPUs on this host or a fleet: fits or not, where, and what would make room',
    )
    .requiredOption(
      '--want <wants>',
      'what to place: "T4-1B:10,L40S-4Q:6,passthrough:1" (entry@numa=N prefers a NUMA node)',
    )
    .option('--fleet <file>', 'plan across hosts: a JSON array of "vgpuctl list --json" outputs')
    .action(async (options) => {
      const { checkWants, planCommand, planFleetCommand } = await plan();
      // Check the request before opening any host.
      checkWants(options.want);
      if (options.fleet !== undefined) cli.emit(await planFleetCommand(options.fleet, options.want));
      else await cli.withHost((context) => planCommand(context, options.want));
    });
};
