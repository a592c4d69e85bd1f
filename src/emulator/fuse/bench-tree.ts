/**
 * A synthetic sysfs-like tree for FUSE throughput measurements, and the measurement itself:
 * stat+open+read+close over the mount (cold: every file once; hot: the same 100 files
 * repeatedly) against the same files on tmpfs. Run: `npx tsx src/emulator/fuse/bench-tree.ts`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kernfs } from '../kernfs/tree.ts';
import { treeBackend } from './backend.ts';
import { mountFuse } from './server.ts';

/** Shape of the synthetic tree: `dirs` device directories of `filesPerDir` text attributes each. */
export interface BenchShape {
  dirs: number;
  filesPerDir: number;
}

/** Default: 100 × 100 = 10,000 attribute files. */
export const BENCH_SHAPE: BenchShape = { dirs: 100, filesPerDir: 100 };

/** Relative paths of the synthetic attribute files, in creation order. */
export function benchPaths(shape: BenchShape = BENCH_SHAPE): string[] {
  const paths: string[] = [];
  for (let d = 0; d < shape.dirs; d++) {
    for (let f = 0; f < shape.filesPerDir; f++) paths.push(`sys/devices/dev${d}/attr${f}`);
  }
  return paths;
}

/** The text a synthetic attribute shows. */
export function benchValue(path: string): string {
  return `${path.length}:${path}\n`;
}

/** Builds a Kernfs tree holding {@link benchPaths} as 0444 sysfs text attributes. */
export function buildBenchTree(shape: BenchShape = BENCH_SHAPE): Kernfs {
  const tree = new Kernfs();
  tree.mkdir('/sys', 0o755, 'sysfs');
  for (const path of benchPaths(shape)) {
    const text = benchValue(path);
    tree.attr(`/${path}`, { mode: 0o444, show: () => text });
  }
  return tree;
}

/** A client that runs in a child process so the serving thread is never blocked by its own calls. */
const CLIENT = `
const fs = require('node:fs');
const [root, listFile, hotCount, hotMs] = process.argv.slice(1);
const paths = fs.readFileSync(listFile, 'utf8').split('\\n').filter(Boolean).map((p) => root + '/' + p);
const buf = Buffer.alloc(4096);
const touch = (p) => { fs.statSync(p); const fd = fs.openSync(p, 'r'); fs.readSync(fd, buf, 0, 4096, 0); fs.closeSync(fd); };
let t = process.hrtime.bigint();
for (const p of paths) touch(p);
const cold = paths.length / (Number(process.hrtime.bigint() - t) / 1e9);
const hot = paths.slice(0, Number(hotCount));
let n = 0; t = process.hrtime.bigint();
const end = t + BigInt(Number(hotMs) * 1e6);
while (process.hrtime.bigint() < end) { for (const p of hot) touch(p); n += hot.length; }
const hotRate = n / (Number(process.hrtime.bigint() - t) / 1e9);
process.stdout.write(JSON.stringify({ cold, hot: hotRate }));
`;

function run(file: string, args: string[]): Promise<string> {
  return new Promise((done, reject) => {
    execFile(file, args, { maxBuffer: 1 << 20, timeout: 300_000 }, (err, stdout) =>
      err === null ? done(stdout) : reject(err),
    );
  });
}

async function client(root: string, listFile: string, hotMs: number): Promise<{ cold: number; hot: number }> {
  return JSON.parse(await run(process.execPath, ['-e', CLIENT, root, listFile, '100', String(hotMs)])) as {
    cold: number;
    hot: number;
  };
}

async function findCatMs(root: string): Promise<number> {
  const t = process.hrtime.bigint();
  await run('sh', ['-c', `find ${root}/sys -type f -exec cat {} + > /dev/null`]);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** Files per second (cold, hot) and `find -exec cat` milliseconds, per target. */
export type BenchResult = Record<string, { cold: number; hot: number; findCatMs: number }>;

/** One way of serving the tree: its cache lifetime and who answers open(2). */
export interface FuseTarget {
  cacheSec: number;
  kernelOpens: boolean;
}

/** The result key of a target: `fuse cache 60s`, `fuse cache 60s kernel opens`. */
export function targetName(target: FuseTarget): string {
  return `fuse cache ${target.cacheSec}s${target.kernelOpens ? ' kernel opens' : ''}`;
}

/** Default targets: the 60 s cache with server and kernel opens, and caching off. */
export const DEFAULT_TARGETS: readonly FuseTarget[] = [
  { cacheSec: 60, kernelOpens: false },
  { cacheSec: 60, kernelOpens: true },
  { cacheSec: 0, kernelOpens: false },
];

/**
 * Measures FUSE targets (keys from {@link targetName}) against tmpfs (key `tmpfs`). Needs
 * root and /dev/fuse. Mounts and temporary files are removed even when a step fails.
 */
export async function measureFuse(
  shape: BenchShape = BENCH_SHAPE,
  hotMs = 2000,
  targets: readonly FuseTarget[] = DEFAULT_TARGETS,
): Promise<BenchResult> {
  const shm = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const base = await mkdtemp(join(shm, 'vgpuctl-bench-'));
  const result: BenchResult = {};
  try {
    const paths = benchPaths(shape);
    const listFile = join(base, 'list');
    await writeFile(listFile, paths.join('\n'));
    const plain = join(base, 'tmpfs');
    for (let d = 0; d < shape.dirs; d++) await mkdir(join(plain, `sys/devices/dev${d}`), { recursive: true });
    for (const path of paths) await writeFile(join(plain, path), benchValue(path));
    result.tmpfs = { ...(await client(plain, listFile, hotMs)), findCatMs: await findCatMs(plain) };
    for (const [i, target] of targets.entries()) {
      const mnt = join(base, `fuse${i}`);
      await mkdir(mnt);
      const mount = await mountFuse(treeBackend(buildBenchTree(shape)), mnt, target);
      try {
        const rates = await client(mnt, listFile, hotMs);
        result[targetName(target)] = { ...rates, findCatMs: await findCatMs(mnt) };
      } finally {
        await mount.unmount();
      }
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // --json [--server-opens-only]: machine-readable, for bench/fuse.ts (which runs this under
  // taskset to measure client and server sharing one CPU).
  const json = process.argv.includes('--json');
  const targets = process.argv.includes('--server-opens-only') ? [DEFAULT_TARGETS[0] as FuseTarget] : DEFAULT_TARGETS;
  const result = await measureFuse(BENCH_SHAPE, 2000, targets);
  if (json) process.stdout.write(JSON.stringify(result));
  else {
    for (const [name, r] of Object.entries(result)) {
      process.stdout.write(
        `${name.padEnd(16)} cold ${Math.round(r.cold)} files/s  hot ${Math.round(r.hot)} files/s  find|cat ${Math.round(r.findCatMs)} ms\n`,
      );
    }
  }
}
