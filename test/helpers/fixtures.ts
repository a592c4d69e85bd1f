import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PciIds, parsePciIds } from '../../src/core/pci-ids.ts';

/** Absolute path of a file under test/fixtures. */
export const fixturePath = (name: string): string => new URL(`../fixtures/${name}`, import.meta.url).pathname;

/** The pci.ids excerpt the tests use, so names do not depend on the machine's hwdata. */
export async function fixturePciIds(): Promise<PciIds> {
  return parsePciIds(await readFile(fixturePath('pci.ids'), 'utf8'));
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'vgpuctl-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The result of running the vgpuctl executable. */
export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

const BIN = new URL('../../bin/vgpuctl', import.meta.url).pathname;

let stateDir: string | undefined;
/** One state directory per test process, for runs that name none; removed when the process exits. */
function processStateDir(): string {
  if (stateDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'vgpuctl-cli-state-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    stateDir = dir;
  }
  return stateDir;
}

/**
 * Runs bin/vgpuctl from the TypeScript sources with an isolated state directory and pci.ids;
 * `wrapper` (e.g. `unshare -U -r --`) runs node itself.
 */
export function runCli(args: string[], env: Record<string, string> = {}, wrapper: string[] = []): Promise<CliRun> {
  const [command = process.execPath, ...before] = wrapper.length > 0 ? [...wrapper, process.execPath] : [];
  return new Promise((resolve) => {
    execFile(
      command,
      [...before, BIN, ...args],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/root',
          VGPUCTL_FROM_SOURCE: '1',
          VGPUCTL_PCI_IDS: fixturePath('pci.ids'),
          // Never the user's ~/.local/state: two copies of the suite must not share state.
          VGPUCTL_STATE_DIR: processStateDir(),
          ...env,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ status, stdout, stderr });
      },
    );
  });
}
