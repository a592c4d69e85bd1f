/**
 * The one cross-process lock: a directory made with mkdir(2), the one exclusive create the
 * host port offers (EEXIST when it exists; writeFile's temp-and-rename is atomic but
 * replaces), holding the holder's pid in `owner`. A lock whose holder is gone (a killed
 * vgpuctl) is stale and is broken — under a second lock, `<lock>.break`, so that two waiters
 * never both break it and one of them removes the lock the other has just taken.
 *
 * Waits are counted in the sleeps taken, not in wall-clock time, so a loaded machine waits
 * longer rather than failing sooner; every wait ends with an error naming the lock and holder.
 */
import type { HostPort } from './host-port.ts';
import { isHostError } from './host-port.ts';

/** How to take a lock: who we are, how long to wait, and the error for a lock held too long. */
export interface DirLockOptions {
  /** This process's id, recorded in the lock. */
  pid: number;
  /** Whether process `pid` still runs (default: the host's {@link HostPort.processAlive}). */
  isAlive?: (pid: number) => boolean;
  /** How long to wait for a live holder, in milliseconds of sleep (default 30 s). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The error thrown when a live holder keeps the lock past the timeout. */
  busy: (holder: number | undefined) => Error;
  /**
   * Asked while a live holder has the lock: an error to throw at once instead of waiting (a
   * holder that says it will not let go soon), or undefined to wait.
   */
  refuse?: (holder: number | undefined) => Promise<Error | undefined>;
}

const OWNER = 'owner';
/** A lock directory whose owner file stays missing this long belongs to a process killed between mkdir and write. */
const OWNERLESS_GRACE_MS = 2000;

/** Takes the lock directory `lockDir` on `host`; returns the function that releases it. */
export async function acquireDirLock(
  host: HostPort,
  lockDir: string,
  options: DirLockOptions,
): Promise<() => Promise<void>> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const isAlive = options.isAlive ?? ((pid: number) => host.processAlive(pid));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const breakDir = `${lockDir}.break`;
  let waited = 0;
  let ownerlessFor = 0;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    if (await tryMkdir(host, lockDir)) {
      try {
        await host.writeFile(`${lockDir}/${OWNER}`, `${options.pid}\n`, { mode: 0o600 });
      } catch (error) {
        // Not ours after all: leave no ownerless lock for others to wait out.
        await removeLockDir(host, lockDir);
        throw error;
      }
      return async () => {
        // Only our own lock: had ours been broken as stale, the directory now belongs to another process.
        if ((await readOwner(host, lockDir)) === options.pid) await removeLockDir(host, lockDir);
      };
    }
    const holder = await readOwner(host, lockDir);
    if (holder === undefined) ownerlessFor += delay;
    else ownerlessFor = 0;
    if ((holder !== undefined && !isAlive(holder)) || ownerlessFor >= OWNERLESS_GRACE_MS) {
      await breakStale(host, lockDir, breakDir, holder, options.pid, isAlive);
      continue;
    }
    const refusal = await options.refuse?.(holder);
    if (refusal !== undefined) throw refusal;
    if (waited >= timeoutMs) throw options.busy(holder);
    await sleep(delay);
    waited += delay;
  }
}

/** Removes the stale lock of `holder`, unless someone else is breaking it or it changed hands. */
async function breakStale(
  host: HostPort,
  lockDir: string,
  breakDir: string,
  holder: number | undefined,
  pid: number,
  isAlive: (pid: number) => boolean,
): Promise<void> {
  if (!(await tryMkdir(host, breakDir))) {
    // Another waiter is breaking it; if that waiter died too, its break lock is stale as well.
    const breaker = await readOwner(host, breakDir);
    if (breaker !== undefined && !isAlive(breaker)) await removeLockDir(host, breakDir);
    return;
  }
  try {
    await host.writeFile(`${breakDir}/${OWNER}`, `${pid}\n`, { mode: 0o600 });
    // Re-read under the break lock: only a lock still held by the same dead process is removed.
    if ((await readOwner(host, lockDir)) === holder) await removeLockDir(host, lockDir);
  } finally {
    await removeLockDir(host, breakDir);
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
    // A plain file where the lock directory belongs (an older vgpuctl's lock file) goes too.
    if (isHostError(error, 'ENOTDIR')) await host.remove(dir);
    else if (!isHostError(error, 'ENOENT')) throw error;
  }
}
