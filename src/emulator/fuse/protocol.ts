/**
 * Pure encode/decode of FUSE kernel protocol messages (include/uapi/linux/fuse.h).
 * Every struct is little-endian on the architectures we run on (x86-64, arm64).
 */
import { KERNEL_MINOR_VERSION, KERNEL_VERSION, NOTIFY, SIZE } from './abi.ts';

/** `struct fuse_in_header`: the first 40 bytes of every request. */
export interface InHeader {
  len: number;
  opcode: number;
  unique: bigint;
  nodeid: number;
  uid: number;
  gid: number;
  pid: number;
}

/** A request split into its header and the opcode-specific body. */
export interface Request {
  header: InHeader;
  body: Buffer;
}

/** Splits one request as read(2) from /dev/fuse returned it. */
export function decodeRequest(buf: Buffer): Request {
  if (buf.length < SIZE.IN_HEADER) throw new RangeError(`short FUSE request: ${buf.length} bytes`);
  const len = buf.readUInt32LE(0);
  const header: InHeader = {
    len,
    opcode: buf.readUInt32LE(4),
    unique: buf.readBigUInt64LE(8),
    // Node ids are our inode numbers, far below 2^53.
    nodeid: Number(buf.readBigUInt64LE(16)),
    uid: buf.readUInt32LE(24),
    gid: buf.readUInt32LE(28),
    pid: buf.readUInt32LE(32),
  };
  return { header, body: buf.subarray(SIZE.IN_HEADER, Math.min(len, buf.length)) };
}

/** Reads NUL-terminated names from `buf` starting at `offset` (LOOKUP, MKDIR, RENAME, SYMLINK…). */
export function decodeNames(buf: Buffer, count: number, offset = 0): string[] {
  const names: string[] = [];
  let pos = offset;
  for (let i = 0; i < count; i++) {
    let end = buf.indexOf(0, pos);
    if (end < 0) end = buf.length;
    names.push(buf.toString('utf8', pos, end));
    pos = end + 1;
  }
  return names;
}

/** `struct fuse_init_in` (flags2 only from 7.36 on; absent in shorter requests). */
export interface InitIn {
  major: number;
  minor: number;
  maxReadahead: number;
  flags: number;
}

/** Decodes `fuse_init_in`. */
export function decodeInit(body: Buffer): InitIn {
  return {
    major: body.readUInt32LE(0),
    minor: body.readUInt32LE(4),
    maxReadahead: body.readUInt32LE(8),
    flags: body.readUInt32LE(12),
  };
}

/** `struct fuse_setattr_in` (88 bytes). */
export interface SetattrIn {
  valid: number;
  fh: number;
  size: number;
  mode: number;
  uid: number;
  gid: number;
}

/** Decodes `fuse_setattr_in`. */
export function decodeSetattr(body: Buffer): SetattrIn {
  return {
    valid: body.readUInt32LE(0),
    fh: Number(body.readBigUInt64LE(8)),
    size: Number(body.readBigUInt64LE(16)),
    // After lock_owner, atime, mtime, ctime (4 × u64) and 3 × u32 nsec fields.
    mode: body.readUInt32LE(68),
    uid: body.readUInt32LE(76),
    gid: body.readUInt32LE(80),
  };
}

/** `struct fuse_open_in`: the open(2) flags. */
export function decodeOpen(body: Buffer): { flags: number } {
  return { flags: body.readUInt32LE(0) };
}

/** `struct fuse_create_in` followed by the new name. */
export function decodeCreate(body: Buffer): { flags: number; mode: number; umask: number; name: string } {
  const [name = ''] = decodeNames(body, 1, SIZE.CREATE_IN);
  return { flags: body.readUInt32LE(0), mode: body.readUInt32LE(4), umask: body.readUInt32LE(8), name };
}

/** `struct fuse_mkdir_in` followed by the new name. */
export function decodeMkdir(body: Buffer): { mode: number; umask: number; name: string } {
  const [name = ''] = decodeNames(body, 1, SIZE.MKDIR_IN);
  return { mode: body.readUInt32LE(0), umask: body.readUInt32LE(4), name };
}

