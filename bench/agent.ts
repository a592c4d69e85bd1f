/**
 * Agent benchmark.
 * - `GET /v1/gpus` latency at a fixed 200 requests/s against 127.0.0.1 (open loop: a request
 *   starts every 5 ms whether or not the previous one answered), for
 *   VGPUCTL_BENCH_AGENT_SECONDS (default 60), with `vgpuctl serve --emulate lab` in its own process.
 * - Change-to-event latency on `big`: from a sysfs write (mdev create/remove) to its event on
 *   /v1/events over the unix socket: 100 changes (a running vGPU removed and created again), one at a time.
 * - Memory under churn: ten host changes a second (mdev create and remove, written through the
 *   mounted emulated host) for VGPUCTL_BENCH_CHURN_SECONDS (default 60; 600 for the full soak),
 *   the agent's RSS (from its /metrics) at start and end. Needs root and /dev/fuse.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { testAgent } from '../src/agent/_test-agent.ts';
import { subscribe } from '../src/agent/_test-http.ts';
import { fuseAvailable } from '../src/emulator/fuse/mount-tools.ts';
import { printTable, tempDirSync } from './util.ts';

const BIN = new URL('../bin/vgpuctl', import.meta.url).pathname;
const TOKEN = 'bench-token-0123456789abcdef0123';

export async function benchAgent(): Promise<void> {
  const rows: string[][] = [];
  rows.push(...(await latencyAt200(Number(process.env.VGPUCTL_BENCH_AGENT_SECONDS ?? 60))));
  rows.push(await changeToEvent());
  rows.push(...(await churn(Number(process.env.VGPUCTL_BENCH_CHURN_SECONDS ?? 60))));
  printTable('Agent', ['measure', 'value'], rows);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Starts `vgpuctl serve` in its own process; resolves once its banner is printed. */
async function serve(args: string[], dir: string): Promise<{ child: ChildProcess; output: () => string }> {
  let output = '';
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: { ...process.env, VGPUCTL_STATE_DIR: join(dir, 'state'), VGPUCTL_PCI_IDS: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', () => output.includes('Press Ctrl-C to stop.') && resolve());
    child.once('exit', (code) => reject(new Error(`vgpuctl serve exited with ${code}: ${output}`)));
  });
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function latencyAt200(seconds: number): Promise<string[][]> {
  const tmp = tempDirSync();
  const tokenFile = join(tmp.dir, 'tokens');
  writeFileSync(tokenFile, `read ${TOKEN}\n`, { mode: 0o600 });
  const { child, output } = await serve(
    ['--emulate', 'lab', '--socket', join(tmp.dir, 'agent.sock'), '--listen', '127.0.0.1:0', '--token-file', tokenFile],
    tmp.dir,
  );
  try {
    const port = Number(/TCP: +http:\/\/127\.0\.0\.1:(\d+)/.exec(output())?.[1]);
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const once = () =>
      new Promise<number>((resolve, reject) => {
        const start = performance.now();
        const req = request(
          { host: '127.0.0.1', port, path: '/v1/gpus', agent, headers: { authorization: `Bearer ${TOKEN}` } },
          (res) => {
            res.resume();
            res.on('end', () =>
              res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`HTTP ${res.statusCode}`)),
            );
          },
        );
        req.on('error', reject);
        req.end();
      });
    for (let i = 0; i < 200; i++) await once(); // warm-up
    const latencies: Promise<number>[] = [];
    const begin = performance.now();
    const total = seconds * 200;
    for (let i = 0; i < total; i++) {
      const due = begin + i * 5;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      latencies.push(once());
    }
    const done = await Promise.all(latencies);
    const rate = total / ((performance.now() - begin) / 1000);
    agent.destroy();
    return [
      [`GET /v1/gpus at 200 req/s, ${seconds} s: achieved rate`, `${rate.toFixed(0)} req/s`],
      ['GET /v1/gpus p50', `${percentile(done, 50).toFixed(2)} ms`],
      ['GET /v1/gpus p99', `${percentile(done, 99).toFixed(2)} ms`],
    ];
  } finally {
    await stop(child);
    tmp.cleanup();
  }
}

async function changeToEvent(): Promise<string[]> {
  const tmp = tempDirSync();
  const socketPath = join(tmp.dir, 'agent.sock');
  const t = await testAgent('big', { socket: socketPath, pollMs: 60_000 });
  try {
    // big runs full: every change removes a running vGPU, then creates it again.
    const vgpu = t.agent.services.model.state.vgpus.find((v) => v.mechanism === 'mdev' && v.state === 'running');
    if (vgpu === undefined || vgpu.type === null) throw new Error('big runs no mdev vGPU');
    const create = `/sys/class/mdev_bus/${vgpu.parent}/mdev_supported_types/${vgpu.type}/create`;
    const stream = subscribe({ socketPath }, '/v1/events');
    await stream.next((e) => e.event === 'hello');
    const latencies: number[] = [];
    const change = async (write: () => Promise<unknown>, event: string) => {
      const seen = stream.events.length;
      const start = performance.now();
      await write();
      await stream.next((e) => e.event === event && e.data.includes(vgpu.id) && stream.events.indexOf(e) >= seen);
      latencies.push(performance.now() - start);
    };
    for (let i = 0; i < 50; i++) {
      await change(() => t.host.write(`/sys/bus/mdev/devices/${vgpu.id}/remove`, '1'), 'vgpu.removed');
      await change(() => t.host.write(create, vgpu.id), 'vgpu.created');
    }
    stream.close();
    return [
      'change-to-event on big, p50 / p99',
      `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} ms`,
    ];
  } finally {
    await t.close();
    tmp.cleanup();
  }
}

async function churn(seconds: number): Promise<string[][]> {
  const fuse = fuseAvailable();
  if (process.getuid?.() !== 0 || !fuse.ok) {
    return [['RSS under churn', `skipped: needs root and FUSE${fuse.ok ? '' : ` (${fuse.reason})`}`]];
  }
  const tmp = tempDirSync();
  const socketPath = join(tmp.dir, 'agent.sock');
  const mount = join(tmp.dir, 'host');
  await mkdir(mount);
  const { child } = await serve(['--emulate', 'lab', '--socket', socketPath, '--mount', mount], tmp.dir);
  const rss = () =>
    new Promise<number>((resolve, reject) => {
      const req = request({ socketPath, path: '/metrics' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(Number(/^vgpuctl_agent_resident_memory_bytes (\d+)/m.exec(body)?.[1])));
      });
      req.on('error', reject);
      req.end();
    });
  try {
    const types = join(mount, 'sys/class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-222/create');
    const start = await rss();
    const begin = performance.now();
    let changes = 0;
    while (performance.now() - begin < seconds * 1000) {
      const uuid = `00000000-0000-4000-8000-${(0xc0000 + (changes % 1000)).toString(16).padStart(12, '0')}`;
      writeFileSync(types, uuid);
      await new Promise((resolve) => setTimeout(resolve, 50));
      writeFileSync(join(mount, `sys/bus/mdev/devices/${uuid}/remove`), '1');
      await new Promise((resolve) => setTimeout(resolve, 50));
      changes += 2;
    }
    const end = await rss();
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    return [
      [`RSS under churn (${changes} changes in ${seconds} s): start`, mib(start)],
      ['RSS under churn: end', mib(end)],
    ];
  } finally {
    await stop(child);
    tmp.cleanup();
  }
}
