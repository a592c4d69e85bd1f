/**
 * `npm run stress`: crashes, concurrency and a FUSE soak, with their figures. Sizes by
 * default: 100 kill -9 trials each for definitions and the emulator state store, 8 concurrent
 * processes, 1,000,000 FUSE requests. `--quick` runs the short version that CI runs
 * (test/stress.test.ts). Exits 1 when any check fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './stress/cli.ts';
import { concurrentCreates, concurrentDefines } from './stress/concurrency.ts';
import { crashDefinitions, crashStateStore } from './stress/crash.ts';
import { fuseSoak } from './stress/fuse-soak.ts';

export interface StressSizes {
  crashTrials: number;
  processes: number;
  fuseRequests: number;
  fuseKills: number;
}

export const FULL: StressSizes = { crashTrials: 100, processes: 8, fuseRequests: 1_000_000, fuseKills: 20 };
export const QUICK: StressSizes = { crashTrials: 5, processes: 8, fuseRequests: 20_000, fuseKills: 3 };

/** A seeded generator (mulberry32), so kill points repeat from run to run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs every stress check; returns the figures and the failed checks. */
export async function runStress(sizes: StressSizes, log: (line: string) => void): Promise<string[]> {
  const problems: string[] = [];
  const base = await mkdtemp(join(tmpdir(), 'vgpuctl-stress-'));
  try {
    const tree = async (name: string) => {
      const root = join(base, name);
      const made = await runCli(['emulate', 'write-tree', root], { VGPUCTL_STATE_DIR: join(base, `${name}-state`) });
      if (made.status !== 0) throw new Error(`write-tree failed: ${made.stderr}`);
      return root;
    };
    const random = seeded(20261202);

    const defs = await crashDefinitions(await tree('crash'), sizes.crashTrials, random);
    log(
      `crash (define --root): ${defs.trials} trials, ${defs.killed} killed mid-run, ${defs.corrupt} torn definitions, ${defs.temporaries} temporaries left (ignored by readers), ${defs.notRecovered} next commands failed`,
    );
    const state = await crashStateStore(join(base, 'crash-state'), sizes.crashTrials, random);
    log(
      `crash (emulator state store): ${state.trials} trials, ${state.killed} killed mid-run, ${state.corrupt} corrupt states, ${state.notRecovered} next commands failed`,
    );
    for (const report of [defs, state]) {
      if (report.corrupt > 0 || report.notRecovered > 0 || report.failures.length > 0)
        problems.push(...report.failures.slice(0, 5));
    }

    for (const [label, report] of [
      ['create --emulate', await concurrentCreates(join(base, 'concurrent-state'), sizes.processes)],
      ['define --root', await concurrentDefines(await tree('concurrent'), sizes.processes)],
    ] as const) {
      log(
        `concurrency (${label}): ${report.processes} processes, ${report.succeeded} succeeded, ${report.failedClearly} failed clearly, ${report.unclear.length} unclear, ${report.doubleAllocations} double allocations, ${report.lost} lost, slowest ${report.slowestMs} ms`,
      );
      if (
        report.succeeded + report.failedClearly !== report.processes ||
        report.doubleAllocations > 0 ||
        report.lost > 0
      )
        problems.push(`concurrency (${label}): ${JSON.stringify(report)}`);
    }

    const soak = await fuseSoak(sizes.fuseRequests, sizes.fuseKills);
    if (typeof soak === 'string') log(`FUSE soak skipped: ${soak}`);
    else {
      log(
        `FUSE soak: ${soak.requests} requests, heap ${soak.heapWarmMiB} → ${soak.heapEndMiB} MiB, RSS ${soak.rssWarmMiB} → ${soak.rssEndMiB} MiB; ${soak.killedClients} clients killed mid-read, ${soak.openHandlesAfterKills} handles left, serves after: ${soak.servesAfterKills}, internal errors: ${soak.internalErrors}`,
      );
      // Flat: the heap after the run within a few MiB of the warm heap, whatever the count.
      if (soak.heapEndMiB - soak.heapWarmMiB > 8) problems.push(`FUSE soak: the heap grew ${JSON.stringify(soak)}`);
      if (soak.openHandlesAfterKills > 0 || !soak.servesAfterKills || soak.internalErrors > 0)
        problems.push(`FUSE soak: ${JSON.stringify(soak)}`);
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = await runStress(process.argv.includes('--quick') ? QUICK : FULL, (line) =>
    process.stdout.write(`${line}\n`),
  );
  for (const problem of problems) process.stderr.write(`FAILED: ${problem}\n`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}
