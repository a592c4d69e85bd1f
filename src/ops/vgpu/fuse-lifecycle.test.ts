/**
 * The vGPU lifecycle through the real-filesystem adapter: `vgpuctl emulate mount` serves each
 * scenario over FUSE (in a child process), and FsHost drives create, list, define, start,
 * stop and remove through real open/write/rename system calls.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fixturePath, tempDir } from '../../../test/helpers/fixtures.ts';
import { sandboxUnavailable } from '../../emulator/sandbox/test-capabilities.ts';
import { FsHost } from '../../host/fs-host.ts';
import { depsFor, uuidSequence } from './_test-hosts.ts';
import {
  createVgpus,
  defineRunningVgpus,
  defineVgpus,
  listAllVgpus,
  removeVgpus,
  startVgpus,
  undefineVgpus,
} from './lifecycle.ts';

const BIN = new URL('../../../bin/vgpuctl', import.meta.url).pathname;

/** Serves `scenario` at `dir` until the returned stop() (SIGTERM; the server saves and unmounts). */
async function serve(
  dir: string,
  scenario: string,
  stateDir: string,
): Promise<{ stop: () => Promise<number | null>; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'emulate', 'mount', dir, '--scenario', scenario], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      VGPUCTL_FROM_SOURCE: '1',
      VGPUCTL_PCI_IDS: fixturePath('pci.ids'),
      VGPUCTL_STATE_DIR: stateDir,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let err = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (/serving emulated host/.test(err)) resolve();
    });
    void exited.then((code) => reject(new Error(`emulate mount exited with ${code}: ${err}`)));
  });
  return {
    child,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const CASES = [
  { scenario: 'lab', type: 'T4-1B', gpu: '0000:3b:00.0', setup: undefined },
  { scenario: 'lab', type: 'L40S-2Q', gpu: '0000:41:00.0', setup: '/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs' },
  { scenario: 'kubevirt-t4', type: 'GRID T4-1B', gpu: 'nvidia', setup: undefined },
  { scenario: 'samples', type: 'mdpy-xga', gpu: 'mdpy', setup: undefined },
];

describe('vGPU lifecycle through FsHost on a FUSE-mounted emulated host', { skip: sandboxUnavailable() }, () => {
  for (const c of CASES) {
    test(`${c.scenario}: ${c.type} on ${c.gpu}`, async () => {
      const state = await tempDir('vgpuctl-fuse-state-');
      const mnt = await tempDir('vgpuctl-fuse-mnt-');
      const server = await serve(mnt.dir, c.scenario, state.dir);
      try {
        const host = new FsHost(mnt.dir);
        if (c.setup !== undefined) await host.write(c.setup, '2');
        const deps = depsFor(host, { lock: { pid: process.pid, isAlive: () => true } });
        const created = await createVgpus(deps, { type: c.type, gpu: c.gpu, count: 2 }, uuidSequence());
        const [a, b] = created.result.map((v) => (v.kind === 'mdev' ? v.uuid : v.vf)) as [string, string];
        assert.deepEqual(
          (await listAllVgpus(deps)).entries.map((e) => [e.id, e.state]),
          [
            [a, 'running'],
            [b, 'running'],
          ],
        );
        await defineRunningVgpus(deps, { ids: [a], start: 'auto' });
        const file = (await listAllVgpus(deps)).entries.find((e) => e.id === a)?.definition as string;
        // The definition went through the mount as a real file: readable by anything on the host.
        assert.match(await readFile(join(mnt.dir, file), 'utf8'), /"start": "auto"/);
        await removeVgpus(deps, [a], 'stop');
        assert.equal((await listAllVgpus(deps)).entries.find((e) => e.id === a)?.state, 'stopped');
        await startVgpus(deps, { ids: [a] });
        assert.equal((await listAllVgpus(deps)).entries.find((e) => e.id === a)?.state, 'running');
        await undefineVgpus(deps, { ids: [a] });
        await removeVgpus(deps, [a, b]);
        // Defining new vGPUs takes the lock (mkdir under /run) and writes atomically (rename).
        if (c.setup === undefined) {
          const defined = await defineVgpus(
            deps,
            { type: c.type, gpu: c.gpu, count: 1, startNow: true },
            uuidSequence(50),
          );
          await removeVgpus(
            deps,
            defined.result.map((d) => (d.kind === 'mdev' ? d.uuid : d.vf)),
          );
          await undefineVgpus(deps, { ids: defined.result.map((d) => (d.kind === 'mdev' ? d.uuid : d.vf)) });
        }
        assert.deepEqual((await listAllVgpus(deps)).entries, []);
        assert.equal(await host.exists('/run/vgpuctl/lock'), false);
      } finally {
        assert.equal(await server.stop(), 0);
        await mnt.cleanup();
        await state.cleanup();
      }
    });
  }
});