/** `struct fuse_rename_in` / `fuse_rename2_in` followed by the old and new names. */
export function decodeRename(body: Buffer, v2: boolean): { newDir: number; flags: number; from: string; to: string } {
  const [from = '', to = ''] = decodeNames(body, 2, v2 ? SIZE.RENAME2_IN : SIZE.RENAME_IN);
  return { newDir: Number(body.readBigUInt64LE(0)), flags: v2 ? body.readUInt32LE(8) : 0, from, to };
}

/** `struct fuse_read_in` (also READDIR). */
export function decodeRead(body: Buffer): { fh: number; offset: number; size: number } {
  return { fh: Number(body.readBigUInt64LE(0)), offset: Number(body.readBigUInt64LE(8)), size: body.readUInt32LE(16) };
}

/** `struct fuse_write_in` followed by the data. */
export function decodeWrite(body: Buffer): { fh: number; offset: number; data: Buffer } {
  const size = body.readUInt32LE(16);
  return {
    fh: Number(body.readBigUInt64LE(0)),
    offset: Number(body.readBigUInt64LE(8)),
    data: body.subarray(SIZE.WRITE_IN, SIZE.WRITE_IN + size),
  };
}

/** The file handle that leads RELEASE, RELEASEDIR, FLUSH and FSYNC bodies. */
export function decodeFh(body: Buffer): number {
  return Number(body.readBigUInt64LE(0));
}

/** `struct fuse_forget_in`. */
export function decodeForget(body: Buffer): number {
  return Number(body.readBigUInt64LE(0));
}

/** `struct fuse_batch_forget_in` followed by `count` × `fuse_forget_one`. */
export function decodeBatchForget(body: Buffer): Array<{ nodeid: number; nlookup: number }> {
  const count = body.readUInt32LE(0);
  const out: Array<{ nodeid: number; nlookup: number }> = [];
  for (let i = 0; i < count; i++) {
    const at = SIZE.BATCH_FORGET_IN + i * SIZE.FORGET_ONE;
    if (at + SIZE.FORGET_ONE > body.length) break;
    out.push({ nodeid: Number(body.readBigUInt64LE(at)), nlookup: Number(body.readBigUInt64LE(at + 8)) });
  }
  return out;
}

/** `struct fuse_attr` fields we fill in. Times are in milliseconds since the epoch. */
export interface Attr {
  ino: number;
  size: number;
  blocks: number;
  mtimeMs: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  blksize: number;
}

/** Writes `struct fuse_attr` (88 bytes) at `at`. */
function writeAttr(out: Buffer, at: number, attr: Attr): void {
  const sec = BigInt(Math.floor(attr.mtimeMs / 1000));
  const nsec = Math.floor((attr.mtimeMs % 1000) * 1e6);
  out.writeBigUInt64LE(BigInt(attr.ino), at);
  out.writeBigUInt64LE(BigInt(attr.size), at + 8);
  out.writeBigUInt64LE(BigInt(attr.blocks), at + 16);
  for (const off of [24, 32, 40]) out.writeBigUInt64LE(sec, at + off); // atime, mtime, ctime
  for (const off of [48, 52, 56]) out.writeUInt32LE(nsec, at + off);
  out.writeUInt32LE(attr.mode, at + 60);
  out.writeUInt32LE(attr.nlink, at + 64);
  out.writeUInt32LE(attr.uid, at + 68);
  out.writeUInt32LE(attr.gid, at + 72);
  out.writeUInt32LE(attr.rdev, at + 76);
  out.writeUInt32LE(attr.blksize, at + 80);
  out.writeUInt32LE(0, at + 84); // flags
}

/** A cache lifetime as FUSE carries it: whole seconds plus nanoseconds. */
function writeValid(out: Buffer, secAt: number, nsecAt: number, seconds: number): void {
  out.writeBigUInt64LE(BigInt(Math.floor(seconds)), secAt);
  out.writeUInt32LE(Math.round((seconds % 1) * 1e9), nsecAt);
}

/**
 * `struct fuse_entry_out` (128 bytes). `attr` undefined encodes a negative entry (nodeid 0),
 * which the kernel caches for `entrySec` as a negative dentry.
 */
