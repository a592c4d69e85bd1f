/**
 * The definitions lock: serialises every change to vGPU definitions across processes. It is
 * the lock directory `/run/vgpuctl/lock` (see host/dir-lock.ts); /run is a tmpfs, so a reboot
 * clears it.
 */
import { VgpuctlError } from '../core/errors.ts';
import { acquireDirLock, type DirLockOptions } from '../host/dir-lock.ts';
import type { HostPort } from '../host/host-port.ts';
import { isHostError } from '../host/host-port.ts';
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
  let release: () => Promise<void>;
  try {
    await host.mkdir(LOCK_DIR.slice(0, LOCK_DIR.lastIndexOf('/')), { recursive: true });
    release = await acquireDirLock(host, LOCK_DIR, lockOptions(options));
  } catch (error) {
    throw hostFailure(error, 'take', 'nothing was changed');
  }
  let result: T;
  try {
    result = await run();
  } catch (error) {
    await release().catch((releaseError: unknown) => {
      throw hostFailure(releaseError, 'release', `the change itself failed: ${messageOf(error)}`);
    });
    throw error;
  }
  try {
    await release();
  } catch (error) {
    throw hostFailure(error, 'release', 'the change itself was made');
  }
  return result;
}

/** A host error around the lock as a user-facing error that says what state things are in. */
function hostFailure(error: unknown, verb: 'take' | 'release', state: string): unknown {
  if (!isHostError(error)) return error;
  return new VgpuctlError(
    'HOST_IO',
    `Cannot ${verb} the definitions lock ${LOCK_DIR}: ${error.op} ${error.path} failed with ${error.errno}; ${state}`,
    {
      hint:
        verb === 'take'
          ? `Check that ${LOCK_DIR.slice(0, LOCK_DIR.lastIndexOf('/'))} is writable (it is on /run, a tmpfs), then retry`
          : `The lock names this process: once it has exited, the next vgpuctl breaks it (or remove ${LOCK_DIR})`,
      cause: error,
    },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function lockOptions(options: LockOptions): DirLockOptions {
  return {
    ...options,
    busy: (holder) =>
      new VgpuctlError(
        'DEFINITIONS_LOCKED',
        `Cannot change vGPU definitions: another vgpuctl (process ${holder ?? 'unknown'}) holds ${LOCK_DIR}`,
        { hint: `Wait for it to finish and retry; if no vgpuctl runs, remove ${LOCK_DIR}` },
      ),
  };
}
