/** stat(2) attributes of kernfs nodes, as sysfs and tmpfs report them. */
import type { Node } from '../kernfs/nodes.ts';
import type { Kernfs } from '../kernfs/tree.ts';
import { DT, S_IF } from './abi.ts';
import type { Attr } from './protocol.ts';

/** Owner reported for every node (the mount's user_id/group_id). */
export interface Owner {
  uid: number;
  gid: number;
}

/** new_encode_dev() from include/linux/kdev_t.h: the 32-bit dev_t that fuse_attr.rdev carries. */
function encodeDev(major: number, minor: number): number {
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
}

/** The file type bits (S_IFDIR…) of a node. */
function typeBits(node: Node): number {
  switch (node.kind) {
    case 'dir':
      return S_IF.DIR;
    case 'link':
      return S_IF.LNK;
    case 'chardev':
      return S_IF.CHR;
    case 'attr':
    case 'file':
      return S_IF.REG;
  }
}

/** The d_type of a node for READDIR. */
export function direntType(node: Node): number {
  switch (node.kind) {
    case 'dir':
      return DT.DIR;
    case 'link':
      return DT.LNK;
    case 'chardev':
      return DT.CHR;
    case 'attr':
    case 'file':
      return DT.REG;
  }
}

/**
 * The attributes GETATTR and LOOKUP return: text attributes 4096 bytes, binary attributes their
 * declared size (fs/sysfs/file.c), links the length of their relative target, directories
 * 2 + subdirectories links.
 */
export function nodeAttr(tree: Kernfs, node: Node, owner: Owner): Attr {
  let size = 0;
  let nlink = 1;
  let rdev = 0;
  switch (node.kind) {
    case 'attr':
      size = node.size;
      break;
    case 'file':
      size = node.data.length;
      break;
    case 'link':
      size = Buffer.byteLength(tree.readlink(node));
      break;
    case 'chardev':
      rdev = encodeDev(node.major, node.minor);
      break;
    case 'dir':
      nlink = 2;
      for (const child of node.children.values()) if (child.kind === 'dir') nlink++;
      break;
  }
  return {
    ino: node.ino,
    size,
    blocks: node.kind === 'file' ? Math.ceil(size / 512) : 0,
    mtimeMs: node.mtimeMs,
    mode: typeBits(node) | (node.mode & 0o7777),
    nlink,
    uid: owner.uid,
    gid: owner.gid,
    rdev,
    blksize: 4096,
  };
}
