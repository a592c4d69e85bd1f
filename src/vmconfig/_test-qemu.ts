/**
 * Test helpers around Debian's qemu-system-x86_64: probing it, asking it which properties
 * a device has, and starting it paused under TCG with a QMP socket
 * (fuse-qemu-lspci-notes.md §4 has the recipe and the timings).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';

const QEMU = 'qemu-system-x86_64';

/** Runs QEMU to completion with `args`; resolves to its exit status and output. */
export function runQemu(
  args: readonly string[],
  timeoutMs = 20_000,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(QEMU, [...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ status, stdout, stderr });
    });
  });
}

/** The QEMU version line, or null when QEMU is not installed. */
export async function qemuVersion(): Promise<string | null> {
  const run = await runQemu(['--version']).catch(() => null);
  return run === null || run.status !== 0 ? null : (run.stdout.split('\n')[0] ?? null);
}

/** The property names `-device <driver>,help` lists. */
export async function deviceProperties(driver: string): Promise<Set<string>> {
  const run = await runQemu(['-device', `${driver},help`]);
  return new Set([...`${run.stdout}${run.stderr}`.matchAll(/^\s+([\w-]+)=</gm)].map((m) => m[1] as string));
}

/** The device names `-device help` lists. */
export async function deviceNames(): Promise<Set<string>> {
  const run = await runQemu(['-device', 'help']);
  return new Set([...`${run.stdout}${run.stderr}`.matchAll(/^name "([^"]+)"/gm)].map((m) => m[1] as string));
}

/** The `-device` values of an argument list, split into driver and property names. */
export function devicesIn(args: readonly string[]): { driver: string; props: string[] }[] {
  const out: { driver: string; props: string[] }[] = [];
  for (const [i, arg] of args.entries()) {
    if (arg !== '-device') continue;
    const [driver, ...props] = (args[i + 1] ?? '').split(',');
    out.push({ driver: driver ?? '', props: props.map((p) => p.split('=')[0] ?? '') });
  }
  return out;
}

/** A paused QEMU with a QMP connection. */
export interface QmpSession {
  process: ChildProcess;
  stderr: () => string;
  /** Sends a command and resolves to its `return` value; rejects on an `error` answer. */
  command(execute: string, args?: Record<string, unknown>): Promise<unknown>;
  /** Sends `quit` and waits for the process to end (kills it after 5 s). */
  close(): Promise<void>;
}

/**
 * Starts `qemu-system-x86_64 -machine q35 -accel tcg -nodefaults -nographic -S -m 256
 * -qmp unix:<dir>/qmp.sock,server=on,wait=off <args>` and completes the QMP handshake.
 * Rejects with QEMU's stderr when it exits before answering.
 */
export async function startQemu(dir: string, args: readonly string[], base?: readonly string[]): Promise<QmpSession> {
  const socketPath = join(dir, 'qmp.sock');
  const baseArgs = base ?? ['-machine', 'q35', '-accel', 'tcg', '-nodefaults', '-nographic', '-m', '256'];
  const child = spawn(QEMU, [...baseArgs, '-S', '-qmp', `unix:${socketPath},server=on,wait=off`, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`QEMU exited (${code}) before QMP answered: ${stderr.trim()}`)));
  });
  exited.catch(() => undefined);
  const socket = await Promise.race([connectWithRetry(socketPath), exited]);
  const qmp = new QmpClient(socket);
  try {
    await Promise.race([qmp.greeting, exited]);
    await Promise.race([qmp.send('qmp_capabilities'), exited]);
  } catch (error) {
    socket.destroy();
    child.kill('SIGKILL');
    throw error;
  }
  return {
    process: child,
    stderr: () => stderr,
    command: (execute, commandArgs) => Promise.race([qmp.send(execute, commandArgs), exited]),
    close: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await qmp.send('quit').catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
      socket.destroy();
    },
  };
}

async function connectWithRetry(path: string): Promise<Socket> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(path);
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (error) {
      if (attempt > 200) throw error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** A line-oriented QMP client: skips `event` lines, rejects pending commands when the socket closes. */
class QmpClient {
  readonly greeting: Promise<void>;
  private buffer = '';
  private pending: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  private onGreeting: (() => void) | undefined;
  private readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
    this.greeting = new Promise((resolve) => {
      this.onGreeting = resolve;
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('close', () => {
      for (const p of this.pending.splice(0)) p.reject(new Error('QMP socket closed'));
    });
  }

  send(execute: string, args?: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(`${JSON.stringify(args === undefined ? { execute } : { execute, arguments: args })}\n`);
    });
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line === '') continue;
      const message = JSON.parse(line) as Record<string, unknown>;
      if ('QMP' in message) this.onGreeting?.();
      else if ('event' in message) continue;
      else if ('return' in message) this.pending.shift()?.resolve(message.return);
      else if ('error' in message) this.pending.shift()?.reject(new Error(JSON.stringify(message.error)));
    }
  }
}
