/**
 * `vgpuctl emulate run`: starts this program again inside a private mount namespace
 * (unshare(1); with a user namespace when not root), where `runInsideNamespace` lays the
 * emulated host over the real paths and runs the command. The outer process only waits,
 * forwards signals, and removes the scratch directory, which in its namespace never held
 * a mount.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rmdir } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { VgpuctlError } from '../../core/errors.ts';

/** How to start vgpuctl itself again (node + the entry script), inside the namespace. */
export interface SelfInvocation {
  execPath: string;
  /** Arguments before the vgpuctl arguments (the entry script, loader flags). */
  prefix: string[];
}

/** Runs `inner` (vgpuctl arguments) in a new mount namespace; resolves to its exit status. */
export async function runInNewNamespace(
  self: SelfInvocation,
  innerArgs: (work: string) => string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), 'vgpuctl-run-'));
  try {
    // A mount namespace, and a network namespace of its own so that the emulated host's
    // uevents (inside-namespace.ts) reach only the command's listeners, never the host's.
    const unshare = ['-m', '-n', '--propagation', 'private'];
    // Without root, a user namespace maps us to root so mount(2) is allowed there.
    if (process.getuid?.() !== 0) unshare.unshift('-r');
    return await new Promise<number>((resolve, reject) => {
      const child = spawn('unshare', [...unshare, '--', self.execPath, ...self.prefix, ...innerArgs(work)], {
        stdio: 'inherit',
        env,
      });
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      // Not printed here: the entry point renders the error and chooses the exit status.
      child.on('error', (error: NodeJS.ErrnoException) => {
        process.off('SIGINT', forward);
        process.off('SIGTERM', forward);
        reject(
          new VgpuctlError(
            'HOST_IO',
            `Cannot start a private mount namespace: ${error.code === 'ENOENT' ? 'unshare(1) is not installed' : error.message}`,
            { hint: 'Install util-linux', cause: error },
          ),
        );
      });
      child.on('exit', (code, signal) => {
        process.off('SIGINT', forward);
        process.off('SIGTERM', forward);
        resolve(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
      });
    });
  } finally {
    // In this namespace the scratch directories are plain empty directories; rmdir (never a
    // recursive delete) so that nothing below a mount could ever be touched.
    for (const dir of [join(work, 'root'), join(work, 'dev'), join(work, 'tools'), work])
      await rmdir(dir).catch(() => {});
  }
}
