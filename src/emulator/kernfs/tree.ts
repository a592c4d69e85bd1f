import { posix } from 'node:path';
import { fail } from './errno-error.ts';
import type {
  AccessContext,
  AttrNode,
  AttrSpec,
  CharDevNode,
  DirNode,
  FileNode,
  FsType,
  LinkNode,
  Node,
} from './nodes.ts';
import { PAGE_SIZE } from './nodes.ts';

/** A change to the tree, for listeners such as the FUSE server's cache invalidation. */
export interface TreeEvent {
  type: 'add' | 'remove' | 'change';
  node: Node;
  /** The directory the node was added to or removed from. */
  parent: DirNode;
}

const MAX_LINK_DEPTH = 40; // MAXSYMLINKS in include/linux/namei.h

/**
 * An in-memory tree of kernfs-like nodes addressed by absolute paths.
 * Mutators are for the emulated kernel's models; user-level access (open-time permission
 * checks, one store per write) lives in {@link readNode} / {@link writeNode}.
 */
export class Kernfs {
  readonly root: DirNode;
  private nextIno = 1;
  private readonly listeners = new Set<(event: TreeEvent) => void>();
  private clock = 0;
  /**
   * Directories already resolved, by the path that named them (links followed), and the
   * readlink text of links: discovery walks the same deep, link-crossing prefixes thousands of
   * times. Both are dropped on any change of the tree's shape (add, remove, a directory touched
   * after a rename), so a lookup never sees a stale answer; failures are never cached.
   */
  private readonly dirCache = new Map<string, DirNode>();
  private readonly linkTextCache = new Map<LinkNode, string>();

  constructor() {
    this.root = this.makeDir('', null, 0o755, 'tmpfs');
  }

