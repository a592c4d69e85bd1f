/** Command-line syntax of `vgpuctl doctor`; `../commands/doctor.ts` is loaded only when it runs. */
import type { CommandModule } from '../commands/index.ts';

const doctor = () => import('../commands/doctor.ts');

/** Registers `vgpuctl doctor`. */
export const doctorModule: CommandModule = (program, cli) => {
  program
    .command('doctor')
    .description('check the host for passthrough, SR-IOV and vGPU, with a fix for every problem')
    .argument('[address]', 'limit the GPU checks to this GPU')
    .action((address) => cli.withHost(async (context) => (await doctor()).doctorCommand(context, address)));
};
