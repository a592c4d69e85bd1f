/**
 * FUSE benchmark: stat+open+read+close over 10,000 sysfs-style attribute files served by the
 * emulator's FUSE server, beside the same files on tmpfs — cold (every file once, fresh mount)
 * and hot (the same 100 files for 2 s) — plus `find -exec cat` over the whole tree. Medians of
 * three runs for tmpfs and the default 60 s cache; one run with caching off (timeouts 0).
 * Skipped where FUSE cannot be mounted (needs root and /dev/fuse).
 */

import type { BenchResult } from '../src/emulator/fuse/bench-tree.ts';
import { BENCH_SHAPE, measureFuse } from '../src/emulator/fuse/bench-tree.ts';
import { fuseAvailable } from '../src/emulator/fuse/mount-tools.ts';
import { median, printTable } from './util.ts';

const ROUNDS = 3;
const HOT_MS = 2000;

function fmt(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1);
}

/** Prints files/s cold and hot for tmpfs and FUSE, FUSE/tmpfs ratios, and find|cat times. */
export async function benchFuse(): Promise<void> {
  const files = BENCH_SHAPE.dirs * BENCH_SHAPE.filesPerDir;
  const available = fuseAvailable();
  if (!available.ok) {
    process.stdout.write(`\nFUSE benchmark skipped: ${available.reason}\n`);
    return;
  }
  const runs: BenchResult[] = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await measureFuse(BENCH_SHAPE, HOT_MS, i === 0 ? [60, 0] : [60]));
  const targets = ['tmpfs', 'fuse cache 60s', 'fuse cache 0s'];
  const stat = (target: string, key: 'cold' | 'hot' | 'findCatMs') =>
    median(runs.flatMap((r) => (r[target] === undefined ? [] : [r[target][key]])));
  const tmpfs = { cold: stat('tmpfs', 'cold'), hot: stat('tmpfs', 'hot') };
  const rows = targets.map((target) => {
    const cold = stat(target, 'cold');
    const hot = stat(target, 'hot');
    const findCat = stat(target, 'findCatMs');
    return [
      target,
      String(runs.filter((r) => r[target] !== undefined).length),
      fmt(cold),
      fmt(hot),
      target === 'tmpfs' ? '1' : `1/${fmt(tmpfs.cold / cold)}`,
      target === 'tmpfs' ? '1' : `1/${fmt(tmpfs.hot / hot)}`,
      fmt(findCat),
    ];
  });
  printTable(
    `FUSE vs tmpfs: stat+open+read+close over ${files} attribute files (files/s; hot = 100 files for ${HOT_MS} ms)`,
    ['target', 'runs', 'cold/s', 'hot/s', 'cold ratio', 'hot ratio', 'find|cat ms'],
    rows,
  );
  const hotRatio = stat('fuse cache 60s', 'hot') / tmpfs.hot;
  process.stdout.write(
    `hot throughput with the 60 s cache is ${fmt(hotRatio * 100)}% of tmpfs (target: at least 10%)\n`,
  );
}
