/**
 * FUSE node ids for kernfs nodes. A node's id is its inode number (the root's is 1, as
 * FUSE_ROOT_ID requires); Kernfs never reuses inode numbers, so a generation of 0 is enough.
 * The table counts lookups so FORGET can drop entries, and tells which ids the kernel holds
 * (only those are worth an invalidation).
 */
import type { Node } from '../kernfs/nodes.ts';
import type { Kernfs } from '../kernfs/tree.ts';
import { ROOT_ID } from './abi.ts';

interface Entry {
  node: Node;
  nlookup: number;
}

/** Node ids handed to the kernel, with their lookup counts. */
export class NodeTable {
  private readonly tree: Kernfs;
  private readonly entries = new Map<number, Entry>();

  constructor(tree: Kernfs) {
    this.tree = tree;
    if (tree.root.ino !== ROOT_ID) throw new Error(`kernfs root has inode ${tree.root.ino}, FUSE needs ${ROOT_ID}`);
  }

  /** Records that the kernel got an entry for `node` (LOOKUP, CREATE, MKDIR…); returns its id. */
  remember(node: Node): number {
    if (node.ino === ROOT_ID) return ROOT_ID;
    const entry = this.entries.get(node.ino);
    if (entry === undefined) this.entries.set(node.ino, { node, nlookup: 1 });
    else {
      entry.node = node;
      entry.nlookup++;
    }
    return node.ino;
  }

  /** FORGET: the kernel dropped `count` lookups of `nodeid`. */
  forget(nodeid: number, count: number): void {
    const entry = this.entries.get(nodeid);
    if (entry === undefined) return;
    entry.nlookup -= count;
    if (entry.nlookup <= 0) this.entries.delete(nodeid);
  }

  /** The node behind an id while it is still in the tree; undefined for stale ids. */
  resolve(nodeid: number): Node | undefined {
    if (nodeid === ROOT_ID) return this.tree.root;
    const node = this.entries.get(nodeid)?.node;
    return node !== undefined && this.attached(node) ? node : undefined;
  }

  /** Whether the kernel holds a reference to this node id. */
  known(nodeid: number): boolean {
    return nodeid === ROOT_ID || this.entries.has(nodeid);
  }

  /** Number of ids the kernel holds (besides the root). */
  get size(): number {
    return this.entries.size;
  }

  private attached(node: Node): boolean {
    // Kernfs leaves `parent` set on removed nodes, so check membership at every level.
    let n: Node = node;
    while (n.parent !== null) {
      if (n.parent.children.get(n.name) !== n) return false;
      n = n.parent;
    }
    return n === this.tree.root;
  }
}
