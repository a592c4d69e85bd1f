/**
 * The definitions lock: serialises every change to vGPU definitions across processes. It is
 * the lock directory `/run/vgpuctl/lock` (see host/dir-lock.ts); /run is a tmpfs, so a reboot
 * clears it.
 */
import { VgpuctlError } from '../core/errors.ts';
import { withDirLock } from '../host/dir-lock.ts';
import type { HostPort } from '../host/host-port.ts';
import { LOCK_DIR } from './paths.ts';

/** How to take the lock: who we are, and how to tell whether a holder still runs. */
export interface LockOptions {
  /** This process's id, recorded in the lock. */
  pid: number;
  /** Whether process `pid` still runs (default: the host port's answer). */
  isAlive?: (pid: number) => boolean;
  /** How long to wait for a live holder (default 30 s). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs `run` while holding the definitions lock on `host`. */
export async function withDefinitionsLock<T>(host: HostPort, options: LockOptions, run: () => Promise<T>): Promise<T> {
  await host.mkdir(LOCK_DIR.slice(0, LOCK_DIR.lastIndexOf('/')), { recursive: true });
  return withDirLock(
    host,
    LOCK_DIR,
    {
      ...options,
      busy: (holder) =>
        new VgpuctlError(
          'DEFINITIONS_LOCKED',
          `Cannot change vGPU definitions: another vgpuctl (process ${holder ?? 'unknown'}) holds ${LOCK_DIR}`,
          { hint: `Wait for it to finish and retry; if no vgpuctl runs, remove ${LOCK_DIR}` },
        ),
    },
    run,
  );
}
