/**
 * vgpuctl against Debian's mdevctl on the same emulated `big` host (48 Tesla T4s, 512 running
 * vGPUs, room for exactly 256 more of 1 GiB): listing every vGPU, and defining + starting 256
 * vGPUs — one vgpuctl invocation, 256 vgpuctl invocations (timed on a sample, extrapolated),
 * and 256 × (`mdevctl define` + `mdevctl start`).
 *
 * Two settings: in-process (vgpuctl's library on the in-memory emulated kernel: the cost of
 * the work itself), and as processes on the FUSE-served tree inside `vgpuctl emulate run`
 * (the same /sys and /etc/mdevctl.d for both tools; the mdevctl side needs root, /dev/fuse,
 * unshare and mdevctl). Process numbers include starting node with the compiled CLI (dist/).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { discover } from '../src/discovery/discover.ts';
import { EmulatedHost } from '../src/emulator/emulated-host.ts';
import { EmulatedKernel } from '../src/emulator/kernel.ts';
import { resolveScenario } from '../src/emulator/scenario/load.ts';
import { VGPU_DISCOVERY, type VgpuDeps } from '../src/ops/vgpu/apply.ts';
import { defineVgpus, listAllVgpus } from '../src/ops/vgpu/lifecycle.ts';
import { planCreateVgpus } from '../src/ops/vgpu/plan-create.ts';
import { median, printTable } from './util.ts';

/** 48 T4s × 16 GRID T4-1B = 768 slots; 512 taken (round-robin) leaves exactly 256. */
export const BENCH_SCENARIO = 'big:gpus=48,instances=512';
const COUNT = 256;
/** vgpuctl invocations timed one at a time, then extrapolated to COUNT. */
const SAMPLE_IN_PROCESS = 16;
const SAMPLE_PROCESSES = 4;
const BIN = new URL('../bin/vgpuctl', import.meta.url).pathname;

/** One measured operation: milliseconds, and whether it was extrapolated from a sample. */
export interface Timing {
  ms: number;
  extrapolatedFrom?: number;
}

/** vgpuctl in-process on the in-memory emulated kernel. */
export async function benchVgpuctlInProcess(): Promise<{ list: Timing; defineOne: Timing; defineEach: Timing }> {
  const fresh = (): VgpuDeps => {
    const host = new EmulatedHost(EmulatedKernel.boot(resolveScenario({ name: BENCH_SCENARIO })), { tools: false });
    // The discovery the CLI's vGPU commands run (ops/vgpu/apply.ts VGPU_DISCOVERY).
    return {
      host,
      discover: () => discover(host, VGPU_DISCOVERY),
      lock: { pid: process.pid, isAlive: () => true },
      dryRun: false,
    };
  };
  const deps = fresh();
  await listAllVgpus(deps); // warm-up
  const lists: number[] = [];
  for (let i = 0; i < 5; i++) lists.push(await time(() => listAllVgpus(deps)));

  const one = fresh();
  const defineOne = await time(async () => {
    const applied = await defineVgpus(one, { type: 'T4-1B', count: COUNT, start: 'auto', startNow: true }, randomUUID);
    if (applied.result.length !== COUNT) throw new Error(`defined ${applied.result.length}`);
  });

  const each = fresh();
  const sample = await time(async () => {
    for (let i = 0; i < SAMPLE_IN_PROCESS; i++)
      await defineVgpus(each, { type: 'T4-1B', start: 'auto', startNow: true }, randomUUID);
  });
  return {
    list: { ms: median(lists) },
    defineOne: { ms: defineOne },
    defineEach: { ms: (sample / SAMPLE_IN_PROCESS) * COUNT, extrapolatedFrom: SAMPLE_IN_PROCESS },
  };
}

