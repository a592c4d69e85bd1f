/**
 * The definitions lock: serialises every change to vGPU definitions across processes.
 *
 * The host port offers one exclusive create, mkdir(2) (EEXIST when the directory exists;
 * writeFile's temp-and-rename is atomic but replaces), so the lock is the directory
 * `/run/vgpuctl/lock` with the holder's pid in `lock/owner`. /run is a tmpfs, so a reboot
 * clears it. A lock whose holder is gone (a killed vgpuctl) is stale and is broken — under a
 * second lock, `lock.break`, so that two waiters never both break it and one of them
 * removes the lock the other has just taken.
 */
import { VgpuctlError } from '../core/errors.ts';
import type { HostPort } from '../host/host-port.ts';
import { isHostError } from '../host/host-port.ts';
import { LOCK_DIR } from './paths.ts';

/** How to take the lock: who we are, and how to tell whether a holder still runs. */
export interface LockOptions {
  /** This process's id, recorded in the lock. */
  pid: number;
  /** Whether process `pid` still runs; injected so that the store needs no node:process. */
  isAlive: (pid: number) => boolean;
  /** How long to wait for a live holder (default 30 s). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const BREAK_DIR = `${LOCK_DIR}.break`;
const OWNER = 'owner';
/** A lock directory whose owner file stays missing this long belongs to a process killed between mkdir and write. */
const OWNERLESS_GRACE_MS = 2000;

/** Runs `run` while holding the definitions lock on `host`. */
export async function withDefinitionsLock<T>(host: HostPort, options: LockOptions, run: () => Promise<T>): Promise<T> {
  await acquire(host, options);
  try {
    return await run();
  } finally {
    // Only our own lock: had ours been broken as stale, the directory now belongs to another process.
    if ((await readOwner(host, LOCK_DIR)) === options.pid) await removeLockDir(host, LOCK_DIR);
  }
}

async function acquire(host: HostPort, options: LockOptions): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const timeoutMs = options.timeoutMs ?? 30_000;
  await host.mkdir(LOCK_DIR.slice(0, LOCK_DIR.lastIndexOf('/')), { recursive: true });
  let waited = 0;
  let ownerlessFor = 0;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    if (await tryMkdir(host, LOCK_DIR)) {
      await host.writeFile(`${LOCK_DIR}/${OWNER}`, `${options.pid}\n`);
      return;
    }
    const holder = await readOwner(host, LOCK_DIR);
    if (holder === undefined) ownerlessFor += delay;
    else ownerlessFor = 0;
    if ((holder !== undefined && !options.isAlive(holder)) || ownerlessFor >= OWNERLESS_GRACE_MS) {
      await breakStale(host, holder, options);
      continue;
    }
    if (waited >= timeoutMs) {
      throw new VgpuctlError(
        'DEFINITIONS_LOCKED',
        `Cannot change vGPU definitions: another vgpuctl (process ${holder ?? 'unknown'}) holds ${LOCK_DIR}`,
        { hint: `Wait for it to finish and retry; if no vgpuctl runs, remove ${LOCK_DIR}` },
      );
    }
    await sleep(delay);
    waited += delay;
  }
}

/** Removes the stale lock of `holder`, unless someone else is breaking it or it changed hands. */
async function breakStale(host: HostPort, holder: number | undefined, options: LockOptions): Promise<void> {
  if (!(await tryMkdir(host, BREAK_DIR))) {
    // Another waiter is breaking it; if that waiter died too, its break lock is stale as well.
    const breaker = await readOwner(host, BREAK_DIR);
    if (breaker !== undefined && !options.isAlive(breaker)) await removeLockDir(host, BREAK_DIR);
    return;
  }
  try {
    await host.writeFile(`${BREAK_DIR}/${OWNER}`, `${options.pid}\n`);
    // Re-read under the break lock: only a lock still held by the same dead process is removed.
    if ((await readOwner(host, LOCK_DIR)) === holder) await removeLockDir(host, LOCK_DIR);
  } finally {
    await removeLockDir(host, BREAK_DIR);
  }
}

async function tryMkdir(host: HostPort, path: string): Promise<boolean> {
  try {
    await host.mkdir(path);
    return true;
  } catch (error) {
    if (isHostError(error, 'EEXIST')) return false;
    throw error;
  }
}

async function readOwner(host: HostPort, dir: string): Promise<number | undefined> {
  try {
    const text = (await host.readText(`${dir}/${OWNER}`)).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch (error) {
    if (isHostError(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}

/** Removes a lock directory with whatever it holds (an owner file, a killed writer's temp file). */
async function removeLockDir(host: HostPort, dir: string): Promise<void> {
  try {
    for (const name of await host.list(dir)) await host.remove(`${dir}/${name}`);
    await host.remove(dir);
  } catch (error) {
    if (!isHostError(error, 'ENOENT')) throw error;
  }
}