export function encodeEntryOut(nodeid: number, attr: Attr | undefined, entrySec: number, attrSec: number): Buffer {
  const out = Buffer.alloc(SIZE.ENTRY_OUT);
  out.writeBigUInt64LE(BigInt(nodeid), 0);
  out.writeBigUInt64LE(0n, 8); // generation: node ids are never reused
  writeValid(out, 16, 32, entrySec);
  writeValid(out, 24, 36, attrSec);
  if (attr !== undefined) writeAttr(out, 40, attr);
  return out;
}

/** `struct fuse_attr_out` (104 bytes). */
export function encodeAttrOut(attr: Attr, attrSec: number): Buffer {
  const out = Buffer.alloc(SIZE.ATTR_OUT);
  writeValid(out, 0, 8, attrSec);
  writeAttr(out, 16, attr);
  return out;
}

/** `struct fuse_open_out` (16 bytes). */
export function encodeOpenOut(fh: number, openFlags: number): Buffer {
  const out = Buffer.alloc(SIZE.OPEN_OUT);
  out.writeBigUInt64LE(BigInt(fh), 0);
  out.writeUInt32LE(openFlags, 8);
  return out;
}

/** `struct fuse_write_out` (8 bytes). */
export function encodeWriteOut(size: number): Buffer {
  const out = Buffer.alloc(SIZE.WRITE_OUT);
  out.writeUInt32LE(size, 0);
  return out;
}

/** Parameters of our INIT reply. */
export interface InitOut {
  maxReadahead: number;
  flags: number;
  maxBackground: number;
  congestionThreshold: number;
  maxWrite: number;
  maxPages: number;
}

/** `struct fuse_init_out` (64 bytes), announcing protocol 7.31. */
export function encodeInitOut(init: InitOut): Buffer {
  const out = Buffer.alloc(SIZE.INIT_OUT);
  out.writeUInt32LE(KERNEL_VERSION, 0);
  out.writeUInt32LE(KERNEL_MINOR_VERSION, 4);
  out.writeUInt32LE(init.maxReadahead, 8);
  out.writeUInt32LE(init.flags, 12);
  out.writeUInt16LE(init.maxBackground, 16);
  out.writeUInt16LE(init.congestionThreshold, 18);
  out.writeUInt32LE(init.maxWrite, 20);
  out.writeUInt32LE(1, 24); // time_gran: we keep nanoseconds
  out.writeUInt16LE(init.maxPages, 28);
  return out;
}

/** `struct fuse_kstatfs` (80 bytes) for STATFS. */
export function encodeStatfsOut(files: number): Buffer {
  const out = Buffer.alloc(SIZE.KSTATFS);
  out.writeBigUInt64LE(BigInt(files), 24); // files
  out.writeUInt32LE(4096, 40); // bsize
  out.writeUInt32LE(255, 44); // namelen
  out.writeUInt32LE(4096, 48); // frsize
  return out;
}

/** One directory entry for READDIR. */
export interface Dirent {
  ino: number;
  name: string;
  type: number;
  /** The offset cookie READDIR resumes after; default: position in the list + 1. */
  off?: number;
}

/** Encoded size of one `struct fuse_dirent`: 24 bytes + name, padded to 8 (FUSE_DIRENT_ALIGN). */
export function direntSize(name: string): number {
  return (SIZE.DIRENT + Buffer.byteLength(name) + 7) & ~7;
}

/**
 * Packs entries `from…` into at most `maxBytes`, each with `off` = its index + 1 so the
 * kernel resumes at the next entry. Returns the buffer and how many entries fit.
 */
export function encodeDirents(entries: readonly Dirent[], from: number, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (let i = from; i < entries.length; i++) {
    const entry = entries[i] as Dirent;
    const size = direntSize(entry.name);
    if (total + size > maxBytes) break;
    const out = Buffer.alloc(size);
    out.writeBigUInt64LE(BigInt(entry.ino), 0);
    out.writeBigUInt64LE(BigInt(entry.off ?? i + 1), 8);
    const nameLen = out.write(entry.name, SIZE.DIRENT, 'utf8');
    out.writeUInt32LE(nameLen, 16);
    out.writeUInt32LE(entry.type, 20);
    chunks.push(out);
    total += size;
  }
  return Buffer.concat(chunks, total);
}

