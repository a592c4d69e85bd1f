/**
 * /run inside `emulate run` is a real tmpfs, as on a real host, so it holds what daemons put
 * there besides files: unix sockets (libvirtd's, systemd's), FIFOs, hard links, lock files.
 * It is seeded from the emulated host's /run and, when the command ends, its directories,
 * regular files and symlinks are saved back into the emulated host (and so into its state).
 * Sockets, FIFOs and device nodes are not saved: they belong to processes that are gone, as
 * /run's do at a reboot; hard links come back as separate copies.
 */
import { chmod, lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Kernfs } from '../kernfs/tree.ts';

/** Copies the emulated tree's `dir` (directories, files, symlinks) into the real directory `target`. */
export async function seedFromTree(tree: Kernfs, dir: string, target: string): Promise<void> {
  const node = tree.find(dir, false);
  if (node?.kind !== 'dir') return;
  for (const child of node.children.values()) {
    const path = join(target, child.name);
    switch (child.kind) {
      case 'dir':
        await mkdir(path);
        await seedFromTree(tree, posix.join(dir, child.name), path);
        await chmod(path, child.mode & 0o7777);
        break;
      case 'file':
        await writeFile(path, child.data, { mode: child.mode & 0o7777 });
        await chmod(path, child.mode & 0o7777);
        break;
      case 'link':
        await symlink(tree.readlink(child), path);
        break;
      default:
        break; // attributes and device nodes have no place in a tmpfs
    }
  }
}

/** Replaces the emulated tree's `dir` contents with what the real directory `source` holds now. */
export async function saveToTree(tree: Kernfs, source: string, dir: string): Promise<void> {
  const node = tree.find(dir, false);
  if (node?.kind === 'dir') for (const name of [...node.children.keys()]) tree.remove(posix.join(dir, name));
  await copyInto(tree, source, dir);
}

async function copyInto(tree: Kernfs, source: string, dir: string): Promise<void> {
  for (const name of (await readdir(source)).sort()) {
    const path = join(source, name);
    const into = posix.join(dir, name);
    const st = await lstat(path);
    if (st.isDirectory()) {
      tree.mkdir(into, st.mode & 0o7777, 'tmpfs');
      await copyInto(tree, path, into);
    } else if (st.isFile()) {
      tree.file(into, await readFile(path), st.mode & 0o7777);
    } else if (st.isSymbolicLink()) {
      tree.link(into, posix.resolve(dir, await readlink(path)));
    }
  }
}
