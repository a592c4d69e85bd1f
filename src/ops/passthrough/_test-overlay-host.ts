/**
 * Test helper: a host port that shows extra read-only files and symlinks over another port,
 * for facts the emulated kernel does not model — processes in /proc (`/proc/<pid>/fd/<n>`
 * links to device nodes), /proc/interrupts, framebuffer consoles, systemd unit files.
 */
import { posix } from 'node:path';
import type { ExecResult, HostPort, HostStat } from '../../host/host-port.ts';
import { HostError, isHostError } from '../../host/host-port.ts';

/** Extra entries: regular files by content, symlinks by (absolute, as /proc shows them) target. */
export interface Overlay {
  files?: Record<string, string>;
  links?: Record<string, string>;
}

/** `base` with the overlay's files and links added on top. */
export class OverlayHost implements HostPort {
  readonly description: string;
  private readonly base: HostPort;
  private readonly files: Map<string, string>;
  private readonly links: Map<string, string>;

  constructor(base: HostPort, overlay: Overlay) {
    this.base = base;
    this.description = base.description;
    this.files = new Map(Object.entries(overlay.files ?? {}));
    this.links = new Map(Object.entries(overlay.links ?? {}));
  }

  async read(path: string): Promise<Buffer> {
    const file = this.files.get(path);
    return file === undefined ? this.base.read(path) : Buffer.from(file);
  }

  async readText(path: string): Promise<string> {
    return (await this.read(path)).toString('utf8');
  }

  write(path: string, data: string | Uint8Array): Promise<number> {
    return this.base.write(path, data);
  }

  async list(dir: string): Promise<string[]> {
    const mine = this.children(dir);
    try {
      return [...new Set([...(await this.base.list(dir)), ...mine])].sort();
    } catch (error) {
      if (mine.length > 0 && isHostError(error, 'ENOENT')) return mine.sort();
      throw error;
    }
  }

  async readlink(path: string): Promise<string> {
    return this.links.get(path) ?? this.base.readlink(path);
  }

  async stat(path: string): Promise<HostStat> {
    if (this.files.has(path)) return { kind: 'file', mode: 0o444, size: this.files.get(path)?.length ?? 0 };
    if (this.links.has(path)) return { kind: 'link', mode: 0o777, size: 0 };
    if (this.children(path).length > 0 && !(await this.base.exists(path))) return { kind: 'dir', mode: 0o555, size: 0 };
    return this.base.stat(path);
  }

  async exists(path: string): Promise<boolean> {
    return this.files.has(path) || this.links.has(path) || this.children(path).length > 0 || this.base.exists(path);
  }

  realpath(path: string): Promise<string> {
    return this.base.realpath(path);
  }

  writeFile(path: string, data: string | Uint8Array, options?: { mode?: number }): Promise<void> {
    return this.base.writeFile(path, data, options);
  }

  mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    return this.base.mkdir(path, options);
  }

  async remove(path: string): Promise<void> {
    if (this.files.has(path) || this.links.has(path)) throw new HostError('remove', path, 'EROFS');
    return this.base.remove(path);
  }

  exec(file: string, args: readonly string[]): Promise<ExecResult> {
    return this.base.exec(file, args);
  }

  processAlive(pid: number): boolean {
    return this.base.processAlive(pid);
  }

  private children(dir: string): string[] {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const names = new Set<string>();
    for (const path of [...this.files.keys(), ...this.links.keys()]) {
      if (path.startsWith(prefix)) names.add(path.slice(prefix.length).split('/')[0] as string);
    }
    return [...names].filter((n) => n !== '' && n === posix.basename(`${prefix}${n}`));
  }
}
