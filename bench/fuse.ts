/**
 * FUSE benchmark: stat+open+read+close over 10,000 sysfs-style attribute files served by the
 * emulator's FUSE server, beside the same files on tmpfs — cold (every file once, fresh mount)
 * and hot (the same 100 files for 2 s) — plus `find -exec cat` over the whole tree. Medians of
 * three runs for tmpfs and the 60 s cache with server opens (every open checked by the server,
 * as kernfs does) and kernel opens (`--fast-open`); one run with caching off (timeouts 0).
 *
 * A server-opens run with client and server pinned to one CPU (taskset) follows: every
 * server-opened file costs one OPEN round trip, and on virtual machines a wake-up across CPUs
 * can cost far more than the server's own work, which this run shows apart.
 * Skipped where FUSE cannot be mounted (needs root and /dev/fuse).
 */

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../src/emulator/fuse/bench-tree.ts';
import { BENCH_SHAPE, DEFAULT_TARGETS, measureFuse, targetName } from '../src/emulator/fuse/bench-tree.ts';
import { fuseAvailable } from '../src/emulator/fuse/mount-tools.ts';
import { median, printTable } from './util.ts';

const ROUNDS = 3;
const HOT_MS = 2000;

function fmt(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1);
}

/** bench-tree.ts with server opens only, client and server on CPU 0; undefined without taskset. */
function oneCpuRun(): Promise<BenchResult | undefined> {
  const script = fileURLToPath(new URL('../src/emulator/fuse/bench-tree.ts', import.meta.url));
  return new Promise((done) => {
    execFile(
      'taskset',
      ['-c', '0', process.execPath, '--import', 'tsx', script, '--json', '--server-opens-only'],
      { maxBuffer: 1 << 20, timeout: 600_000 },
      (err, stdout) => done(err === null ? (JSON.parse(stdout) as BenchResult) : undefined),
    );
  });
}

/** Prints files/s cold and hot for tmpfs and FUSE, FUSE/tmpfs ratios, and find|cat times. */
export async function benchFuse(): Promise<void> {
  const files = BENCH_SHAPE.dirs * BENCH_SHAPE.filesPerDir;
  const available = fuseAvailable();
  if (!available.ok) {
    process.stdout.write(`\nFUSE benchmark skipped: ${available.reason}\n`);
    return;
  }
  const [cached, kernelOpens, uncached] = DEFAULT_TARGETS.map(targetName) as [string, string, string];
  const runs: BenchResult[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    runs.push(await measureFuse(BENCH_SHAPE, HOT_MS, i === 0 ? DEFAULT_TARGETS : DEFAULT_TARGETS.slice(0, 2)));
  }
  const oneCpu = await oneCpuRun();
  const stat = (from: BenchResult[], target: string, key: 'cold' | 'hot' | 'findCatMs') =>
    median(from.flatMap((r) => (r[target] === undefined ? [] : [r[target][key]])));
  const tmpfs = { cold: stat(runs, 'tmpfs', 'cold'), hot: stat(runs, 'tmpfs', 'hot') };
  const row = (label: string, from: BenchResult[], target: string) => {
    const base = { cold: stat(from, 'tmpfs', 'cold'), hot: stat(from, 'tmpfs', 'hot') };
    const cold = stat(from, target, 'cold');
    const hot = stat(from, target, 'hot');
    return [
      label,
      String(from.filter((r) => r[target] !== undefined).length),
      fmt(cold),
      fmt(hot),
      target === 'tmpfs' ? '1' : `1/${fmt(base.cold / cold)}`,
      target === 'tmpfs' ? '1' : `1/${fmt(base.hot / hot)}`,
      fmt(stat(from, target, 'findCatMs')),
    ];
  };
  const rows = [
    row('tmpfs', runs, 'tmpfs'),
    row('fuse, cache 60 s, server opens (default)', runs, cached),
    row('fuse, cache 60 s, kernel opens (--fast-open)', runs, kernelOpens),
    row('fuse, cache off, server opens', runs, uncached),
  ];
  if (oneCpu !== undefined) {
    rows.push(row('tmpfs, one CPU', [oneCpu], 'tmpfs'));
    rows.push(row('fuse, cache 60 s, server opens, one CPU', [oneCpu], cached));
  }
  printTable(
    `FUSE vs tmpfs: stat+open+read+close over ${files} attribute files (files/s; hot = 100 files for ${HOT_MS} ms)`,
    ['target', 'runs', 'cold/s', 'hot/s', 'cold ratio', 'hot ratio', 'find|cat ms'],
    rows,
  );
  const pct = (target: string) => fmt((stat(runs, target, 'hot') / tmpfs.hot) * 100);
  process.stdout.write(
    `hot throughput with the 60 s cache: ${pct(kernelOpens)}% of tmpfs with kernel opens, ${pct(cached)}% with server opens (target: at least 10%)\n`,
  );
  if (oneCpu !== undefined) {
    const oneCpuPct = fmt((stat([oneCpu], cached, 'hot') / stat([oneCpu], 'tmpfs', 'hot')) * 100);
    process.stdout.write(
      `server opens with client and server on one CPU: ${oneCpuPct}% of tmpfs (what remains is the cost of a wake-up across CPUs)\n`,
    );
  }
}