/** Decodes READDIR output (the inverse of {@link encodeDirents}), for tests and tools. */
export function decodeDirents(buf: Buffer): Array<Dirent & { off: number }> {
  const out: Array<Dirent & { off: number }> = [];
  for (let at = 0; at + SIZE.DIRENT <= buf.length; ) {
    const nameLen = buf.readUInt32LE(at + 16);
    out.push({
      ino: Number(buf.readBigUInt64LE(at)),
      off: Number(buf.readBigUInt64LE(at + 8)),
      type: buf.readUInt32LE(at + 20),
      name: buf.toString('utf8', at + SIZE.DIRENT, at + SIZE.DIRENT + nameLen),
    });
    at += (SIZE.DIRENT + nameLen + 7) & ~7;
  }
  return out;
}

/** A reply: `fuse_out_header {u32 len, i32 -errno, u64 unique}`; an error carries no body. */
export function encodeReply(unique: bigint, errno: number, body?: Buffer): Buffer {
  const payload = errno === 0 && body !== undefined ? body : undefined;
  const out = Buffer.allocUnsafe(SIZE.OUT_HEADER + (payload?.length ?? 0));
  out.writeUInt32LE(out.length, 0);
  out.writeInt32LE(-errno, 4);
  out.writeBigUInt64LE(unique, 8);
  payload?.copy(out, SIZE.OUT_HEADER);
  return out;
}

/** Decodes an out header (tests and tools). */
export function decodeOutHeader(buf: Buffer): { len: number; error: number; unique: bigint } {
  return { len: buf.readUInt32LE(0), error: buf.readInt32LE(4), unique: buf.readBigUInt64LE(8) };
}

/** FUSE_NOTIFY_INVAL_INODE: drop cached attributes and pages (`len` 0 = to the end) of `ino`. */
export function encodeNotifyInvalInode(ino: number, offset = 0, len = 0): Buffer {
  const body = Buffer.alloc(SIZE.NOTIFY_INVAL_INODE);
  body.writeBigUInt64LE(BigInt(ino), 0);
  body.writeBigInt64LE(BigInt(offset), 8);
  body.writeBigInt64LE(BigInt(len), 16);
  return encodeNotify(NOTIFY.INVAL_INODE, body);
}

/** FUSE_NOTIFY_INVAL_ENTRY: drop the dentry `name` in directory `parent` (name is NUL-terminated). */
export function encodeNotifyInvalEntry(parent: number, name: string): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const body = Buffer.alloc(SIZE.NOTIFY_INVAL_ENTRY + nameBytes.length + 1);
  body.writeBigUInt64LE(BigInt(parent), 0);
  body.writeUInt32LE(nameBytes.length, 8);
  nameBytes.copy(body, SIZE.NOTIFY_INVAL_ENTRY);
  return encodeNotify(NOTIFY.INVAL_ENTRY, body);
}

/** A notification is an out header with unique 0 and the notify code in the error field. */
function encodeNotify(code: number, body: Buffer): Buffer {
  const out = Buffer.alloc(SIZE.OUT_HEADER + body.length);
  out.writeUInt32LE(out.length, 0);
  out.writeInt32LE(code, 4);
  out.writeBigUInt64LE(0n, 8);
  body.copy(out, SIZE.OUT_HEADER);
  return out;
}

/** Builds a request as the kernel would send it (tests and tools). */
export function encodeRequest(
  opcode: number,
  unique: bigint,
  nodeid: number,
  body: Buffer = Buffer.alloc(0),
  caller: { uid: number; gid: number; pid: number } = { uid: 0, gid: 0, pid: 1 },
): Buffer {
  const out = Buffer.alloc(SIZE.IN_HEADER + body.length);
  out.writeUInt32LE(out.length, 0);
  out.writeUInt32LE(opcode, 4);
  out.writeBigUInt64LE(unique, 8);
  out.writeBigUInt64LE(BigInt(nodeid), 16);
  out.writeUInt32LE(caller.uid, 24);
  out.writeUInt32LE(caller.gid, 28);
  out.writeUInt32LE(caller.pid, 32);
  body.copy(out, SIZE.IN_HEADER);
  return out;
}
