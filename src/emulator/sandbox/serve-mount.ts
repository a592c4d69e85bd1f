/**
 * `vgpuctl emulate mount DIR`: serves an emulated host at DIR until SIGINT/SIGTERM or until
 * someone unmounts it, then saves its state. A stale mount left by a killed server is
 * cleared first; a live mount is refused.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { VgpuctlError } from '../../core/errors.ts';
import { clearStaleMount, fuseAvailable } from '../fuse/mount-tools.ts';
import { fuseMountsAt } from '../fuse/mountinfo.ts';
import { mountFuse } from '../fuse/server.ts';
import { kernelFuseBackend } from '../kernel-fuse-backend.ts';
import type { PersistentEmulator } from '../state-store.ts';

/** What the mount served. */
export interface ServeResult {
  mountpoint: string;
  scenario: string;
  requests: number;
  stoppedBy: 'signal' | 'unmount';
}

/** Mounts the emulator at `dir` and serves until stopped. */
export async function serveMount(
  emulator: PersistentEmulator,
  dir: string,
  log: (line: string) => void,
  stop: AbortSignal,
  options: { fastOpen: boolean } = { fastOpen: false },
): Promise<ServeResult> {
  const mountpoint = resolve(dir);
  const available = fuseAvailable();
  if (!available.ok) {
    throw new VgpuctlError('UNSUPPORTED', `Cannot mount emulated host at "${mountpoint}": ${available.reason}`, {
      hint: 'Run as root on a machine with /dev/fuse (modprobe fuse), or use "vgpuctl emulate write-tree"',
    });
  }
  if (await clearStaleMount(mountpoint)) log(`cleared a stale mount at ${mountpoint} left by a server that is gone`);
  const st = await stat(mountpoint).catch(() => undefined);
  if (st === undefined || !st.isDirectory()) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot mount emulated host at "${mountpoint}": ${st === undefined ? 'no such directory' : 'not a directory'}`,
      {
        hint: `Create it first: mkdir -p ${mountpoint}`,
      },
    );
  }
  if ((await fuseMountsAt(mountpoint)).length > 0) {
    throw new VgpuctlError(
      'DEVICE_BUSY',
      `Cannot mount emulated host at "${mountpoint}": a live filesystem is already mounted there`,
      {
        hint: `Stop the server that owns it, or unmount it: umount ${mountpoint}`,
      },
    );
  }
  const kernel = emulator.kernel;
  const mount = await mountFuse(kernelFuseBackend(kernel), mountpoint, {
    fsName: `vgpuctl-${kernel.scenario.name}`,
    kernelOpens: options.fastOpen,
  });
  const stopInvalidating = kernel.onWrite(() => void mount.invalidateData());
  const how = options.fastOpen ? ', fast open' : '';
  log(`serving emulated host "${kernel.scenario.name}" at ${mountpoint}${how} (Ctrl-C or SIGTERM to stop)`);
  const stoppedBy = await new Promise<'signal' | 'unmount'>((done) => {
    if (stop.aborted) done('signal');
    stop.addEventListener('abort', () => done('signal'), { once: true });
    void mount.closed.then(() => done('unmount'));
  });
  const requests = mount.stats().requests ?? 0;
  stopInvalidating();
  await mount.unmount();
  return { mountpoint, scenario: kernel.scenario.name, requests, stoppedBy };
}
