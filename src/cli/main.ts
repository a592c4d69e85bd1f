/** Entry point of the vgpuctl executable: the only place that sets the exit status. */
import { VERSION } from './version.ts';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // Answered before the argument parser loads: scripts call --version to probe for the tool.
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('./program.ts');
  process.exitCode = await main(argv);
}
