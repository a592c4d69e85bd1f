import type { Errno } from './errno.ts';
import { STRERROR } from './errno.ts';

/** What `stat` reports: the node kind as lstat(2) sees it, permission bits, and size. */
export interface HostStat {
  kind: 'file' | 'dir' | 'link' | 'chardev' | 'other';
  /** Permission bits only (e.g. 0o444), without the file-type bits. */
  mode: number;
  size: number;
}

/** The result of running a host tool such as `nvidia-smi`. */
export interface ExecResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * The one port through which vgpuctl reads and changes the host: `/sys`, `/dev`, `/etc`,
 * `/proc` and the tools it runs. Paths are absolute host paths (`/sys/bus/pci/devices`);
 * adapters map them onto a root directory or the emulated kernel.
 *
 * Every failure is a {@link HostError} carrying the operation, the path and the errno.
 */
export interface HostPort {
  /** One line saying what this host is, for messages ("emulated host \"lab\""). */
  readonly description: string;
  /** Reads a whole file. sysfs text attributes are read whole, as the kernel produces them. */
  read(path: string): Promise<Buffer>;
  /** Reads a whole file as UTF-8 text. */
  readText(path: string): Promise<string>;
  /**
   * One write(2) of `data` at offset 0 on an existing file: for sysfs, exactly one
   * `store()` call. Returns the byte count the kernel accepted.
   */
  write(path: string, data: string | Uint8Array): Promise<number>;
  /** Names in a directory, sorted, without `.` and `..`. Follows symlinks. */
  list(dir: string): Promise<string[]>;
  /** The target of a symlink, as stored (sysfs links are relative). */
  readlink(path: string): Promise<string>;
  /** lstat(2): does not follow a final symlink. */
  stat(path: string): Promise<HostStat>;
  /** True when the path resolves (following symlinks) to an existing node. */
  exists(path: string): Promise<boolean>;
  /** The canonical absolute path, with every symlink resolved. */
  realpath(path: string): Promise<string>;
  /** Creates or replaces a regular file atomically (write to a temporary name, then rename). */
  writeFile(path: string, data: string | Uint8Array, options?: { mode?: number }): Promise<void>;
  /** Creates a directory and, with `recursive`, its missing parents. */
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Removes a regular file, a symlink or an empty directory. */
  remove(path: string): Promise<void>;
  /** Runs a host tool; throws HostError ENOENT when it is not installed. */
  exec(file: string, args: readonly string[]): Promise<ExecResult>;
  /** Whether process `pid` still runs (kill(2) with signal 0): how a lock tells a dead holder. */
  processAlive(pid: number): boolean;
}

/** A failed host operation: which operation, on which path, and the errno. */
export class HostError extends Error {
  override readonly name = 'HostError';
  readonly op: string;
  readonly path: string;
  readonly errno: Errno;

  constructor(op: string, path: string, errno: Errno, options?: { cause?: unknown }) {
    super(`${op} ${path}: ${STRERROR[errno]} (${errno})`, options);
    this.op = op;
    this.path = path;
    this.errno = errno;
  }
}

/** True when `value` is a {@link HostError} with one of the given errnos (any errno if none given). */
export function isHostError(value: unknown, ...errnos: Errno[]): value is HostError {
  return (
    value instanceof Error &&
    value.name === 'HostError' &&
    (errnos.length === 0 || errnos.includes((value as HostError).errno))
  );
}
