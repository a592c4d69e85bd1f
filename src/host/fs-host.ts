import {
  accessSync,
  constants,
  promises as fs,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { posix } from 'node:path';
import { errnoFromNodeCode } from './errno.ts';
import type { ExecResult, HostPort, HostStat } from './host-port.ts';
import { HostError } from './host-port.ts';
import { realProcessAlive } from './process-alive.ts';

let temporaries = 0;

/**
 * `mkdir -p` one component at a time. Node's `mkdir(…, { recursive: true })` retries forever
 * where mkdir(2) answers ENOENT for a parent that exists (below /proc, /sys), so it is not used.
 */
async function makeParents(path: string): Promise<void> {
  let prefix = '';
  for (const part of path.split('/').filter((p) => p !== '')) {
    prefix = `${prefix}/${part}`;
    try {
      await fs.mkdir(prefix);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!(await fs.stat(prefix)).isDirectory())
        throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    }
  }
}

/** `.<name>.<pid>.<n>.tmp`: a temporary of {@link FsHost.writeFile}. */
const TEMPORARY = /^\..+\.(\d+)\.\d+\.tmp$/;

/** Removes the temporaries that writers killed before their rename left in `dir`. */
async function removeDeadTemporaries(dir: string): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    const pid = TEMPORARY.exec(name)?.[1];
    if (pid !== undefined && !realProcessAlive(Number(pid))) await fs.rm(posix.join(dir, name), { force: true });
  }
}

