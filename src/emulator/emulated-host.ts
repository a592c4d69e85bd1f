import { posix } from 'node:path';
import type { ExecResult, HostPort, HostStat } from '../host/host-port.ts';
import { HostError } from '../host/host-port.ts';
import { realProcessAlive } from '../host/process-alive.ts';
import type { EmulatedKernel } from './kernel.ts';
import { KernelErrno } from './kernfs/errno-error.ts';
import type { AccessContext, DirNode } from './kernfs/nodes.ts';
import { ROOT_CONTEXT } from './kernfs/nodes.ts';

/**
 * The host port over the in-memory emulated kernel. Reads and writes of attributes go
 * through the kernel (open-time checks, one store per write); regular files may be created
 * only in tmpfs-like directories (/etc, /run, /dev), as on a real host.
 */
export class EmulatedHost implements HostPort {
  readonly kernel: EmulatedKernel;
  readonly description: string;
  private readonly ctx: AccessContext;
  private readonly tools: boolean;

  /**
   * @param options.ctx who accesses the tree (root by default)
   * @param options.tools whether host tools such as nvidia-smi are installed (default: as the scenario says)
   */
  constructor(kernel: EmulatedKernel, options: { ctx?: AccessContext; tools?: boolean } = {}) {
    this.kernel = kernel;
    this.tools = options.tools ?? true;
    this.ctx = options.ctx ?? ROOT_CONTEXT;
    this.description = `emulated host "${kernel.scenario.name}"`;
  }

  async read(path: string): Promise<Buffer> {
    return this.io('read', path, () => Buffer.from(this.kernel.read(path, this.ctx)));
  }

  async readText(path: string): Promise<string> {
    return this.io('read', path, () => this.kernel.readText(path, this.ctx));
  }

  async write(path: string, data: string | Uint8Array): Promise<number> {
    return this.io('write', path, () => this.kernel.write(path, data, this.ctx));
  }

  async list(dir: string): Promise<string[]> {
    return this.io('list', dir, () => {
      const node = this.kernel.tree.lookup(dir, true);
      if (node.kind !== 'dir') throw new KernelErrno('ENOTDIR');
      return [...node.children.keys()].sort();
    });
  }

  async readlink(path: string): Promise<string> {
    return this.io('readlink', path, () => {
      const node = this.kernel.tree.lookup(path, false);
      if (node.kind !== 'link') throw new KernelErrno('EINVAL');
      return this.kernel.tree.readlink(node);
    });
  }

  async stat(path: string): Promise<HostStat> {
    return this.io('stat', path, () => {
      const node = this.kernel.tree.lookup(path, false);
      switch (node.kind) {
        case 'dir':
          return { kind: 'dir', mode: node.mode, size: 0 };
        case 'attr':
          return { kind: 'file', mode: node.mode, size: node.size };
        case 'file':
          return { kind: 'file', mode: node.mode, size: node.data.length };
        case 'link':
          return { kind: 'link', mode: 0o777, size: this.kernel.tree.readlink(node).length };
        case 'chardev':
          return { kind: 'chardev', mode: node.mode, size: 0 };
      }
    });
  }

  async exists(path: string): Promise<boolean> {
    return this.kernel.tree.find(path, true) !== undefined;
  }

  async realpath(path: string): Promise<string> {
    return this.io('realpath', path, () => this.kernel.tree.realpath(path));
  }

  async writeFile(path: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
    this.io('writeFile', path, () => {
      this.writableDir(posix.dirname(path));
      this.kernel.beforeMutation('writeFile', path);
      const existing = this.kernel.tree.find(path, false);
      if (existing !== undefined && existing.kind !== 'file') throw new KernelErrno('EISDIR');
      const mode = options.mode ?? 0o644;
      this.kernel.tree.file(path, data, mode);
    });
  }

  async mkdir(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    this.io('mkdir', path, () => this.makeDirectory(posix.normalize(path), options.recursive === true));
  }

  async remove(path: string): Promise<void> {
    this.io('remove', path, () => {
      const node = this.kernel.tree.lookup(path, false);
      if (node.parent === null) throw new KernelErrno('EBUSY');
      this.writableDir(this.kernel.tree.pathOf(node.parent));
      if (node.kind === 'dir' && node.children.size > 0) throw new KernelErrno('ENOTEMPTY');
      this.kernel.beforeMutation('remove', path);
      this.kernel.tree.remove(path);
    });
  }

  async exec(file: string, args: readonly string[]): Promise<ExecResult> {
    const result = this.tools ? this.kernel.exec(posix.basename(file), args) : undefined;
    if (result === undefined) throw new HostError('exec', file, 'ENOENT');
    return result;
  }

  /**
   * The processes that take locks on an emulated host are real vgpuctl processes sharing its
   * saved state, so liveness is asked of the real kernel.
   */
  processAlive(pid: number): boolean {
    return realProcessAlive(pid);
  }

  private makeDirectory(path: string, recursive: boolean): void {
    const existing = this.kernel.tree.find(path, true);
    if (existing !== undefined) {
      if (recursive && existing.kind === 'dir') return;
      throw new KernelErrno('EEXIST');
    }
    const parent = posix.dirname(path);
    if (this.kernel.tree.find(parent, true) === undefined) {
      if (!recursive) throw new KernelErrno('ENOENT');
      this.makeDirectory(parent, true);
    }
    this.writableDir(parent);
    this.kernel.beforeMutation('mkdir', path);
    this.kernel.tree.mkdir(path);
  }

  /** Regular files live only in tmpfs-like directories; sysfs refuses them (EPERM on mkdir/create). */
  private writableDir(path: string): DirNode {
    const node = this.kernel.tree.lookup(path, true);
    if (node.kind !== 'dir') throw new KernelErrno('ENOTDIR');
    if (node.fsType === 'sysfs' || node.fsType === 'procfs') throw new KernelErrno('EPERM');
    return node;
  }

  private io<T>(op: string, path: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (error instanceof KernelErrno) throw new HostError(op, path, error.errno, { cause: error });
      throw error;
    }
  }
}
