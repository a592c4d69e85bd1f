/**
 * Persistence of an emulated host between CLI invocations. The state is the scenario, the
 * journal of every accepted sysfs write (replayed on load: the kernel model is
 * deterministic, so replay rebuilds exactly the same kernel state), and a snapshot of the
 * regular files in the host's writable directories (/etc, /run, /var …), whoever wrote them
 * (vgpuctl through the port, or mdevctl through the FUSE mount). A lock directory (the one
 * lock of host/dir-lock.ts) serialises concurrent invocations so no change is lost, and the
 * state file is replaced atomically through the host port's writer.
 */
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { VgpuctlError } from '../core/errors.ts';
import { acquireDirLock } from '../host/dir-lock.ts';
import { STRERROR } from '../host/errno.ts';
import { FsHost } from '../host/fs-host.ts';
import { isHostError } from '../host/host-port.ts';
import { EmulatedHost } from './emulated-host.ts';
import { EmulatedKernel } from './kernel.ts';
import { KernelErrno } from './kernfs/errno-error.ts';
import type { Kernfs } from './kernfs/tree.ts';
import { Scenario } from './scenario/schema.ts';

const JournalEntry = z.union([
  /** One accepted write; `offset` only for writes of binary attributes (config) past byte 0. */
  z.object({ path: z.string(), data: z.string(), offset: z.number().int().min(1).optional() }).strict(),
  // A host tool run that changed the host (`nvidia-smi vgpu -shm 1`), replayed in order.
  z.object({ exec: z.string(), args: z.array(z.string()) }).strict(),
]);
type JournalEntry = z.infer<typeof JournalEntry>;

const FileEntry = z.union([
  z.object({ path: z.string(), dir: z.literal(true), mode: z.number().int() }).strict(),
  z.object({ path: z.string(), data: z.string(), mode: z.number().int() }).strict(),
  /** A symlink, with its absolute target. */
  z.object({ path: z.string(), link: z.string() }).strict(),
]);
type FileEntry = z.infer<typeof FileEntry>;

const StateFile = z
  .object({ version: z.literal(2), scenario: Scenario, journal: z.array(JournalEntry), files: z.array(FileEntry) })
  .strict();

/** Writable directories whose regular files are part of the saved state. */
const SNAPSHOT_ROOTS = ['/etc', '/run', '/var', '/root', '/tmp'];

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
  /**
   * Records in the lock file that a mount server at `mountpoint` holds this host, so other
   * commands say so at once instead of waiting for a lock that is held until interrupted.
   */
  holdAsMount(mountpoint: string): Promise<void>;
}

/**
 * Boots `scenario`, replays its saved journal from `stateDir`, and journals new changes.
 * `key` names the state file (the scenario name, or the file it came from).
 */