/** Whether `file` names an executable file, directly (with a slash) or in a $PATH directory. */
function onPath(file: string): boolean {
  const candidates = file.includes('/')
    ? [file]
    : (process.env.PATH ?? '/usr/bin:/bin')
        .split(':')
        .filter((dir) => dir !== '')
        .map((dir) => `${dir}/${file}`);
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * The real filesystem below a root directory (`--root`, `VGPUCTL_ROOT`), like mdevctl's
 * MDEVCTL_ENV_ROOT: `/sys/bus/pci` is read from `<root>/sys/bus/pci`. Host tools are run
 * only when the root is `/`, since they describe the machine, not the tree.
 *
 * With `blockingReads` (what the CLI uses), reads — read, list, readlink, stat, exists,
 * realpath — are synchronous system calls behind the promise: sysfs and procfs answer them
 * from memory without waiting on a disk, and one blocking call costs one system call where
 * `fs.promises` costs several thread-pool round trips (a command makes thousands). Writes stay
 * asynchronous. Do not use it on a FUSE mount served by this same process: a blocking read
 * would wait for a reply the blocked event loop can never send.
 */
export class FsHost implements HostPort {
  readonly root: string;
  readonly description: string;

  readonly #blocking: boolean;

  constructor(root = '/', options: { blockingReads?: boolean } = {}) {
    this.root = posix.resolve(root);
    this.#blocking = options.blockingReads === true;
    this.description = this.root === '/' ? 'this host' : `the tree at ${this.root}`;
  }

  async read(path: string): Promise<Buffer> {
    if (this.#blocking) return this.now('read', path, () => readFileSync(this.map(path)));
    return this.io('read', path, () => fs.readFile(this.map(path)));
  }

  async readText(path: string): Promise<string> {
    if (this.#blocking) return this.now('read', path, () => readFileSync(this.map(path), 'utf8'));
    return (await this.read(path)).toString('utf8');
  }

  async write(path: string, data: string | Uint8Array): Promise<number> {
    // O_WRONLY without O_CREAT: sysfs write-only attributes (0200) refuse O_RDWR, and a
    // missing attribute must fail with ENOENT rather than be created.
    return this.io('write', path, async () => {
      const handle = await fs.open(this.map(path), constants.O_WRONLY);
      try {
        const buffer = typeof data === 'string' ? Buffer.from(data) : data;
        const { bytesWritten } = await handle.write(buffer, 0, buffer.length, 0);
        return bytesWritten;
      } finally {
        await handle.close();
      }
    });
  }

  async list(dir: string): Promise<string[]> {
    if (this.#blocking) return this.now('list', dir, () => readdirSync(this.map(dir)).sort());
    return this.io('list', dir, async () => (await fs.readdir(this.map(dir))).sort());
  }

  async readlink(path: string): Promise<string> {
    if (this.#blocking) return this.now('readlink', path, () => readlinkSync(this.map(path)));
    return this.io('readlink', path, () => fs.readlink(this.map(path)));
  }

  async stat(path: string): Promise<HostStat> {
    return this.io('stat', path, async () => {
      const st = this.#blocking ? lstatSync(this.map(path)) : await fs.lstat(this.map(path));
      const kind = st.isSymbolicLink()
        ? 'link'
        : st.isDirectory()
          ? 'dir'
          : st.isFile()
            ? 'file'
            : st.isCharacterDevice()
              ? 'chardev'
              : 'other';
      return { kind, mode: st.mode & 0o7777, size: st.size };
    });
  }

  async exists(path: string): Promise<boolean> {
    if (this.#blocking) {
      try {
        return statSync(this.map(path), { throwIfNoEntry: false }) !== undefined;
      } catch {
        return false;
      }
    }
    try {
      await fs.stat(this.map(path));
      return true;
    } catch {
      return false;
    }
  }

  async realpath(path: string): Promise<string> {
    return this.io('realpath', path, async () => {
      const real = this.#blocking ? realpathSync(this.map(path)) : await fs.realpath(this.map(path));
      if (this.root === '/') return real;
      if (real !== this.root && !real.startsWith(`${this.root}/`)) {
        throw Object.assign(new Error('link leaves the root'), { code: 'EXDEV' });
      }
      return real.slice(this.root.length) || '/';
    });
  }

  async writeFile(path: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
    const target = this.map(path);
    // Unique per process and per call: two writers of one file never share a temporary.
    const temporary = `${posix.dirname(target)}/.${posix.basename(target)}.${process.pid}.${++temporaries}.tmp`;
    await this.io('writeFile', path, async () => {
      // No symlink below the root may redirect the write: a directory planted as a link
      // (/etc/mdevctl.d/<parent> → elsewhere) is refused. A link at the final name is replaced
      // by the rename, never followed.
      const dir = posix.dirname(target);
      const expected = posix.join(await fs.realpath(this.root), posix.dirname(posix.normalize(path)));
      if ((await fs.realpath(dir)) !== expected) throw Object.assign(new Error('symlink in path'), { code: 'ELOOP' });
      // Write, fsync, rename: a crash leaves either the old file or the new one, never a torn one.
      // O_EXCL (and O_NOFOLLOW through it): a symlink planted at the temporary name is not followed.
      const handle = await fs.open(temporary, 'wx', options.mode ?? 0o644);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await fs.rename(temporary, target);
      } catch (error) {
        await fs.rm(temporary, { force: true });
        throw error;
      }
      await removeDeadTemporaries(dir);
    });
  }

  async mkdir(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    await this.io('mkdir', path, () => (options.recursive ? makeParents(this.map(path)) : fs.mkdir(this.map(path))));
  }

  async remove(path: string): Promise<void> {
    await this.io('remove', path, async () => {
      const st = await fs.lstat(this.map(path));
      await (st.isDirectory() ? fs.rmdir(this.map(path)) : fs.unlink(this.map(path)));
    });
  }

  async exec(file: string, args: readonly string[]): Promise<ExecResult> {
    if (this.root !== '/') throw new HostError('exec', file, 'ENOENT');
    // A tool that is not installed fails here, without loading child_process (and the
    // networking modules under it) into every command that asks for an optional tool.
    if (!onPath(file)) throw new HostError('exec', file, 'ENOENT');
    const { execFile } = await import('node:child_process');
    return new Promise((resolve, reject) => {
      execFile(file, [...args], { timeout: 30_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        if (typeof code === 'string') return reject(new HostError('exec', file, errnoFromNodeCode(code)));
        resolve({ status: error === null ? 0 : Number((error as { code?: number }).code ?? 1), stdout, stderr });
      });
    });
  }

  processAlive(pid: number): boolean {
    return realProcessAlive(pid);
  }

  private map(path: string): string {
    if (!path.startsWith('/')) throw new HostError('resolve', path, 'EINVAL');
    return this.root === '/' ? posix.normalize(path) : posix.join(this.root, posix.normalize(path));
  }

  /** A synchronous operation, failing as {@link io} does. */
  private now<T>(op: string, path: string, run: () => T): Promise<T> {
    try {
      return Promise.resolve(run());
    } catch (error) {
      if (error instanceof HostError) return Promise.reject(error);
      return Promise.reject(
        new HostError(op, path, errnoFromNodeCode((error as NodeJS.ErrnoException).code), { cause: error }),
      );
    }
  }

  private async io<T>(op: string, path: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof HostError) throw error;
      throw new HostError(op, path, errnoFromNodeCode((error as NodeJS.ErrnoException).code), { cause: error });
    }
  }
}
