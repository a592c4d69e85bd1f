import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixturePath, fixturePciIds, runCli, tempDir } from '../../../test/helpers/fixtures.ts';
import { discover } from '../../discovery/discover.ts';
import { FsHost } from '../../host/fs-host.ts';
import { EmulatedHost } from '../emulated-host.ts';
import { EmulatedKernel } from '../kernel.ts';
import { resolveScenario } from '../scenario/load.ts';
import { sandboxUnavailable } from './test-capabilities.ts';

const BIN = new URL('../../../bin/vgpuctl', import.meta.url).pathname;
const reason = sandboxUnavailable();

let state: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  state = await tempDir('vgpuctl-mount-');
});
after(() => state.cleanup());

const env = () => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/root',
  VGPUCTL_FROM_SOURCE: '1',
  VGPUCTL_PCI_IDS: fixturePath('pci.ids'),
  VGPUCTL_STATE_DIR: state.dir,
});

/** Starts `vgpuctl emulate mount` and resolves once it serves (it says so on stderr). */
function startServer(
  dir: string,
  scenario = 'lab',
  flags: string[] = [],
): Promise<{ child: ChildProcess; exited: Promise<number | null>; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, 'emulate', 'mount', dir, '--scenario', scenario, ...flags], {
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (/serving emulated host/.test(err)) resolve({ child, exited, stderr: () => err });
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

async function mountedAt(dir: string): Promise<boolean> {
  return (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((line) => line.split(' ')[4] === dir);
}

describe('vgpuctl emulate mount', { skip: reason }, () => {
  test('serves lab so that discovery through the mount equals in-memory discovery, then stops cleanly', async () => {
    const { dir, cleanup } = await tempDir('vgpuctl-mnt-');
    try {
      const server = await startServer(dir);
      const ids = await fixturePciIds();
      const mounted = await discover(new FsHost(dir), { pciIds: ids });
      const inMemory = await discover(
        new EmulatedHost(EmulatedKernel.boot(resolveScenario({ name: 'lab' })), { tools: false }),
        { pciIds: ids },
      );
      assert.deepEqual(
        { ...mounted, host: { ...mounted.host, source: '' } },
        { ...inMemory, host: { ...inMemory.host, source: '' } },
      );

      // A change through the mount is kept when the server stops.
      await new FsHost(dir).write(
        '/sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-222/create',
        '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001',
      );
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.stderr());
      assert.equal(await mountedAt(dir), false);
      const listed = await runCli(['show', '3b:00.0', '--emulate', 'lab'], { VGPUCTL_STATE_DIR: state.dir });
      assert.match(listed.stdout, /83b8f4f2-509f-382f-3c1e-e6bfe0fa1001\s+nvidia-222/);
    } finally {
      await cleanup();
    }
  });

  test('while it serves, another command on the host says so and points to --root MOUNT', async () => {
    const { dir, cleanup } = await tempDir('vgpuctl-mnt-');
    try {
      const server = await startServer(dir, 'samples');
      const held = await runCli(['vgpus', '--emulate', 'samples'], { VGPUCTL_STATE_DIR: state.dir });
      assert.equal(held.status, 4, held.stderr);
      assert.match(
        held.stderr,
        new RegExp(`"vgpuctl emulate mount" \\(process ${server.child.pid}\\) serves it at ${dir}`),
      );
      assert.match(held.stderr, new RegExp(`hint: Use the mounted host: vgpuctl --root ${dir} COMMAND`));
      const through = await runCli(['--root', dir, 'vgpus'], { VGPUCTL_STATE_DIR: state.dir });
      assert.equal(through.status, 0, through.stderr);
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.stderr());
    } finally {
      await cleanup();
    }
  });

  test('--fast-open serves the same host: discovery through it equals in-memory discovery', async () => {
    const { dir, cleanup } = await tempDir('vgpuctl-mnt-');
    try {
      const server = await startServer(dir, 'kubevirt-t4', ['--fast-open']);
      assert.match(server.stderr(), /, fast open/);
      const ids = await fixturePciIds();
      const inMemory = await discover(
        new EmulatedHost(EmulatedKernel.boot(resolveScenario({ name: 'kubevirt-t4' })), { tools: false }),
        { pciIds: ids },
      );
      // Twice: the second pass is served from the kernel's caches.
      for (let pass = 0; pass < 2; pass++) {
        const mounted = await discover(new FsHost(dir), { pciIds: ids });
        assert.deepEqual(
          { ...mounted, host: { ...mounted.host, source: '' } },
          { ...inMemory, host: { ...inMemory.host, source: '' } },
        );
      }
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.stderr());
      assert.equal(await mountedAt(dir), false);
    } finally {
      await cleanup();
    }
  });

  test('a second server on a live mount is refused and leaves the first one serving', async () => {
    const { dir, cleanup } = await tempDir('vgpuctl-mnt-');
    try {
      const first = await startServer(dir, 'samples');
      const second = await runCli(['emulate', 'mount', dir, '--scenario', 'kubevirt-t4'], {
        VGPUCTL_STATE_DIR: state.dir,
      });
      assert.equal(second.status, 4, second.stderr);
      assert.match(second.stderr, /a live filesystem is already mounted there/);
      assert.ok((await new FsHost(dir).list('/sys/class/mdev_bus')).includes('mtty'));
      first.child.kill('SIGINT');
      assert.equal(await first.exited, 0);
    } finally {
      await cleanup();
    }
  });

  test('a killed server leaves a stale mount that the next mount clears', async () => {
    const { dir, cleanup } = await tempDir('vgpuctl-mnt-');
    try {
      const killed = await startServer(dir, 'samples');
      killed.child.kill('SIGKILL');
      await killed.exited;
      assert.equal(await mountedAt(dir), true, 'the dead server left its mount');
      const next = await startServer(dir, 'samples');
      assert.match(next.stderr(), /cleared a stale mount/);
      assert.ok((await new FsHost(dir).list('/sys/class/mdev_bus')).includes('mdpy'));
      next.child.kill('SIGTERM');
      assert.equal(await next.exited, 0);
      assert.equal(await mountedAt(dir), false);
    } finally {
      await cleanup();
    }
  });

  test('a mount point that does not exist, and a scenario with errors, leave no mount behind', async () => {
    const { dir, cleanup } = await tempDir('vgpuctl-mnt-');
    try {
      const missing = await runCli(['emulate', 'mount', join(dir, 'nope'), '--scenario', 'samples'], {
        VGPUCTL_STATE_DIR: state.dir,
      });
      assert.equal(missing.status, 2, missing.stderr);
      assert.match(missing.stderr, /Cannot mount emulated host at ".*\/nope": no such directory/);
      const bad = join(dir, 'bad.toml');
      await mkdir(join(dir, 'mnt'));
      await writeFile(bad, 'name = "bad"\n[[gpus]]\naddress = "zz"\nmodel = "tesla-t4"\n');
      const broken = await runCli(['emulate', 'mount', join(dir, 'mnt'), '--scenario', bad], {
        VGPUCTL_STATE_DIR: state.dir,
      });
      assert.equal(broken.status, 2, broken.stderr);
      assert.match(broken.stderr, /Cannot load scenario ".*bad\.toml": gpus\[0\]\.address/);
      assert.equal(await mountedAt(join(dir, 'mnt')), false);
    } finally {
      await cleanup();
    }
  });
});
