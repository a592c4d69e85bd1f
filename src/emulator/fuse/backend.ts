/**
 * What the FUSE server needs from the emulated kernel: the tree to walk, and the user-level
 * read and write of a node (sysfs open/show and store semantics). Directory operations in
 * tmpfs-like regions (/etc, /run) are optional; without them the server answers EPERM.
 */
import { posix } from 'node:path';
import { fail } from '../kernfs/errno-error.ts';
import type { AccessContext, DirNode, FileNode, LinkNode, Node } from '../kernfs/nodes.ts';
import type { Kernfs } from '../kernfs/tree.ts';
import { readNode, writeNode } from '../kernfs/tree.ts';

/** The emulated kernel as the FUSE server sees it. Methods throw KernelErrno to fail. */
export interface FuseBackend {
  readonly tree: Kernfs;
  /** The content a reader sees when it (re)reads from offset 0: `show()` for attributes. */
  read(node: Node, ctx: AccessContext): Buffer;
  /**
   * One write(2): one `store()` for attributes (binary ones at `offset`); the whole new
   * content for regular files.
   */
  write(node: Node, data: Buffer, ctx: AccessContext, offset?: number): number;
  /** Creates an empty regular file (tmpfs directories only). */
  create?(dir: DirNode, name: string, mode: number, ctx: AccessContext): FileNode;
  /** Creates a directory (tmpfs directories only). */
  mkdir?(dir: DirNode, name: string, mode: number, ctx: AccessContext): DirNode;
  /** Creates a symlink whose target is given as the user wrote it (tmpfs directories only). */
  symlink?(dir: DirNode, name: string, target: string, ctx: AccessContext): LinkNode;
  /** Removes a non-directory (tmpfs directories only). */
  unlink?(dir: DirNode, name: string, ctx: AccessContext): void;
  /** Removes an empty directory (tmpfs directories only). */
  rmdir?(dir: DirNode, name: string, ctx: AccessContext): void;
  /** rename(2) within the tree, replacing a compatible target; the node keeps its identity. */
  rename?(dir: DirNode, name: string, newDir: DirNode, newName: string, ctx: AccessContext): void;
}

/** Fails unless `dir` is a tmpfs-like directory, as sysfs refuses mkdir/create with EPERM. */
function requireTmpfs(dir: DirNode): void {
  if (dir.fsType !== 'tmpfs') fail('EPERM', `${dir.name} is ${dir.fsType}`);
}

function childPath(tree: Kernfs, dir: DirNode, name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/')) fail('EINVAL', name);
  return posix.join(tree.pathOf(dir), name);
}

function isAncestor(maybeAncestor: Node, node: Node): boolean {
  for (let n: Node | null = node; n !== null; n = n.parent) if (n === maybeAncestor) return true;
  return false;
}

/** A backend that serves a bare {@link Kernfs} tree with kernfs open/read/write semantics. */
export function treeBackend(tree: Kernfs): FuseBackend {
  return {
    tree,
    read: (node, ctx) => readNode(node, ctx),
    write(node, data, ctx, offset = 0) {
      const count = writeNode(node, data, ctx, offset);
      // Regular files change in place; bump mtime and tell listeners (attributes announce their own changes).
      if (node.kind === 'file') tree.touch(node);
      return count;
    },
    create(dir, name, mode) {
      requireTmpfs(dir);
      const path = childPath(tree, dir, name);
      if (dir.children.has(name)) fail('EEXIST', path);
      return tree.file(path, '', mode & 0o7777);
    },
    mkdir(dir, name, mode) {
      requireTmpfs(dir);
      const path = childPath(tree, dir, name);
      if (dir.children.has(name)) fail('EEXIST', path);
      return tree.mkdir(path, mode & 0o7777, 'tmpfs');
    },
    symlink(dir, name, target) {
      requireTmpfs(dir);
      const path = childPath(tree, dir, name);
      if (dir.children.has(name)) fail('EEXIST', path);
      // Kernfs stores absolute targets and renders them relative, as sysfs does.
      return tree.link(path, posix.resolve(tree.pathOf(dir), target));
    },
    unlink(dir, name) {
      requireTmpfs(dir);
      const node = dir.children.get(name);
      if (node === undefined) fail('ENOENT', name);
      if (node.kind === 'dir') fail('EISDIR', name);
      tree.remove(childPath(tree, dir, name));
    },
    rmdir(dir, name) {
      requireTmpfs(dir);
      const node = dir.children.get(name);
      if (node === undefined) fail('ENOENT', name);
      if (node.kind !== 'dir') fail('ENOTDIR', name);
      if (node.children.size > 0) fail('ENOTEMPTY', name);
      tree.remove(childPath(tree, dir, name));
    },
    rename(dir, name, newDir, newName) {
      requireTmpfs(dir);
      requireTmpfs(newDir);
      const node = dir.children.get(name);
      if (node === undefined) fail('ENOENT', name);
      const newPath = childPath(tree, newDir, newName);
      const existing = newDir.children.get(newName);
      if (existing === node) return;
      if (node.kind === 'dir' && isAncestor(node, newDir)) fail('EINVAL', newPath);
      if (existing !== undefined) {
        if (existing.kind === 'dir') {
          if (node.kind !== 'dir') fail('EISDIR', newPath);
          if (existing.children.size > 0) fail('ENOTEMPTY', newPath);
        } else if (node.kind === 'dir') {
          fail('ENOTDIR', newPath);
        }
        tree.remove(newPath);
      }
      // Kernfs has no move; the node is relinked in place so its inode (and the kernel's
      // node id for the renamed dentry) stays valid. Both directories announce a change.
      dir.children.delete(name);
      node.name = newName;
      node.parent = newDir;
      newDir.children.set(newName, node);
      tree.touch(dir);
      if (newDir !== dir) tree.touch(newDir);
    },
  };
}
