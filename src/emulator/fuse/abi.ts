/**
 * Constants of the FUSE kernel ABI, as defined in include/uapi/linux/fuse.h.
 * Only what the server speaks (protocol 7.31) is listed.
 */

/** Opcodes of `enum fuse_opcode` (include/uapi/linux/fuse.h). */
export const OP = {
  LOOKUP: 1,
  FORGET: 2,
  GETATTR: 3,
  SETATTR: 4,
  READLINK: 5,
  SYMLINK: 6,
  MKNOD: 8,
  MKDIR: 9,
  UNLINK: 10,
  RMDIR: 11,
  RENAME: 12,
  LINK: 13,
  OPEN: 14,
  READ: 15,
  WRITE: 16,
  STATFS: 17,
  RELEASE: 18,
  FSYNC: 20,
  SETXATTR: 21,
  GETXATTR: 22,
  LISTXATTR: 23,
  REMOVEXATTR: 24,
  FLUSH: 25,
  INIT: 26,
  OPENDIR: 27,
  READDIR: 28,
  RELEASEDIR: 29,
  FSYNCDIR: 30,
  GETLK: 31,
  SETLK: 32,
  SETLKW: 33,
  ACCESS: 34,
  CREATE: 35,
  INTERRUPT: 36,
  BMAP: 37,
  DESTROY: 38,
  IOCTL: 39,
  POLL: 40,
  NOTIFY_REPLY: 41,
  BATCH_FORGET: 42,
  FALLOCATE: 43,
  READDIRPLUS: 44,
  RENAME2: 45,
  LSEEK: 46,
  COPY_FILE_RANGE: 47,
  SYNCFS: 50,
  TMPFILE: 51,
  STATX: 52,
} as const;

/** Opcode number → name, for statistics. */
export const OP_NAME: ReadonlyMap<number, string> = new Map(Object.entries(OP).map(([name, code]) => [code, name]));

/** Protocol version we answer INIT with: 7.31 (the prototype's proven set). */
export const KERNEL_VERSION = 7;
export const KERNEL_MINOR_VERSION = 31;

/** `fuse_init_in.flags` / `fuse_init_out.flags` bits. */
export const INIT_FLAG = {
  ASYNC_READ: 1 << 0,
  ATOMIC_O_TRUNC: 1 << 3,
  BIG_WRITES: 1 << 5,
  /** Every read checks the attributes and drops the page cache when size or mtime changed. */
  AUTO_INVAL_DATA: 1 << 12,
  DO_READDIRPLUS: 1 << 13,
  /** The kernel opens files without OPEN once a server answers OPEN with ENOSYS (7.23). */
  NO_OPEN_SUPPORT: 1 << 17,
  PARALLEL_DIROPS: 1 << 18,
  MAX_PAGES: 1 << 22,
  /** Symlink targets live in the link inode's page cache (7.30); NOTIFY_INVAL_INODE drops them. */
  CACHE_SYMLINKS: 1 << 23,
  /** The kernel opens directories without OPENDIR once a server answers it ENOSYS (7.29). */
  NO_OPENDIR_SUPPORT: 1 << 24,
} as const;

/** `fuse_open_out.open_flags` bits. */
export const FOPEN = {
  DIRECT_IO: 1 << 0,
  KEEP_CACHE: 1 << 1,
  NONSEEKABLE: 1 << 2,
  CACHE_DIR: 1 << 3,
  STREAM: 1 << 4,
  NOFLUSH: 1 << 5,
} as const;

/** `fuse_setattr_in.valid` bits. */
export const FATTR = {
  MODE: 1 << 0,
  UID: 1 << 1,
  GID: 1 << 2,
  SIZE: 1 << 3,
  ATIME: 1 << 4,
  MTIME: 1 << 5,
  FH: 1 << 6,
  ATIME_NOW: 1 << 7,
  MTIME_NOW: 1 << 8,
  LOCKOWNER: 1 << 9,
  CTIME: 1 << 10,
  KILL_SUIDGID: 1 << 11,
} as const;

/** `enum fuse_notify_code`: sent as the error field of an out header with unique 0. */
export const NOTIFY = {
  POLL: 1,
  INVAL_INODE: 2,
  INVAL_ENTRY: 3,
} as const;

/** The root directory's node id (FUSE_ROOT_ID). */
export const ROOT_ID = 1;

/** Struct sizes, checked against fuse.h. */
export const SIZE = {
  IN_HEADER: 40,
  OUT_HEADER: 16,
  ATTR: 88,
  ENTRY_OUT: 128,
  ATTR_OUT: 104,
  OPEN_OUT: 16,
  WRITE_OUT: 8,
  INIT_OUT: 64,
  KSTATFS: 80,
  DIRENT: 24,
  SETATTR_IN: 88,
  READ_IN: 40,
  WRITE_IN: 40,
  OPEN_IN: 8,
  CREATE_IN: 16,
  MKDIR_IN: 8,
  MKNOD_IN: 16,
  RENAME_IN: 8,
  RENAME2_IN: 16,
  RELEASE_IN: 24,
  FORGET_IN: 8,
  BATCH_FORGET_IN: 8,
  FORGET_ONE: 16,
  NOTIFY_INVAL_INODE: 24,
  NOTIFY_INVAL_ENTRY: 16,
} as const;

/** The largest WRITE payload we accept (fuse_init_out.max_write). */
export const MAX_WRITE = 128 * 1024;

/**
 * Size of the buffer each read(2) on /dev/fuse uses. fs/fuse/dev.c refuses buffers smaller
 * than max(FUSE_MIN_READ_BUFFER = 8192, in_header + write_in + max_write) with EINVAL.
 */
export const READ_BUFFER_SIZE = Math.max(8192, SIZE.IN_HEADER + SIZE.WRITE_IN + MAX_WRITE) + 4096;

/** File type bits of st_mode (include/uapi/linux/stat.h). */
export const S_IF = {
  SOCK: 0o140000,
  LNK: 0o120000,
  REG: 0o100000,
  DIR: 0o040000,
  CHR: 0o020000,
} as const;

/** d_type values for dirents (include/linux/fs_types.h): the S_IF bits shifted by 12. */
export const DT = {
  CHR: 2,
  DIR: 4,
  REG: 8,
  LNK: 10,
} as const;

/** open(2) flags that matter to the server (include/uapi/asm-generic/fcntl.h). */
export const O = {
  ACCMODE: 0o3,
  RDONLY: 0o0,
  WRONLY: 0o1,
  RDWR: 0o2,
  CREAT: 0o100,
  EXCL: 0o200,
  TRUNC: 0o1000,
} as const;
