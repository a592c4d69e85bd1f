import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../../test/helpers/fixtures.ts';
import { isVgpuctlError } from '../core/errors.ts';
import { resolveScenario } from './scenario/load.ts';
import { openPersistentEmulator, resetPersistentEmulator } from './state-store.ts';

const T4_CREATE = '/sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-222/create';
const UUID = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';

describe('openPersistentEmulator()', () => {
  let state: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    state = await tempDir('vgpuctl-state-');
  });
  after(() => state.cleanup());
  const lab = () => resolveScenario({ name: 'lab' });
  const open = (key = 'lab') => openPersistentEmulator(lab(), { stateDir: state.dir, key });

  test('a change saved by one invocation is seen by the next, until reset', async () => {
    const first = await open();
    await first.host.write(T4_CREATE, UUID);
    await first.host.mkdir('/etc/mdevctl.d/0000:3b:00.0', { recursive: true });
    await first.host.writeFile(
      `/etc/mdevctl.d/0000:3b:00.0/${UUID}`,
      '{"mdev_type":"nvidia-222","start":"manual","attrs":[]}',
    );
    await first.save();

    const second = await open();
    assert.equal(await second.host.exists(`/sys/bus/mdev/devices/${UUID}`), true);
    assert.equal(
      (
        await second.host.readText(
          '/sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-222/available_instances',
        )
      ).trim(),
      '15',
    );
    assert.match(await second.host.readText(`/etc/mdevctl.d/0000:3b:00.0/${UUID}`), /nvidia-222/);
    await second.close();

    assert.equal(await resetPersistentEmulator({ stateDir: state.dir, key: 'lab' }), true);
    const third = await open();
    assert.equal(await third.host.exists(`/sys/bus/mdev/devices/${UUID}`), false);
    await third.close();
  });

  test('a second invocation waits for the first to release the lock', async () => {
    const first = await open('locked');
    const order: string[] = [];
    const second = open('locked').then(async (e) => {
      order.push('second');
      await e.close();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    order.push('first-done');
    await first.close();
    await second;
    assert.deepEqual(order, ['first-done', 'second']);
  });

  test('a state directory that cannot be made fails at once with a clear error (no endless retry)', async () => {
    // Node's recursive mkdir retries forever on ENOENT below /proc; the store must not.
    for (const stateDir of ['/proc/vgpuctl-no-such-dir', join(state.dir, 'locked', 'file', 'below')]) {
      if (stateDir.startsWith(state.dir)) {
        await mkdir(join(state.dir, 'locked'), { recursive: true });
        await writeFile(join(state.dir, 'locked', 'file'), 'a file, not a directory');
      }
      await assert.rejects(
        openPersistentEmulator(lab(), { stateDir, key: 'lab' }),
        (error) =>
          isVgpuctlError(error) &&
          error.code === 'HOST_IO' &&
          error.message.includes(stateDir) &&
          /VGPUCTL_STATE_DIR/.test(error.hint ?? ''),
      );
    }
  });

  test('a full or read-only state directory gives a clear error (tmpfs mounted for the test; needs root)', async (t) => {
    const dir = join(state.dir, 'small');
    await mkdir(dir);
    const mount = (...args: string[]) =>
      new Promise<number>((resolve) =>
        spawn('mount', args, { stdio: 'ignore' }).on('close', (code) => resolve(code ?? 1)),
      );
    if (process.getuid?.() !== 0 || (await mount('-t', 'tmpfs', '-o', 'size=64k', 'vgpuctl-test', dir)) !== 0) {
      t.skip('mounting a tmpfs needs root');
      return;
    }
    try {
      const full = await openPersistentEmulator(lab(), { stateDir: dir, key: 'full' });
      await full.host.write(T4_CREATE, UUID);
      // Fill the filesystem (the lock directory is already made) so the state file cannot be written.
      await writeFile(join(dir, 'filler'), Buffer.alloc(64 * 1024)).catch(() => undefined);
      await assert.rejects(
        full.save(),
        (error) => isVgpuctlError(error) && error.code === 'HOST_IO' && /ENOSPC/.test(error.message),
      );
      assert.equal(await mount('-o', 'remount,ro', dir), 0);
      await assert.rejects(
        openPersistentEmulator(lab(), { stateDir: dir, key: 'ro' }),
        (error) => isVgpuctlError(error) && error.code === 'HOST_IO' && /EROFS/.test(error.message),
      );
    } finally {
      await new Promise((resolve) => spawn('umount', [dir], { stdio: 'ignore' }).on('close', resolve));
    }
  });

  test('a lock left by a killed process is taken over, also an older lock file', async () => {
    const dead = await deadPid();
    await mkdir(join(state.dir, 'emulate-stale.json.lock'));
    await writeFile(join(state.dir, 'emulate-stale.json.lock', 'owner'), `${dead}\n`);
    const first = await open('stale');
    await first.close();
    await writeFile(join(state.dir, 'emulate-stale2.json.lock'), String(dead));
    const second = await open('stale2');
    await second.close();
    assert.deepEqual(
      (await readdir(state.dir)).filter((name) => name.includes('stale')),
      [],
      'no lock or break lock is left behind',
    );
  });

  test('a corrupt state file is refused with a hint to reset', async () => {
    const e = await open('corrupt');
    await e.host.write(T4_CREATE, UUID);
    await e.save();
    await writeFile(e.stateFile, '{"version":1,');
    await assert.rejects(
      open('corrupt'),
      (error) => isVgpuctlError(error) && error.code === 'STATE_CORRUPT' && /reset/.test(error.hint ?? ''),
    );
  });

  test('state made from another scenario is refused', async () => {
    const e = await open('other');
    await e.host.write(T4_CREATE, UUID);
    await e.save();
    const text = await readFile(e.stateFile, 'utf8');
    await writeFile(e.stateFile, text.replace('"lab"', '"lab2"'));
    await assert.rejects(open('other'), /different scenario/);
  });

  test('nothing is written when nothing changed', async () => {
    const e = await open('untouched');
    await e.save();
    await assert.rejects(readFile(e.stateFile, 'utf8'), { code: 'ENOENT' });
  });
});

/** The pid of a process that has exited (and been reaped), so no live process holds it now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}
