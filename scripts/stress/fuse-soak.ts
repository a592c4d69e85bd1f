/**
 * FUSE server soak: a client process reads attributes through a real mount until the server
 * has answered `requests` requests; heap and RSS of the server are sampled after a warm-up and
 * at the end (after a GC), so growth per request shows. Then clients are killed with SIGKILL in
 * the middle of reads, and the server must hold no handle for them and serve on.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { treeBackend } from '../../src/emulator/fuse/backend.ts';
import { benchPaths, buildBenchTree } from '../../src/emulator/fuse/bench-tree.ts';
import { fuseAvailable } from '../../src/emulator/fuse/mount-tools.ts';
import { mountFuse } from '../../src/emulator/fuse/server.ts';

export interface SoakReport {
  requests: number;
  heapWarmMiB: number;
  heapEndMiB: number;
  rssWarmMiB: number;
  rssEndMiB: number;
  killedClients: number;
  openHandlesAfterKills: number;
  servesAfterKills: boolean;
  internalErrors: number;
}

const SHAPE = { dirs: 10, filesPerDir: 10 };

/** A child that reads the files round-robin forever (until killed). */
const READER = `
const fs = require('node:fs');
const files = JSON.parse(process.argv[1]);
for (let i = 0; ; i++) fs.readFileSync(files[i % files.length]);
`;

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function mib(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

/** Runs the soak; undefined (with the reason) where FUSE cannot be mounted. */
export async function fuseSoak(requests: number, kills: number): Promise<SoakReport | string> {
  const available = fuseAvailable();
  if (!available.ok) return available.reason;
  const base = await mkdtemp(join(tmpdir(), 'vgpuctl-soak-'));
  const mnt = join(base, 'mnt');
  await mkdir(mnt);
  const errors: unknown[] = [];
  const mount = await mountFuse(treeBackend(buildBenchTree(SHAPE)), mnt, { onError: (e) => errors.push(e) });
  const files = benchPaths(SHAPE).map((p) => join(mnt, p));
  // Requests the session answered, plus the OPENs and RELEASEs the fast-open worker answered itself.
  const served = () => {
    const stats = mount.stats();
    return (stats.requests ?? 0) + (stats.fastOpens ?? 0) + (stats.fastReleases ?? 0);
  };
  try {
    const reader = spawn(process.execPath, ['-e', READER, JSON.stringify(files)], { stdio: 'ignore' });
    // Every wait has a deadline: 30 s without a single answered request is a hung server.
    const waitFor = async (count: number) => {
      let last = served();
      let idleMs = 0;
      while (served() < count) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        idleMs = served() === last ? idleMs + 50 : 0;
        last = served();
        if (idleMs >= 30_000) throw new Error(`the FUSE server answered no request for 30 s (${last} of ${count})`);
      }
    };
    await waitFor(Math.min(requests / 10, 50_000));
    gc();
    const warm = process.memoryUsage();
    await waitFor(requests);
    reader.kill('SIGKILL');
    await new Promise((resolve) => reader.on('exit', resolve));
    gc();
    const end = process.memoryUsage();
    const total = served();
    let killed = 0;
    for (let i = 0; i < kills; i++) {
      const victim = spawn(process.execPath, ['-e', READER, JSON.stringify(files)], { stdio: 'ignore' });
      const at = served() + 50 + Math.floor(Math.random() * 500);
      await waitFor(at);
      victim.kill('SIGKILL');
      await new Promise((resolve) => victim.on('exit', resolve));
      killed++;
    }
    // RELEASEs of a killed client's files arrive in the background (fs/fuse/file.c fuse_file_put).
    for (let i = 0; i < 200 && (mount.stats().openHandles ?? 0) > 0; i++) await new Promise((r) => setTimeout(r, 25));
    const check = spawn(process.execPath, [
      '-e',
      `process.stdout.write(require('node:fs').readFileSync(${JSON.stringify(files[0])}, 'utf8'))`,
    ]);
    let out = '';
    check.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    await new Promise((resolve) => check.on('exit', resolve));
    return {
      requests: total,
      heapWarmMiB: mib(warm.heapUsed),
      heapEndMiB: mib(end.heapUsed),
      rssWarmMiB: mib(warm.rss),
      rssEndMiB: mib(end.rss),
      killedClients: killed,
      openHandlesAfterKills: mount.stats().openHandles ?? 0,
      servesAfterKills: out.length > 0,
      internalErrors: (mount.stats().internalErrors ?? 0) + errors.length,
    };
  } finally {
    await mount.unmount();
    await rm(base, { recursive: true, force: true });
  }
}
