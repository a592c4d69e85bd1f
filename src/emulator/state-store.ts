/**
 * Persistence of an emulated host between CLI invocations. The state is the scenario plus
 * the journal of every accepted change (sysfs writes and file changes), replayed on load:
 * the kernel model is deterministic, so replay rebuilds exactly the same host. A lock file
 * serialises concurrent invocations so no change is lost.
 */
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { VgpuctlError } from '../core/errors.ts';
import { isHostError } from '../host/host-port.ts';
import { EmulatedHost, type FileMutation } from './emulated-host.ts';
import { KernelErrno } from './kernfs/errno-error.ts';
import { EmulatedKernel } from './kernel.ts';
import { Scenario } from './scenario/schema.ts';

const JournalEntry = z.union([
  z.object({ op: z.literal('write'), path: z.string(), data: z.string() }).strict(),
  z.object({ op: z.literal('writeFile'), path: z.string(), data: z.string(), mode: z.number().int() }).strict(),
  z.object({ op: z.literal('mkdir'), path: z.string() }).strict(),
  z.object({ op: z.literal('remove'), path: z.string() }).strict(),
]);
type JournalEntry = z.infer<typeof JournalEntry>;

const StateFile = z.object({ version: z.literal(1), scenario: Scenario, journal: z.array(JournalEntry) }).strict();

/** Where emulated hosts keep their state: VGPUCTL_STATE_DIR, else $XDG_STATE_HOME/vgpuctl. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VGPUCTL_STATE_DIR) return env.VGPUCTL_STATE_DIR;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'vgpuctl');
}

/** A loaded emulated host whose changes are saved by {@link PersistentEmulator.save}. */
export interface PersistentEmulator {
  readonly host: EmulatedHost;
  readonly kernel: EmulatedKernel;
  readonly stateFile: string;
  /** Writes the journal if anything changed, then releases the lock. */
  save(): Promise<void>;
  /** Releases the lock without saving. */
  close(): Promise<void>;
}

/**
 * Boots `scenario`, replays its saved journal from `stateDir`, and journals new changes.
 * `key` names the state file (the scenario name, or the file it came from).
 */
export async function openPersistentEmulator(
  scenario: Scenario,
  options: { stateDir: string; key: string; lockTimeoutMs?: number },
): Promise<PersistentEmulator> {
  await fs.mkdir(options.stateDir, { recursive: true, mode: 0o700 });
  const stateFile = join(options.stateDir, `emulate-${safeKey(options.key)}.json`);
  const release = await acquireLock(`${stateFile}.lock`, options.lockTimeoutMs ?? 10_000);
  try {
    const journal = await readJournal(stateFile, scenario, options.key);
    const kernel = EmulatedKernel.boot(scenario);
    const host = new EmulatedHost(kernel);
    replay(kernel, host, journal, options.key);
    const before = journal.length;
    kernel.onWrite((path, data) => journal.push({ op: 'write', path, data: data.toString('base64') }));
    host.onMutation((m: FileMutation) => journal.push(m.op === 'writeFile' ? { ...m } : { op: m.op, path: m.path }));
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await release();
    };
    return {
      host,
      kernel,
      stateFile,
      async save() {
        try {
          if (journal.length !== before) await writeAtomically(stateFile, JSON.stringify({ version: 1, scenario, journal }));
        } finally {
          await close();
        }
      },
      close,
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Deletes the saved state of an emulated host; returns whether there was any. */
export async function resetPersistentEmulator(options: { stateDir: string; key: string }): Promise<boolean> {
  const stateFile = join(options.stateDir, `emulate-${safeKey(options.key)}.json`);
  try {
    await fs.unlink(stateFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function readJournal(stateFile: string, scenario: Scenario, key: string): Promise<JournalEntry[]> {
  let text: string;
  try {
    text = await fs.readFile(stateFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let parsed: z.infer<typeof StateFile>;
  try {
    parsed = StateFile.parse(JSON.parse(text));
  } catch (cause) {
    throw corrupt(key, `${stateFile} is not a valid state file`, cause);
  }
  if (!isDeepStrictEqual(parsed.scenario, scenario)) {
    throw new VgpuctlError('STATE_CORRUPT', `Cannot load emulated host "${key}": its saved state was made from a different scenario`, {
      hint: `Run "vgpuctl emulate reset ${key}" to start again from the scenario`,
      details: { stateFile },
    });
  }
  return parsed.journal;
}

function replay(kernel: EmulatedKernel, host: EmulatedHost, journal: JournalEntry[], key: string): void {
  for (const [index, entry] of journal.entries()) {
    try {
      if (entry.op === 'write') kernel.write(entry.path, Buffer.from(entry.data, 'base64'));
      else if (entry.op === 'writeFile') kernel.tree.file(entry.path, entry.data, entry.mode);
      else if (entry.op === 'mkdir') kernel.tree.mkdir(entry.path);
      else kernel.tree.remove(entry.path);
    } catch (cause) {
      if (cause instanceof KernelErrno || isHostError(cause)) {
        throw corrupt(key, `change ${index + 1} (${entry.op} ${entry.path}) no longer applies`, cause);
      }
      throw cause;
    }
  }
  void host;
}

function corrupt(key: string, state: string, cause: unknown): VgpuctlError {
  return new VgpuctlError('STATE_CORRUPT', `Cannot load emulated host "${key}": ${state}`, {
    hint: `Run "vgpuctl emulate reset ${key}" to start again from the scenario`,
    cause,
  });
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await fs.open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, file);
}

/** An exclusive lock file holding our pid; a lock whose process is gone is taken over. */
async function acquireLock(lockFile: string, timeoutMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    try {
      const handle = await fs.open(lockFile, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => fs.rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await fs.readFile(lockFile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder > 0 && !processExists(holder)) {
      await fs.rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new VgpuctlError('DEVICE_BUSY', `Cannot lock emulated host state "${lockFile}": held by process ${holder}`, {
        hint: 'Wait for the other vgpuctl command to finish, or remove the lock file if that process is gone',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function safeKey(key: string): string {
  return key.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);
}
