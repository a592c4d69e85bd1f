/**
 * Materializes an emulated kernel's tree on disk: directories, regular files holding what
 * `show()` returns now (as root), and relative symlinks as sysfs stores them. Tools such as
 * `lspci -A linux-sysfs -O sysfs.path=<dir>/sys/bus/pci` and `MDEVCTL_ENV_ROOT` read it.
 */
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DirNode, Node } from './kernfs/nodes.ts';
import { ROOT_CONTEXT } from './kernfs/nodes.ts';
import type { Kernfs } from './kernfs/tree.ts';

function content(node: Node): Buffer {
  if (node.kind === 'file') return node.data;
  if (node.kind !== 'attr' || node.show === undefined || (node.mode & 0o444) === 0) return Buffer.alloc(0);
  try {
    return Buffer.from(node.show(ROOT_CONTEXT));
  } catch {
    return Buffer.alloc(0); // e.g. mmap-only resourceN, a rom not enabled: nothing to read
  }
}

async function writeDir(tree: Kernfs, dir: DirNode, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  const subdirs: [DirNode, string][] = [];
  const writes: Promise<void>[] = [];
  for (const child of dir.children.values()) {
    const path = join(target, child.name);
    switch (child.kind) {
      case 'dir':
        subdirs.push([child, path]);
        break;
      case 'link':
        writes.push(symlink(tree.readlink(child), path));
        break;
      default:
        // Character devices become empty files (mknod needs privileges); writable bits are kept
        // so the tree can be removed again.
        writes.push(writeFile(path, content(child), { mode: (child.mode & 0o777) | 0o200 }));
    }
  }
  await Promise.all(writes);
  for (const [child, path] of subdirs) await writeDir(tree, child, path);
}

/**
 * Writes the tree (or only the subtrees at `prefixes`, e.g. ['/sys', '/dev']) below `dir`,
 * which is created and must not already hold an older copy of those paths.
 */
export async function writeTreeTo(tree: Kernfs, dir: string, options: { prefixes?: string[] } = {}): Promise<void> {
  const prefixes = options.prefixes ?? ['/'];
  for (const prefix of prefixes) {
    const node = tree.lookup(prefix, false);
    const target = join(dir, prefix);
    if (node.kind === 'dir') {
      await writeDir(tree, node, target);
    } else {
      await rm(target, { force: true });
      await mkdir(join(target, '..'), { recursive: true });
      if (node.kind === 'link') await symlink(tree.readlink(node), target);
      else await writeFile(target, content(node));
    }
  }
}
