/**
 * N processes change one host at once: `create` on an emulated host (its state lock), and
 * `define` on a tree (the definitions lock). Every process must succeed or fail clearly, no
 * vGPU may be handed out twice and no definition may be lost.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { failedClearly, runCli, uuidsIn } from './cli.ts';

export interface ConcurrencyReport {
  processes: number;
  succeeded: number;
  failedClearly: number;
  unclear: string[];
  doubleAllocations: number;
  lost: number;
  slowestMs: number;
}

const T4 = '0000:3b:00.0';

function tally(exits: Awaited<ReturnType<typeof runCli>>[]): Omit<ConcurrencyReport, 'doubleAllocations' | 'lost'> {
  return {
    processes: exits.length,
    succeeded: exits.filter((e) => e.status === 0).length,
    failedClearly: exits.filter(failedClearly).length,
    unclear: exits
      .filter((e) => e.status !== 0 && !failedClearly(e))
      .map((e) => `exit ${e.status}: ${e.stderr.trim()}`),
    slowestMs: Math.round(Math.max(...exits.map((e) => e.ms))),
  };
}

/** `processes` × `create --count 1` at once on the emulated lab host in `stateDir`. */
export async function concurrentCreates(stateDir: string, processes: number): Promise<ConcurrencyReport> {
  const env = { VGPUCTL_STATE_DIR: stateDir };
  const exits = await Promise.all(
    Array.from({ length: processes }, () =>
      runCli(['create', '--type', 'T4-1B', '--gpu', T4, '--emulate', 'lab'], env),
    ),
  );
  const handedOut = exits.filter((e) => e.status === 0).flatMap((e) => uuidsIn(e.stdout));
  const listed = uuidsIn((await runCli(['vgpus', '--json', '--emulate', 'lab'], env)).stdout);
  return {
    ...tally(exits),
    doubleAllocations: handedOut.length - new Set(handedOut).size,
    lost: handedOut.filter((uuid) => !listed.includes(uuid)).length,
  };
}

/** `processes` × `define` at once on the tree at `root`. */
export async function concurrentDefines(root: string, processes: number): Promise<ConcurrencyReport> {
  const exits = await Promise.all(
    Array.from({ length: processes }, () => runCli(['define', '--type', 'T4-1B', '--gpu', T4, '--root', root], {})),
  );
  const handedOut = exits.filter((e) => e.status === 0).flatMap((e) => uuidsIn(e.stdout));
  const files = await readdir(join(root, 'etc/mdevctl.d', T4)).catch(() => [] as string[]);
  return {
    ...tally(exits),
    doubleAllocations: handedOut.length - new Set(handedOut).size,
    lost: handedOut.filter((uuid) => !files.includes(uuid)).length,
  };
}
