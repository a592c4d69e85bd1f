/**
 * kill -9 at random points: `define` on a tree (`--root`, definitions written with
 * temp-and-rename under the definitions lock), and `create` on an emulated host whose state
 * store is saved by the process (`--emulate`). After every kill: no definition file is torn,
 * and the next command runs (a stale lock is broken, the state loads).
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DefinitionSyntaxError, parseMdevctlConfig } from '../../src/store/mdevctl-format.ts';
import { runCli, startCli } from './cli.ts';

export interface CrashReport {
  trials: number;
  killed: number;
  corrupt: number;
  /** Killed writers' temporary files (ignored by every reader). */
  temporaries: number;
  /** Next commands that failed after a kill. */
  notRecovered: number;
  failures: string[];
}

const T4 = '0000:3b:00.0';

/** Random kills of `define` on the tree at `root`. */
export async function crashDefinitions(root: string, trials: number, random: () => number): Promise<CrashReport> {
  const report: CrashReport = { trials, killed: 0, corrupt: 0, temporaries: 0, notRecovered: 0, failures: [] };
  const define = ['define', '--type', 'T4-1B', '--gpu', T4, '--count', '2', '--root', root];
  const calibration = await runCli(define, {});
  if (calibration.status !== 0) throw new Error(`define does not run: ${calibration.stderr}`);
  const dir = join(root, 'etc/mdevctl.d', T4);
  for (let trial = 0; trial < trials; trial++) {
    if ((await readdir(dir).catch(() => [])).length >= 10) await rm(dir, { recursive: true, force: true });
    const { child, exited } = startCli(define, {});
    const timer = setTimeout(() => child.kill('SIGKILL'), random() * calibration.ms * 1.2);
    const exit = await exited;
    clearTimeout(timer);
    if (exit.signal === 'SIGKILL') report.killed++;
    else if (exit.status !== 0) report.failures.push(`trial ${trial}: define failed: ${exit.stderr.trim()}`);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (name.startsWith('.')) {
        report.temporaries++;
        continue;
      }
      try {
        parseMdevctlConfig(await readFile(join(dir, name), 'utf8'));
      } catch (error) {
        if (!(error instanceof DefinitionSyntaxError)) throw error;
        report.corrupt++;
        report.failures.push(`trial ${trial}: ${name} is torn: ${error.message}`);
      }
    }
    const next = await runCli(['vgpus', '--json', '--root', root], {});
    if (next.status !== 0) {
      report.notRecovered++;
      report.failures.push(`trial ${trial}: the next command failed: ${next.stderr.trim()}`);
    }
  }
  return report;
}

/** Random kills of `create` on an emulated host whose state lives in `stateDir`. */
export async function crashStateStore(stateDir: string, trials: number, random: () => number): Promise<CrashReport> {
  const report: CrashReport = { trials, killed: 0, corrupt: 0, temporaries: 0, notRecovered: 0, failures: [] };
  const env = { VGPUCTL_STATE_DIR: stateDir };
  const create = ['create', '--type', 'T4-1B', '--gpu', T4, '--emulate', 'lab'];
  const calibration = await runCli(create, env);
  if (calibration.status !== 0) throw new Error(`create does not run: ${calibration.stderr}`);
  let made = 1;
  for (let trial = 0; trial < trials; trial++) {
    if (made >= 14) {
      await runCli(['emulate', 'reset', 'lab'], env);
      made = 0;
    }
    const { child, exited } = startCli(create, env);
    const timer = setTimeout(() => child.kill('SIGKILL'), random() * calibration.ms * 1.2);
    const exit = await exited;
    clearTimeout(timer);
    if (exit.signal === 'SIGKILL') report.killed++;
    else if (exit.status !== 0) report.failures.push(`trial ${trial}: create failed: ${exit.stderr.trim()}`);
    const next = await runCli(['vgpus', '--json', '--emulate', 'lab'], env);
    if (next.status !== 0) {
      report.notRecovered++;
      if (/STATE_CORRUPT|not a valid state file/.test(next.stderr)) report.corrupt++;
      report.failures.push(`trial ${trial}: the next command failed: ${next.stderr.trim()}`);
    }
    made = (next.stdout.match(/[0-9a-f]{8}-[0-9a-f]{4}-/g) ?? []).length;
    report.temporaries += (await readdir(stateDir)).filter((name) => name.endsWith('.tmp')).length;
  }
  return report;
}
