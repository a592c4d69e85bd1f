import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** Runs `fn` `n` times (after one warm-up) and returns the durations in milliseconds. */
export async function timeAsync(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

/** The median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Prints a titled, aligned table to stdout. */
export function printTable(title: string, headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  process.stdout.write(`\n${title}\n${line(headers)}\n${rows.map(line).join('\n')}\n`);
}

/** A temporary directory with a synchronous cleanup. */
export function tempDirSync(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vgpuctl-bench-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
