/**
 * Mount-side helpers: can we mount FUSE here, run mount(8)/umount(8) without blocking, and
 * clear a mount whose server died (every access then fails with ENOTCONN until unmounted).
 */

import type { StdioOptions } from 'node:child_process';
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { fuseMountsAt } from './mountinfo.ts';

/** Exit status and stderr of a finished command. */
export interface CommandResult {
  code: number;
  stderr: string;
}

/**
 * Runs a command asynchronously. Never use a synchronous spawn for umount from the serving
 * process: umount(8) stats the mountpoint, which waits for a GETATTR reply we could not send.
 */
export function runCommand(file: string, args: string[], stdio: StdioOptions = ['ignore', 'ignore', 'pipe']) {
  return new Promise<CommandResult>((done) => {
    const child = spawn(file, args, { stdio });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (err) => done({ code: 127, stderr: err.message }));
    child.on('close', (code, signal) => done({ code: code ?? (signal === null ? 1 : 128), stderr: stderr.trim() }));
  });
}

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** Whether this process can serve FUSE mounts: /dev/fuse opens read-write, mount(8) exists, we are root. */
export function fuseAvailable(): { ok: true } | { ok: false; reason: string } {
  try {
    closeSync(openSync('/dev/fuse', 'r+'));
  } catch (err) {
    return { ok: false, reason: `cannot open /dev/fuse: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  if (!onPath('mount') || !onPath('umount')) return { ok: false, reason: 'mount(8)/umount(8) not found on PATH' };
  // mount(2) of a fuse filesystem needs CAP_SYS_ADMIN (root, or root in a user namespace);
  // Node cannot receive the fd from fusermount3 (SCM_RIGHTS) without an addon.
  if (process.getuid?.() !== 0) return { ok: false, reason: 'mounting needs root (or unshare -r)' };
  return { ok: true };
}

/** Unmounts `dir`, lazily (detach now, finish when the last user leaves) when it is busy. */
export async function unmountDir(dir: string): Promise<CommandResult> {
  // -i: do not run a umount.<type> helper (as with mount -i).
  const first = await runCommand('umount', ['-i', dir]);
  if (first.code === 0) return first;
  return runCommand('umount', ['-i', '-l', dir]);
}

function statOutcome(path: string, timeoutMs: number): Promise<string> {
  return new Promise((done) => {
    const timer = setTimeout(() => done('TIMEOUT'), timeoutMs);
    // statfs, not stat: STATFS always reaches the server, while stat of the mount root may be
    // answered from cached attributes even after the connection was aborted.
    statfs(path).then(
      () => done('OK'),
      (err: NodeJS.ErrnoException) => done(err.code ?? 'ERROR'),
    );
    timer.unref();
  });
}

/**
 * Detects a FUSE mount at `dir` left by a server that is gone (statfs fails with ENOTCONN)
 * and detaches it with `umount -l`. Returns whether a stale mount was cleared. A live mount
 * (stat answers, or does not answer within `timeoutMs`) is left alone.
 */
export async function clearStaleMount(dir: string, timeoutMs = 2000): Promise<boolean> {
  const mountPoint = resolve(dir);
  let cleared = false;
  // Several stale mounts may be stacked on the same directory; clear them all.
  for (let i = 0; i < 16; i++) {
    if ((await fuseMountsAt(mountPoint)).length === 0) break;
    if ((await statOutcome(mountPoint, timeoutMs)) !== 'ENOTCONN') break;
    const result = await runCommand('umount', ['-i', '-l', mountPoint]);
    if (result.code !== 0) break;
    cleared = true;
  }
  return cleared;
}
