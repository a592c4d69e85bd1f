/**
 * End to end: `vgpuctl serve --emulate kubevirt-t4 --mount DIR` in its own process; plain shell
 * writes below DIR (hotplug_control hide and show, an mdev create) reach the agent's emulated
 * kernel, and each change arrives on /v1/events.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { http, subscribe } from '../../src/agent/_test-http.ts';
import { fuseAvailable } from '../../src/emulator/fuse/mount-tools.ts';
import { fixturePath, tempDir } from '../helpers/fixtures.ts';

const BIN = new URL('../../bin/vgpuctl', import.meta.url).pathname;
const fuse = fuseAvailable();
const skip = process.getuid?.() !== 0 ? 'needs root to mount' : fuse.ok ? false : `needs FUSE: ${fuse.reason}`;
if (skip !== false) process.stdout.write(`# serve e2e skipped: ${skip}\n`);

let agent: ChildProcess | undefined;
let dir: string;
let cleanup: () => Promise<void> = async () => {};
let socketPath: string;
let mountpoint: string;
let output = '';

before(async () => {
  if (skip !== false) return;
  ({ dir, cleanup } = await tempDir('vgpuctl-serve-'));
  socketPath = join(dir, 'agent.sock');
  mountpoint = join(dir, 'host');
  await mkdir(mountpoint);
  agent = spawn(
    process.execPath,
    [BIN, 'serve', '--emulate', 'kubevirt-t4', '--socket', socketPath, '--mount', mountpoint],
    {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        VGPUCTL_FROM_SOURCE: '1',
        VGPUCTL_STATE_DIR: join(dir, 'state'),
        VGPUCTL_PCI_IDS: fixturePath('pci.ids'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  agent.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  agent.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Ready when the banner is printed (the socket and the mount are up by then).
  await new Promise<void>((resolve, reject) => {
    const check = () => (output.includes('Press Ctrl-C to stop.') ? resolve() : undefined);
    agent?.stdout?.on('data', check);
    agent?.once('exit', (code) => reject(new Error(`vgpuctl serve exited with ${code}:\n${output}`)));
  });
});

after(async () => {
  if (agent !== undefined && agent.exitCode === null) {
    const exited = new Promise((resolve) => agent?.once('exit', resolve));
    agent.kill('SIGTERM');
    await exited;
  }
  await cleanup();
});

const sh = (script: string) => promisify(execFile)('sh', ['-c', script]);

test('shell writes below the mount become events: hide, show, vGPU created', { skip }, async () => {
  const stream = subscribe({ socketPath }, '/v1/events');
  assert.equal(await stream.opened, 200);
  await stream.next((e) => e.event === 'hello');
  const parent = join(mountpoint, 'sys/devices/virtual/nvidia/nvidia');

  await sh(`echo hide > ${parent}/hotplug_control`);
  const hidden = JSON.parse((await stream.next((e) => e.event === 'gpu.hidden')).data);
  assert.equal(hidden.event.gpu, 'nvidia');

  await sh(`echo show > ${parent}/hotplug_control`);
  await stream.next((e) => e.event === 'gpu.shown');

  const uuid = '00000000-0000-4000-8000-00000000e2e0';
  await sh(`echo ${uuid} > ${parent}/mdev_supported_types/nvidia-222/create`);
  const created = JSON.parse((await stream.next((e) => e.event === 'vgpu.created')).data);
  assert.deepEqual([created.event.id, created.event.parent], [uuid, 'nvidia']);
  stream.close();

  const vgpus = JSON.parse((await http({ socketPath }, '/v1/vgpus')).body) as { id: string }[];
  assert.ok(vgpus.some((v) => v.id === uuid));
});

test('SIGTERM stops the agent cleanly and removes nothing it should keep', { skip }, async () => {
  const exited = new Promise<number | null>((resolve) => agent?.once('exit', (code) => resolve(code)));
  agent?.kill('SIGTERM');
  assert.equal(await exited, 0, output);
  assert.match(output, /vgpuctl agent stopped/);
});