export async function openPersistentEmulator(
  scenario: Scenario,
  options: { stateDir: string; key: string; lockTimeoutMs?: number; resetName?: string },
): Promise<PersistentEmulator> {
  const real = new FsHost('/');
  const stateDir = resolve(options.stateDir);
  const stateFile = join(stateDir, `emulate-${safeKey(options.key)}.json`);
  const release = await lockState(real, stateDir, stateFile, options.lockTimeoutMs ?? 30_000);
  try {
    // The name the user gives `vgpuctl emulate reset` (a file's path, not its key).
    const name = options.resetName ?? options.key;
    const saved = await readState(stateFile, scenario, name);
    const kernel = EmulatedKernel.boot(scenario);
    const host = new EmulatedHost(kernel);
    restore(kernel, saved, name);
    const journal = saved.journal;
    const before = { writes: journal.length, files: JSON.stringify(snapshotFiles(kernel.tree)) };
    kernel.onWrite((path, data, offset) =>
      journal.push({ path, data: data.toString('base64'), ...(offset === 0 ? {} : { offset }) }),
    );
    kernel.onExec((tool, args) => journal.push({ exec: tool, args: [...args] }));
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
          const files = snapshotFiles(kernel.tree);
          if (journal.length !== before.writes || JSON.stringify(files) !== before.files) {
            await real
              .writeFile(stateFile, JSON.stringify({ version: 2, scenario, journal, files }), { mode: 0o600 })
              .catch((error: unknown) => {
                if (!isHostError(error)) throw error;
                throw new VgpuctlError(
                  'HOST_IO',
                  `Cannot save emulated host state "${stateFile}": ${STRERROR[error.errno]} (${error.errno})`,
                  { hint: 'Free space or fix the permissions of the state directory, then retry', cause: error },
                );
              });
          }
        } finally {
          await close();
        }
      },
      close,
      async holdAsMount(mountpoint) {
        // Released with the lock: releasing removes the lock directory with what it holds.
        await real.writeFile(`${stateFile}.lock/${MOUNT_NOTE}`, `${mountpoint}\n`, { mode: 0o600 });
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Whether an emulated host has saved state (what a reset would delete). */
export async function hasSavedState(options: { stateDir: string; key: string }): Promise<boolean> {
  const stateFile = join(options.stateDir, `emulate-${safeKey(options.key)}.json`);
  return fs.stat(stateFile).then(
    () => true,
    () => false,
  );
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

async function readState(
  stateFile: string,
  scenario: Scenario,
  key: string,
): Promise<{ journal: JournalEntry[]; files: FileEntry[] }> {
  let text: string;
  try {
    text = await fs.readFile(stateFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { journal: [], files: [] };
    throw error;
  }
  let parsed: z.infer<typeof StateFile>;
  try {
    parsed = StateFile.parse(JSON.parse(text));
  } catch (cause) {
    throw corrupt(key, `${stateFile} is not a valid state file`, cause);
  }
  if (!isDeepStrictEqual(parsed.scenario, scenario)) {
    throw new VgpuctlError(
      'STATE_CORRUPT',
      `Cannot load emulated host "${key}": its saved state was made from a different scenario`,
      {
        hint: `Run "vgpuctl emulate reset ${key}" to start again from the scenario`,
        details: { stateFile },
      },
    );
  }
  return { journal: parsed.journal, files: parsed.files };
}

function restore(kernel: EmulatedKernel, saved: { journal: JournalEntry[]; files: FileEntry[] }, key: string): void {
  for (const [index, entry] of saved.journal.entries()) {
    if ('exec' in entry) {
      if (kernel.exec(entry.exec, entry.args)?.status !== 0) {
        throw corrupt(key, `command ${index + 1} (${entry.exec} ${entry.args.join(' ')}) no longer applies`, undefined);
      }
      continue;
    }
    try {
      kernel.write(entry.path, Buffer.from(entry.data, 'base64'), undefined, entry.offset ?? 0);
    } catch (cause) {
      if (cause instanceof KernelErrno || isHostError(cause)) {
        throw corrupt(key, `write ${index + 1} (${entry.path}) no longer applies`, cause);
      }
      throw cause;
    }
  }
  for (const entry of saved.files) {
    if ('dir' in entry) kernel.tree.mkdir(entry.path, entry.mode);
    else if ('link' in entry) kernel.tree.link(entry.path, entry.link);
    else kernel.tree.file(entry.path, Buffer.from(entry.data, 'base64'), entry.mode);
  }
}

/** Every directory, regular file and symlink below the writable roots, parents before children. */
function snapshotFiles(tree: Kernfs): FileEntry[] {
  const entries: FileEntry[] = [];
  const visit = (path: string): void => {
    const node = tree.find(path, false);
    if (node === undefined) return;
    if (node.kind === 'file') entries.push({ path, data: node.data.toString('base64'), mode: node.mode });
    if (node.kind === 'link' && path !== '/var/run') entries.push({ path, link: node.target });
    if (node.kind !== 'dir' || node.fsType === 'sysfs' || node.fsType === 'procfs') return;
    entries.push({ path, dir: true, mode: node.mode });
    for (const name of [...node.children.keys()].sort()) visit(`${path}/${name}`);
  };
  for (const root of SNAPSHOT_ROOTS) visit(root);
  return entries;
}

function corrupt(key: string, state: string, cause: unknown): VgpuctlError {
  return new VgpuctlError('STATE_CORRUPT', `Cannot load emulated host "${key}": ${state}`, {
    hint: `Run "vgpuctl emulate reset ${key}" to start again from the scenario`,
    cause,
  });
}

/** Creates the state directory and takes the state file's lock; host errors become clear user errors. */
async function lockState(
  real: FsHost,
  stateDir: string,
  stateFile: string,
  timeoutMs: number,
): Promise<() => Promise<void>> {
  const lockDir = `${stateFile}.lock`;
  try {
    await real.mkdir(stateDir, { recursive: true });
    return await acquireDirLock(real, lockDir, {
      pid: process.pid,
      timeoutMs,
      // A mount server holds the lock until it is interrupted: say so at once instead of waiting.
      refuse: async (holder) => {
        const mountpoint = await readMountNote(real, lockDir);
        if (mountpoint === undefined) return undefined;
        return new VgpuctlError(
          'DEVICE_BUSY',
          `Cannot open the emulated host: "vgpuctl emulate mount" (process ${holder}) serves it at ${mountpoint}`,
          {
            hint: `Use the mounted host: vgpuctl --root ${mountpoint} COMMAND; or stop the server (Ctrl-C, or kill ${holder}) first`,
            details: { mountpoint, pid: holder },
          },
        );
      },
      busy: (holder) =>
        new VgpuctlError('DEVICE_BUSY', `Cannot lock emulated host state "${lockDir}": held by process ${holder}`, {
          hint: 'Wait for the other vgpuctl command to finish, or remove the lock if that process is gone',
        }),
    });
  } catch (error) {
    if (!isHostError(error)) throw error;
    throw new VgpuctlError(
      'HOST_IO',
      `Cannot use emulated host state directory "${stateDir}": ${error.op} ${error.path}: ${STRERROR[error.errno]} (${error.errno})`,
      { hint: 'Set VGPUCTL_STATE_DIR (or XDG_STATE_HOME) to a writable directory', cause: error },
    );
  }
}

/** The file in a held lock that names the mount point of the `emulate mount` server holding it. */
const MOUNT_NOTE = 'mount';

async function readMountNote(real: FsHost, lockDir: string): Promise<string | undefined> {
  try {
    return (await real.readText(`${lockDir}/${MOUNT_NOTE}`)).trim() || undefined;
  } catch (error) {
    if (isHostError(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}

function safeKey(key: string): string {
  return key.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);
}
