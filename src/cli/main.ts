/** Entry point of the vgpuctl executable: the only place that sets the exit status. */
import { main } from './program.ts';

process.exitCode = await main(process.argv.slice(2));