/** Why the process benchmark cannot run here, or undefined. */
function processBenchUnavailable(): string | undefined {
  try {
    execFileSync('sh', ['-c', 'command -v mdevctl && command -v unshare && test -w /dev/fuse'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'needs root, /dev/fuse, unshare and mdevctl';
  }
}

/** Runs `script` with sh inside `vgpuctl emulate run` on a fresh state; returns its stdout. */
function inSandbox(script: string): string {
  const work = mkdtempSync('/dev/shm/vgpuctl-bench-');
  try {
    // The compiled CLI, as users run it (`npm run bench` builds dist/ first).
    const { VGPUCTL_FROM_SOURCE: _fromSource, ...inherited } = process.env;
    const env = { ...inherited, VGPUCTL_STATE_DIR: join(work, 'state'), VGPUCTL_PCI_IDS: 'none' };
    return execFileSync(
      process.execPath,
      [BIN, 'emulate', 'run', '--scenario', BENCH_SCENARIO, '--', 'sh', '-c', script],
      {
        env,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `ms <label> <milliseconds>` lines from a sandbox script. */
function timings(out: string): Record<string, number> {
  return Object.fromEntries([...out.matchAll(/^ms (\S+) (\d+)$/gm)].map((m) => [m[1] as string, Number(m[2]) / 1e6]));
}

const STAMP = 's=$(date +%s%N)';
const report = (label: string) => `echo "ms ${label} $(( $(date +%s%N) - s ))"`;

/** The mdevctl side, and vgpuctl as processes, on the FUSE-served tree. */
export async function benchProcessesOnFuse(): Promise<
  { list: { vgpuctl: Timing; mdevctl: Timing }; defineOne: Timing; defineEach: Timing; mdevctlEach: Timing } | string
> {
  const unavailable = processBenchUnavailable();
  if (unavailable !== undefined) return unavailable;
  const vgpuctl = `${process.execPath} ${BIN}`;

  // Listing: three of each in one session, median.
  const lists = timings(
    inSandbox(
      [1, 2, 3]
        .map(
          (i) =>
            `${STAMP}; mdevctl list > /dev/null; ${report(`mdevctl-${i}`)}; ${STAMP}; ${vgpuctl} vgpus > /dev/null; ${report(`vgpuctl-${i}`)}`,
        )
        .join('\n'),
    ),
  );

  // 256 × mdevctl define + start, on the parents vgpuctl's placement picks for the same host.
  const kernel = EmulatedKernel.boot(resolveScenario({ name: BENCH_SCENARIO }));
  const { created } = planCreateVgpus(
    await discover(new EmulatedHost(kernel, { tools: false })),
    { type: 'T4-1B', count: COUNT },
    { newUuid: randomUUID },
  );
  const commands = created
    .map((c) =>
      c.kind === 'mdev'
        ? `mdevctl define -u ${c.uuid} -p ${c.parent} -t ${c.type} -a && mdevctl start -u ${c.uuid}`
        : 'false',
    )
    .join('\n');
  const mdevctlEach = timings(
    inSandbox(
      `set -e\n${STAMP}\n${commands}\n${report('all')}\ntest "$(mdevctl list | grep -c nvidia-222)" = ${512 + COUNT}`,
    ),
  );
  const defineOne = timings(
    inSandbox(
      `set -e; ${STAMP}; ${vgpuctl} define --type T4-1B --count ${COUNT} --auto --start > /dev/null; ${report('all')}; test "$(mdevctl list | grep -c nvidia-222)" = ${512 + COUNT}`,
    ),
  );
  const defineEach = timings(
    inSandbox(
      `set -e; ${STAMP}; for i in $(seq ${SAMPLE_PROCESSES}); do ${vgpuctl} define --type T4-1B --auto --start > /dev/null; done; ${report('all')}`,
    ),
  );
  return {
    list: {
      mdevctl: { ms: median([1, 2, 3].map((i) => lists[`mdevctl-${i}`] ?? 0)) },
      vgpuctl: { ms: median([1, 2, 3].map((i) => lists[`vgpuctl-${i}`] ?? 0)) },
    },
    mdevctlEach: { ms: mdevctlEach.all ?? 0 },
    defineOne: { ms: defineOne.all ?? 0 },
    defineEach: { ms: ((defineEach.all ?? 0) / SAMPLE_PROCESSES) * COUNT, extrapolatedFrom: SAMPLE_PROCESSES },
  };
}

/** Runs both settings and prints the times and ratios. */
export async function benchVgpuVsMdevctl(): Promise<void> {
  const inProcess = await benchVgpuctlInProcess();
  const fmt = (t: Timing) =>
    `${t.ms >= 10_000 ? (t.ms / 1000).toFixed(1) : t.ms.toFixed(0)}${t.ms >= 10_000 ? ' s' : ' ms'}${t.extrapolatedFrom === undefined ? '' : ` (×${COUNT / t.extrapolatedFrom} of ${t.extrapolatedFrom})`}`;
  printTable(
    `vgpuctl in-process on the emulated ${BENCH_SCENARIO} (library calls, no process start)`,
    ['operation', 'time'],
    [
      ['list all 512 vGPUs (median of 5)', fmt(inProcess.list)],
      [`define + start ${COUNT}: one call`, fmt(inProcess.defineOne)],
      [`define + start ${COUNT}: one call each`, fmt(inProcess.defineEach)],
    ],
  );

  const processes = await benchProcessesOnFuse();
  if (typeof processes === 'string') {
    process.stdout.write(`\nvgpuctl vs mdevctl as processes: skipped (${processes})\n`);
    return;
  }
  const ratio = (a: Timing, b: Timing) => `${(a.ms / b.ms).toFixed(2)}x`;
  printTable(
    `vgpuctl (compiled dist/) vs mdevctl 1.2.0, processes on the FUSE-served ${BENCH_SCENARIO} inside "vgpuctl emulate run"`,
    ['operation', 'vgpuctl', 'mdevctl', 'vgpuctl/mdevctl'],
    [
      [
        'list all vGPUs (median of 3)',
        fmt(processes.list.vgpuctl),
        fmt(processes.list.mdevctl),
        ratio(processes.list.vgpuctl, processes.list.mdevctl),
      ],
      [
        `define + start ${COUNT}: 1 vgpuctl vs ${COUNT}×2 mdevctl`,
        fmt(processes.defineOne),
        fmt(processes.mdevctlEach),
        ratio(processes.defineOne, processes.mdevctlEach),
      ],
      [
        `define + start ${COUNT}: ${COUNT} vgpuctl vs ${COUNT}×2 mdevctl`,
        fmt(processes.defineEach),
        fmt(processes.mdevctlEach),
        ratio(processes.defineEach, processes.mdevctlEach),
      ],
    ],
  );
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
