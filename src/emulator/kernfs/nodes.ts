/**
 * kernfs-like nodes. The emulated kernel models sysfs the way the kernel models itself:
 * directories, symlinks (stored as absolute targets, shown relative as sysfs does), and
 * attributes with a mode, a `show()` and a `store()` (fs/kernfs, fs/sysfs).
 * Regular files and character devices exist for the tmpfs-like parts (/etc, /dev, /run).
 */

/** Who performs an access; sysfs and pci-sysfs treat root and others differently. */
export interface AccessContext {
  uid: number;
  /** CAP_SYS_ADMIN in the initial namespace (pci_read_config returns the full space). */
  privileged: boolean;
}

export const ROOT_CONTEXT: AccessContext = { uid: 0, privileged: true };

/** `show()` of an attribute: the whole content, as sysfs produces it on open/read. */
type Show = (ctx: AccessContext) => string | Uint8Array;

/**
 * `store()` of an attribute: one call per write(2) with the whole buffer. Returns the
 * accepted byte count (defaults to all of it) or throws {@link KernelErrno}. Binary
 * attributes also get the file offset (a `bin_attribute`'s write() takes `off`); text
 * attributes are always written at 0.
 */
type Store = (data: Buffer, ctx: AccessContext, offset: number) => number | undefined;

/**
 * A reader of a record device such as /dev/kmsg: one record per read(2), in order, from where
 * this open started (kernel/printk/printk.c devkmsg_read). `peek` returns undefined when no
 * record is left; `advance` moves past the record `peek` returned.
 */
export interface RecordReader {
  peek(): Buffer | undefined;
  advance(): void;
}

export type FsType = 'sysfs' | 'tmpfs' | 'devtmpfs' | 'procfs';

interface NodeBase {
  /** Inode number, unique for the life of the tree (FUSE node ids derive from it). */
  readonly ino: number;
  name: string;
  parent: DirNode | null;
  /** Permission bits (0o444 …). */
  mode: number;
  /** Bumped whenever the node's content may have changed; FUSE uses it for invalidation. */
  mtimeMs: number;
}

export interface DirNode extends NodeBase {
  kind: 'dir';
  fsType: FsType;
  children: Map<string, Node>;
}

export interface AttrNode extends NodeBase {
  kind: 'attr';
  /** Text attributes report PAGE_SIZE (4096); binary ones their declared size. */
  size: number;
  binary: boolean;
  show: Show | undefined;
  store: Store | undefined;
  /** Set for record devices: each open gets its own reader and each read one record. */
  records?: ((ctx: AccessContext) => RecordReader) | undefined;
}

export interface FileNode extends NodeBase {
  kind: 'file';
  data: Buffer;
}

export interface LinkNode extends NodeBase {
  kind: 'link';
  /** Absolute path of the target; readlink renders it relative to the link's directory. */
  target: string;
}

export interface CharDevNode extends NodeBase {
  kind: 'chardev';
  major: number;
  minor: number;
}

export type Node = DirNode | AttrNode | FileNode | LinkNode | CharDevNode;

/** Options for a new attribute. */
export interface AttrSpec {
  mode: number;
  show?: Show;
  store?: Store;
  /** Binary attribute size (e.g. `config`: 256 or 4096). Text attributes omit it. */
  size?: number;
  /** A record device's reader (see {@link RecordReader}). */
  records?: (ctx: AccessContext) => RecordReader;
}

/** sysfs text attributes report PAGE_SIZE as st_size (fs/sysfs/file.c, sysfs_add_file_mode_ns). */
export const PAGE_SIZE = 4096;