  /** Subscribes to tree changes; returns the unsubscribe function. */
  subscribe(listener: (event: TreeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Creates a directory and any missing parents (mkdir -p); returns the final directory. */
  mkdir(path: string, mode = 0o755, fsType?: FsType): DirNode {
    let dir = this.root;
    for (const part of splitPath(path)) {
      const child = dir.children.get(part);
      if (child === undefined) {
        const created = this.makeDir(part, dir, mode, fsType ?? dir.fsType);
        this.attach(dir, created);
        dir = created;
      } else if (child.kind === 'dir') {
        dir = child;
      } else if (child.kind === 'link') {
        const target = this.lookup(this.pathOf(child), true);
        if (target.kind !== 'dir') fail('ENOTDIR', path);
        dir = target;
      } else {
        fail('ENOTDIR', path);
      }
    }
    return dir;
  }

  /** Adds an attribute; an existing node of that name is replaced. */
  attr(path: string, spec: AttrSpec): AttrNode {
    const [dir, name] = this.parentOf(path, true);
    const node: AttrNode = {
      kind: 'attr',
      ino: this.nextIno++,
      name,
      parent: dir,
      mode: spec.mode,
      mtimeMs: this.tick(),
      size: spec.size ?? PAGE_SIZE,
      binary: spec.size !== undefined,
      show: spec.show,
      store: spec.store,
      records: spec.records,
    };
    this.replace(dir, node);
    return node;
  }

  /** Adds a symlink to the absolute `target` (which need not exist yet, as in sysfs). */
  link(path: string, target: string): LinkNode {
    const [dir, name] = this.parentOf(path, true);
    const node: LinkNode = {
      kind: 'link',
      ino: this.nextIno++,
      name,
      parent: dir,
      mode: 0o777,
      mtimeMs: this.tick(),
      target: posix.normalize(target),
    };
    this.replace(dir, node);
    return node;
  }

  /** Adds or replaces a regular file (tmpfs-like regions: /etc, /run, /proc text). */
  file(path: string, data: string | Uint8Array, mode = 0o644): FileNode {
    const [dir, name] = this.parentOf(path, true);
    const existing = dir.children.get(name);
    if (existing?.kind === 'file') {
      existing.data = Buffer.from(data);
      existing.mode = mode;
      existing.mtimeMs = this.tick();
      this.emit({ type: 'change', node: existing, parent: dir });
      return existing;
    }
    const node: FileNode = {
      kind: 'file',
      ino: this.nextIno++,
      name,
      parent: dir,
      mode,
      mtimeMs: this.tick(),
      data: Buffer.from(data),
    };
    this.replace(dir, node);
    return node;
  }

  /** Adds a character device node (e.g. /dev/vfio/12). */
  chardev(path: string, major: number, minor: number, mode = 0o600): CharDevNode {
    const [dir, name] = this.parentOf(path, true);
    const node: CharDevNode = {
      kind: 'chardev',
      ino: this.nextIno++,
      name,
      parent: dir,
      mode,
      mtimeMs: this.tick(),
      major,
      minor,
    };
    this.replace(dir, node);
    return node;
  }

  /** Removes a node and everything below it; missing paths are ignored. */
  remove(path: string): void {
    const node = this.find(path, false);
    if (node === undefined || node.parent === null) return;
    this.detach(node);
  }

  /** Marks an attribute or file as changed (its content is produced anew on the next open). */
  touch(node: Node): void {
    // A directory is touched after its entries change in place (the FUSE server's rename).
    if (node.kind === 'dir') this.shapeChanged();
    node.mtimeMs = this.tick();
    if (node.parent !== null) this.emit({ type: 'change', node, parent: node.parent });
  }

  /** Resolves a path; throws ENOENT/ENOTDIR/ELOOP as path walk does. */
  lookup(path: string, follow = true): Node {
    return this.walk(path, follow, 0);
  }

  /** Like {@link lookup} but returns undefined when the path does not resolve. */
  find(path: string, follow = true): Node | undefined {
    try {
      // Quiet: a missing path is the common answer here, and an exception per miss is costly.
      return this.walk(path, follow, 0, true);
    } catch {
      return undefined;
    }
  }

  /** Looks up a directory, failing with ENOTDIR/ENOENT. */
  dir(path: string): DirNode {
    const node = this.lookup(path, true);
    if (node.kind !== 'dir') fail('ENOTDIR', path);
    return node;
  }

  /** The absolute path of a node. */
  pathOf(node: Node): string {
    const parts: string[] = [];
    for (let n: Node | null = node; n !== null && n.parent !== null; n = n.parent) parts.push(n.name);
    return `/${parts.reverse().join('/')}`;
  }

  /** readlink(2): the link's target relative to the link's own directory, as sysfs stores it. */
  readlink(node: LinkNode): string {
    let text = this.linkTextCache.get(node);
    if (text === undefined) {
      const from = node.parent === null ? '/' : this.pathOf(node.parent);
      text = posix.relative(from, node.target) || '.';
      this.linkTextCache.set(node, text);
    }
    return text;
  }

  /** The canonical path of `path` with every symlink resolved. */
  realpath(path: string): string {
    return this.pathOf(this.lookup(path, true));
  }

  private walk(path: string, follow: boolean, depth: number): Node;
  private walk(path: string, follow: boolean, depth: number, quiet: true): Node | undefined;
  private walk(path: string, follow: boolean, depth: number, quiet = false): Node | undefined {
    if (!path.startsWith('/')) fail('EINVAL', `relative path ${path}`);
    // The directory part from the cache, then the last component as the loop below does it.
    const slash = path.lastIndexOf('/');
    const last = path.slice(slash + 1);
    if (slash > 0 && last !== '' && last !== '.' && last !== '..') {
      const dirPath = path.slice(0, slash);
      let dir = this.dirCache.get(dirPath);
      if (dir === undefined) {
        const found = this.walkComponents(dirPath, true, depth, true);
        if (found?.kind === 'dir') {
          dir = found;
          this.dirCache.set(dirPath, found);
        }
      }
      if (dir !== undefined) {
        let node = dir.children.get(last);
        if (node === undefined) return quiet ? undefined : fail('ENOENT', path);
        if (follow && node.kind === 'link') node = this.followLink(node, depth);
        return node;
      }
    }
    return this.walkComponents(path, follow, depth, quiet);
  }

  private walkComponents(path: string, follow: boolean, depth: number, quiet: boolean): Node | undefined {
    let node: Node = this.root;
    // The components of `path` as splitPath() gives them, without building the array: every
    // host read walks a path, and discovery makes thousands.
    for (let start = 1; start <= path.length; ) {
      let end = path.indexOf('/', start);
      if (end === -1) end = path.length;
      const part = path.slice(start, end);
      start = end + 1;
      if (part === '' || part === '.') continue;
      if (node.kind === 'link') node = this.followLink(node, depth);
      if (node.kind !== 'dir') return quiet ? undefined : fail('ENOTDIR', path);
      if (part === '..') {
        node = node.parent ?? node;
        continue;
      }
      const child = node.children.get(part);
      if (child === undefined) return quiet ? undefined : fail('ENOENT', path);
      node = child;
    }
    if (follow && node.kind === 'link') node = this.followLink(node, depth);
    return node;
  }

  private followLink(link: LinkNode, depth: number): Node {
    if (depth >= MAX_LINK_DEPTH) fail('ELOOP', link.target);
    return this.walk(link.target, true, depth + 1);
  }

  private parentOf(path: string, create: boolean): [DirNode, string] {
    const normalized = posix.normalize(path);
    const name = posix.basename(normalized);
    if (name === '' || name === '.' || name === '..') fail('EINVAL', path);
    const dirPath = posix.dirname(normalized);
    return [create ? this.mkdir(dirPath) : this.dir(dirPath), name];
  }

  private makeDir(name: string, parent: DirNode | null, mode: number, fsType: FsType): DirNode {
    return {
      kind: 'dir',
      ino: this.nextIno++,
      name,
      parent,
      mode,
      mtimeMs: this.tick(),
      fsType,
      children: new Map(),
    };
  }

  private replace(dir: DirNode, node: Node): void {
    const old = dir.children.get(node.name);
    if (old !== undefined) this.detach(old);
    this.attach(dir, node);
  }

  private attach(dir: DirNode, node: Node): void {
    this.shapeChanged();
    dir.children.set(node.name, node);
    dir.mtimeMs = this.tick();
    this.emit({ type: 'add', node, parent: dir });
  }

  private detach(node: Node): void {
    const dir = node.parent;
    if (dir === null) return;
    this.shapeChanged();
    if (node.kind === 'dir') for (const child of [...node.children.values()]) this.detach(child);
    dir.children.delete(node.name);
    dir.mtimeMs = this.tick();
    this.emit({ type: 'remove', node, parent: dir });
  }

  private shapeChanged(): void {
    if (this.dirCache.size > 0) this.dirCache.clear();
    if (this.linkTextCache.size > 0) this.linkTextCache.clear();
  }

  private emit(event: TreeEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private tick(): number {
    // The wall clock, never ahead of it: kernfs stamps a node with the current time when it is
    // created or changed (fs/kernfs/inode.c kernfs_iattrs), so nodes made together (at boot)
    // share one time. Never earlier than a time already given, should the clock step back.
    this.clock = Math.max(this.clock, Date.now());
    return this.clock;
  }
}

/** Splits an absolute path into components, dropping empty and `.` parts. */
function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

/** Permission check as kernfs does at open time, even for root (KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK). */
export function checkOpen(node: Node, access: 'read' | 'write', ctx: AccessContext): void {
  if (node.kind === 'dir') fail('EISDIR');
  if (node.kind === 'attr') {
    // fs/kernfs/file.c kernfs_fop_open: no write bit or no store -> EACCES; same for read.
    if (access === 'write' && ((node.mode & 0o222) === 0 || node.store === undefined)) fail('EACCES');
    if (access === 'read' && ((node.mode & 0o444) === 0 || node.show === undefined)) fail('EACCES');
  }
  if (ctx.uid !== 0) {
    // Ordinary DAC for non-root callers: every node is owned by root.
    const bit = access === 'read' ? 0o004 : 0o002;
    if ((node.mode & bit) === 0) fail('EACCES');
  }
}

/** The content a reader sees when it opens the node now. */
export function readNode(node: Node, ctx: AccessContext): Buffer {
  checkOpen(node, 'read', ctx);
  switch (node.kind) {
    case 'attr': {
      const shown = (node.show as NonNullable<AttrNode['show']>)(ctx);
      return Buffer.from(shown);
    }
    case 'file':
      return node.data;
    case 'chardev':
      return Buffer.alloc(0);
    default:
      fail('EINVAL');
  }
}

/** {@link readNode} decoded as UTF-8, without copying an attribute's text through a buffer. */
export function readNodeText(node: Node, ctx: AccessContext): string {
  if (node.kind !== 'attr') return readNode(node, ctx).toString('utf8');
  checkOpen(node, 'read', ctx);
  const shown = (node.show as NonNullable<AttrNode['show']>)(ctx);
  return typeof shown === 'string' ? shown : Buffer.from(shown).toString('utf8');
}

/**
 * One write(2): for an attribute, one `store()` with at most PAGE_SIZE bytes
 * (fs/kernfs/file.c kernfs_fop_write_iter); a zero-length write returns 0 without calling it.
 * Text attributes ignore `offset` as sysfs does; a binary attribute gets it, and a write at
 * or past its size fails with EFBIG (fs/sysfs/file.c sysfs_kf_bin_write). Regular files are
 * replaced (O_TRUNC semantics).
 */
export function writeNode(node: Node, data: Buffer, ctx: AccessContext, offset = 0): number {
  checkOpen(node, 'write', ctx);
  switch (node.kind) {
    case 'attr': {
      if (data.length === 0) return 0;
      if (node.binary && offset >= node.size) fail('EFBIG');
      const chunk = node.binary ? data.subarray(0, node.size - offset) : data.subarray(0, PAGE_SIZE);
      const accepted = (node.store as NonNullable<AttrNode['store']>)(chunk, ctx, node.binary ? offset : 0);
      return accepted ?? chunk.length;
    }
    case 'file':
      node.data = Buffer.from(data);
      return data.length;
    case 'chardev':
      return data.length;
    default:
      fail('EINVAL');
  }
}
