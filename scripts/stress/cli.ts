/** Running bin/vgpuctl from the sources as separate processes, for the stress runs. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/vgpuctl', import.meta.url));
const PCI_IDS = fileURLToPath(new URL('../../test/fixtures/pci.ids', import.meta.url));

export interface Exit {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Starts `vgpuctl args` with `env`; `exited` resolves with its status and output. */
export function startCli(args: string[], env: Record<string, string>): { child: ChildProcess; exited: Promise<Exit> } {
  const began = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      VGPUCTL_FROM_SOURCE: '1',
      VGPUCTL_PCI_IDS: PCI_IDS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr, ms: performance.now() - began })),
  );
  return { child, exited };
}

/** Runs `vgpuctl args` to the end. */
export function runCli(args: string[], env: Record<string, string>): Promise<Exit> {
  return startCli(args, env).exited;
}

/** Every mdev UUID in a text. */
export function uuidsIn(text: string): string[] {
  return [...new Set(text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [])];
}

/** A clear failure: a documented exit status (not 1, "a bug") with an error line. */
export function failedClearly(exit: Exit): boolean {
  return exit.status !== null && exit.status > 1 && /error:/.test(exit.stderr);
}
