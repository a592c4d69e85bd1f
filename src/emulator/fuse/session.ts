/**
 * The FUSE request dispatcher: maps kernel requests onto kernfs nodes through a
 * {@link FuseBackend}. It is pure with respect to I/O — replies and notifications leave
 * through {@link SessionIo} — so it can be driven without a mount in tests.
 */
import { ERRNO } from '../../host/errno.ts';
import { KernelErrno } from '../kernfs/errno-error.ts';
import type { AccessContext, AttrNode, DirNode, Node, RecordReader } from '../kernfs/nodes.ts';
import { checkOpen } from '../kernfs/tree.ts';
import { DT, FATTR, FOPEN, INIT_FLAG, MAX_WRITE, O, OP, OP_NAME } from './abi.ts';
import type { FuseBackend } from './backend.ts';
import type { Owner } from './node-attrs.ts';
import { direntType, nodeAttr } from './node-attrs.ts';
import { NodeTable } from './node-table.ts';
import type { Dirent, InHeader } from './protocol.ts';
import {
  decodeBatchForget,
  decodeCreate,
  decodeFh,
  decodeForget,
  decodeInit,
  decodeMkdir,
  decodeNames,
  decodeOpen,
  decodeRead,
  decodeRename,
  decodeRequest,
  decodeSetattr,
  decodeWrite,
  encodeAttrOut,
  encodeDirents,
  encodeEntryOut,
  encodeInitOut,
  encodeNotifyInvalEntry,
  encodeNotifyInvalInode,
  encodeOpenOut,
  encodeReply,
  encodeStatfsOut,
  encodeWriteOut,
} from './protocol.ts';
import { readRecord } from './record-read.ts';
import { FAST_FH_BASE } from './workers.ts';

/** Where the session's output goes: replies in order, notifications through a separate writer. */
export interface SessionIo {
  /** Writes one reply (one write(2) on /dev/fuse). */
  reply(buf: Buffer): void;
  /** Queues notifications for writing off the serving thread; `then` runs after they are written. */
  notify(bufs: Buffer[], then?: () => void): void;
}

/** Tunables of a session. */
export interface SessionOptions {
  /** Owner of every node (the mount's user_id/group_id); callers with this uid act as root. */
  owner: Owner;
  /** entry_valid and attr_valid in seconds; invalidations keep long values correct. */
  cacheSec: number;
  /** Called with unexpected (non-KernelErrno) errors, which are answered with EIO. */
  onError?: (err: unknown) => void;
  /**
   * One byte per node id, shared with the reader thread (workers.ts): set to 1 while a text
   * attribute's pages are current and anyone may open it for reading, so the reader answers
   * its OPEN and RELEASE itself. Omitted: every request comes here.
   */
  readerOpens?: Uint8Array;
  /**
   * Let the kernel open files without asking (FUSE_NO_OPEN_SUPPORT, fs/fuse/file.c
   * fuse_do_open): the first OPEN and FLUSH are answered ENOSYS, after which open(2) and
   * close(2) never reach the server and a cached read costs no request at all. kernfs_fop_open's
   * checks move to READ and WRITE: same errno, one call later. Ignored (and counted as
   * `kernelOpensUnsupported`) when the kernel does not offer it.
   */
  kernelOpens?: boolean;
}

/**
 * How long a reply may wait for its invalidations, plus 1 ms per invalidation (a store after a full tree walk drops thousands of cached pages). A page-cache
 * writer holds the folio of a page that was not up to date while its WRITE is answered
 * (fs/fuse/file.c fuse_fill_write_pages), so an invalidation of that page cannot finish
 * before the reply; this happens only for pages evicted behind our back (memory pressure,
 * drop_caches) and must cost a delay, never a hung writer.
 */
export const DEFERRED_REPLY_DEADLINE_MS = 2000;

/** Thrown inside handlers to answer with an errno. */
class Reply extends Error {
  readonly errno: number;
  constructor(errno: number) {
    super(`errno ${errno}`);
    this.errno = errno;
  }
}

function errno(code: keyof typeof ERRNO): never {
  throw new Reply(ERRNO[code]);
}

interface FileHandle {
  kind: 'file';
  node: Node;
  /** The `show()` output taken at the last read from offset 0 (seq_file semantics). */
  snapshot: Buffer | undefined;
  /** Opened through the page cache: what READ returns may stay cached in the kernel. */
  cached: boolean;
  /** A record device's reader for this open (/dev/kmsg): one record per READ. */
  records?: RecordReader;
}

interface DirHandle {
  kind: 'dir';
  node: DirNode;
  /** Entries taken at the first READDIR from offset 0, so offsets stay stable. */
  entries: Dirent[] | undefined;
}

/** Requests that get no reply (include/uapi/linux/fuse.h: FORGET, BATCH_FORGET, INTERRUPT, NOTIFY_REPLY). */
const NO_REPLY = new Set<number>([OP.FORGET, OP.BATCH_FORGET, OP.INTERRUPT, OP.NOTIFY_REPLY]);

/** One FUSE connection's state: node ids, open handles, pending invalidations. */
export class FuseSession {
  private readonly backend: FuseBackend;
  private readonly io: SessionIo;
  private readonly options: SessionOptions;
  private readonly table: NodeTable;
  private readonly handles = new Map<number, FileHandle | DirHandle>();
  private readonly counters = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private nextFh = 1;
  private initialized = false;
  /** Kernel opens negotiated at INIT (options.kernelOpens and the kernel offers them). */
  private kernelOpens = false;
  /** The same for directories (FUSE_NO_OPENDIR_SUPPORT, negotiated separately). */
  private kernelOpenDirs = false;
  private destroyed = false;
  /** Invalidations produced by tree events, not yet handed to `io.notify`. */
  private pending: Buffer[] = [];
  private readonly pendingKeys = new Set<string>();
  private dispatching = false;
  private flushScheduled = false;
  /** The node the current request writes; its own change needs no invalidation. */
  private selfIno = 0;
  /**
   * Invalidations that must land before the current request's reply, though its other ones
   * may not (RENAME holds directory locks that NOTIFY_INVAL_ENTRY needs): cached pages of
   * links it moved.
   */
  private beforeReply: Buffer[] = [];
  /** Set by a request whose reply must wait until its invalidations are written. */
  private deferReply = false;
  /** Invalidations to write after the current request's reply, never before it. */
  private afterReply: Buffer[] = [];
  /**
   * Text attributes whose pages the kernel may hold (served by a page-cache READ since their
   * last data invalidation), with the length then served. Any change to the tree or any
   * store() drops them all.
   */
  private readonly cachedAttrs = new Map<number, number>();

  constructor(backend: FuseBackend, io: SessionIo, options: SessionOptions) {
    this.backend = backend;
    this.io = io;
    this.options = options;
    this.table = new NodeTable(backend.tree);
    this.unsubscribe = backend.tree.subscribe((event) => {
      if (event.type === 'change') this.invalidateInode(event.node);
      else {
        this.invalidateEntry(event.parent, event.node.name);
        // The parent's cached listing (FOPEN_CACHE_DIR) and nlink/mtime are stale too.
        this.invalidateDir(event.parent);
      }
      // show() of any attribute may depend on what just changed (available_instances on a
      // create): drop every cached attribute page.
      this.invalidateData();
    });
  }

  /** Whether DESTROY was received. */
  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Stops listening to the tree; call when the connection is gone. */
  dispose(): void {
    this.unsubscribe();
    this.destroyed = true;
    this.pending = [];
    this.beforeReply = [];
    this.pendingKeys.clear();
    this.cachedAttrs.clear();
  }

  /**
   * Queues FUSE_NOTIFY_INVAL_INODE for every text attribute whose pages the kernel may have
   * cached, so the next read runs show() again. Inside a request the notifications go out
   * with its reply (a store()'s reply waits for them); outside, they are flushed in a
   * microtask like other tree events. Returns how many were queued.
   */
  invalidateData(): number {
    if (this.cachedAttrs.size === 0 || !this.initialized || this.destroyed) return 0;
    let queued = 0;
    for (const ino of this.cachedAttrs.keys()) {
      this.setFastOpen(ino, false);
      if (!this.table.known(ino)) continue;
      if (ino === this.selfIno && this.kernelOpens) {
        // The page-cache writer of this very attribute may hold its folio until we reply.
        // Drop its attributes only (offset < 0 touches no page): the next read or stat then
        // asks GETATTR, whose 4096 differs from the cached length and so makes the kernel
        // drop the pages itself (fs/fuse/inode.c fuse_change_attributes).
        this.queue(`i${ino}`, () => encodeNotifyInvalInode(ino, -1, 0));
        queued++;
        continue;
      }
      // fs/fuse/inode.c fuse_reverse_inval_inode: offset 0, len 0 (<= 0 means to the end)
      // drops the cached attributes and every page of the inode.
      this.queue(`i${ino}`, () => encodeNotifyInvalInode(ino, 0, 0));
      queued++;
    }
    this.cachedAttrs.clear();
    this.count('dataInvalidations');
    return queued;
  }

  private setFastOpen(ino: number, on: boolean): void {
    const flags = this.options.readerOpens;
    if (flags !== undefined && ino < flags.length) Atomics.store(flags, ino, on ? 1 : 0);
  }

  /** Request counts by opcode name, plus notifications, errors and open handles. */
  stats(): Record<string, number> {
    const out: Record<string, number> = Object.fromEntries(this.counters);
    out.openHandles = this.handles.size;
    out.nodeIds = this.table.size;
    out.cachedAttrs = this.cachedAttrs.size;
    out.kernelOpens = this.kernelOpens ? 1 : 0;
    return out;
  }

  /** Handles one request as read from /dev/fuse. */
  handle(buf: Buffer): void {
    const { header, body } = decodeRequest(buf);
    this.count(OP_NAME.get(header.opcode) ?? `op${header.opcode}`);
    this.dispatching = true;
    let reply: Buffer | undefined;
    this.deferReply = false;
    try {
      const result = this.dispatch(header, body);
      if (result !== undefined) reply = encodeReply(header.unique, 0, result.body);
    } catch (err) {
      reply = encodeReply(header.unique, this.errnoOf(err));
    } finally {
      this.dispatching = false;
      this.selfIno = 0;
    }
    const deferUntilNotified = this.deferReply;
    if (NO_REPLY.has(header.opcode)) reply = undefined;
    const notes = this.takePending();
    const first = this.beforeReply;
    this.beforeReply = [];
    const after = this.afterReply;
    this.afterReply = [];
    if (first.length > 0 && reply !== undefined) {
      // Link pages only: fuse_reverse_inval_inode takes no directory lock, so the RENAME
      // that moved them may wait; the rest follow its reply, as below.
      this.replyAfter(first, reply, [...notes, ...after]);
      return;
    }
    if (notes.length > 0 && deferUntilNotified && reply !== undefined) {
      // A store(): let the invalidations (dentries it added or removed, cached attribute
      // pages) land before write(2) returns, so the writer's next stat, lookup or read
      // cannot see stale data. Safe because they are written by another thread, WRITE holds
      // no directory lock, and an attribute opened for writing uses direct I/O, so the
      // writer holds no page lock that fuse_reverse_inval_inode would wait for. With kernel
      // opens writers go through the page cache; see DEFERRED_REPLY_DEADLINE_MS.
      this.replyAfter(notes, reply, after);
      return;
    }
    // Otherwise reply first: the request may hold the very directory lock an
    // invalidation needs (fuse_reverse_inval_entry takes the parent's inode lock).
    if (reply !== undefined) this.io.reply(reply);
    const rest = after.length > 0 ? [...notes, ...after] : notes;
    if (rest.length > 0) this.io.notify(rest);
  }

  /**
   * Writes `reply` once `notes` are written (or at the deadline), then
   * queues `after`.
   */
  private replyAfter(notes: Buffer[], reply: Buffer, after: Buffer[]): void {
    let sent = false;
    let timer: NodeJS.Timeout | undefined;
    const send = () => {
      if (sent) return;
      sent = true;
      clearTimeout(timer);
      this.io.reply(reply);
      if (after.length > 0) this.io.notify(after);
    };
    // A deadline in either mode: an invalidation queued earlier (a fuse_reverse_inval_entry
    // of another request) can block the one notify writer on a directory lock that this very
    // request holds — a RENAME waiting for its reply — and only the reply releases it.
    timer = setTimeout(() => {
      this.count('deferredReplyDeadlines');
      send();
    }, DEFERRED_REPLY_DEADLINE_MS + notes.length);
    this.io.notify(notes, send);
  }

  private dispatch(h: InHeader, body: Buffer): { body?: Buffer } | undefined {
    const ctx = this.context(h);
    switch (h.opcode) {
      case OP.INIT:
        return { body: this.init(body) };
      case OP.DESTROY:
        this.destroyed = true;
        return {};
      case OP.LOOKUP:
        return { body: this.lookup(h.nodeid, decodeNames(body, 1)[0] ?? '') };
      case OP.FORGET:
        this.table.forget(h.nodeid, decodeForget(body));
        return undefined;
      case OP.BATCH_FORGET:
        for (const { nodeid, nlookup } of decodeBatchForget(body)) this.table.forget(nodeid, nlookup);
        return undefined;
      case OP.GETATTR:
        return { body: encodeAttrOut(this.attr(this.node(h.nodeid)), this.options.cacheSec) };
      case OP.SETATTR:
        return { body: this.setattr(h.nodeid, body, ctx) };
      case OP.READLINK: {
        const node = this.node(h.nodeid);
        if (node.kind !== 'link') errno('EINVAL');
        return { body: Buffer.from(this.backend.tree.readlink(node)) };
      }
      case OP.OPEN:
        return { body: this.open(h.nodeid, decodeOpen(body).flags, ctx) };
      case OP.READ:
        return { body: this.read(h.nodeid, body, ctx) };
      case OP.WRITE:
        return this.write(h.nodeid, body, ctx);
      case OP.FLUSH:
        // Kernel-opened files carry no FOPEN_NOFLUSH; ENOSYS sets fc->no_flush (fuse_flush).
        if (this.kernelOpens) errno('ENOSYS');
        return {};
      case OP.FSYNC:
      case OP.FSYNCDIR:
        // Stores are synchronous; nothing is buffered on our side.
        return {};
      case OP.RELEASE:
      case OP.RELEASEDIR:
        this.handles.delete(decodeFh(body));
        return {};
      case OP.OPENDIR:
        // ENOSYS: the kernel opens directories itself from now on, keeping their listing in
        // its cache (FOPEN_CACHE_DIR | FOPEN_KEEP_CACHE, fs/fuse/file.c fuse_do_open).
        if (this.kernelOpenDirs) errno('ENOSYS');
        return { body: this.opendir(h.nodeid) };
      case OP.READDIR:
        return { body: this.readdir(h.nodeid, body) };
      case OP.STATFS:
        return { body: encodeStatfsOut(0) };
      case OP.INTERRUPT:
      case OP.NOTIFY_REPLY:
        // Every request is answered synchronously, so there is nothing to interrupt.
        return undefined;
      case OP.CREATE:
        return { body: this.create(h.nodeid, body, ctx) };
      case OP.MKDIR: {
        const { mode, umask, name } = decodeMkdir(body);
        const dir = this.dir(h.nodeid);
        const mkdir = this.backend.mkdir ?? errno('EPERM');
        return { body: this.entry(mkdir(dir, name, mode & ~umask & 0o7777, ctx)) };
      }
      case OP.SYMLINK: {
        const [name = '', target = ''] = decodeNames(body, 2);
        const symlink = this.backend.symlink ?? errno('EPERM');
        return { body: this.entry(symlink(this.dir(h.nodeid), name, target, ctx)) };
      }
      case OP.UNLINK: {
        const unlink = this.backend.unlink ?? errno('EPERM');
        unlink(this.dir(h.nodeid), decodeNames(body, 1)[0] ?? '', ctx);
        return {};
      }
      case OP.RMDIR: {
        const rmdir = this.backend.rmdir ?? errno('EPERM');
        rmdir(this.dir(h.nodeid), decodeNames(body, 1)[0] ?? '', ctx);
        return {};
      }
      case OP.RENAME:
      case OP.RENAME2:
        this.rename(h.nodeid, decodeRename(body, h.opcode === OP.RENAME2), ctx);
        return {};
      case OP.MKNOD:
      case OP.LINK:
        // sysfs refuses both; tmpfs regions only need regular files, dirs and symlinks.
        errno('EPERM');
        break;
      default:
        // GETXATTR, LISTXATTR, ACCESS, STATX, locks, ioctl…: the kernel falls back or gives up.
        errno('ENOSYS');
    }
    return undefined;
  }

  private init(body: Buffer): Buffer {
    const init = decodeInit(body);
    if (init.major !== 7) errno('EIO');
    this.initialized = true;
    if (this.options.kernelOpens === true) {
      this.kernelOpens = (init.flags & INIT_FLAG.NO_OPEN_SUPPORT) !== 0;
      if (!this.kernelOpens) this.count('kernelOpensUnsupported');
      this.kernelOpenDirs = this.kernelOpens && (init.flags & INIT_FLAG.NO_OPENDIR_SUPPORT) !== 0;
    }
    // CACHE_SYMLINKS: mdevctl resolves every device path with a userspace realpath (one
    // readlink per component); links change only by replacement (a new node id, dropped by
    // NOTIFY_INVAL_ENTRY) or by a rename that moves them (invalidated in rename()).
    const wanted =
      INIT_FLAG.ASYNC_READ |
      INIT_FLAG.BIG_WRITES |
      INIT_FLAG.PARALLEL_DIROPS |
      INIT_FLAG.MAX_PAGES |
      INIT_FLAG.CACHE_SYMLINKS |
      // With kernel opens, every read rechecks invalidated attributes before using the page
      // cache, so a page the writer itself filled is never read without a GETATTR first.
      (this.kernelOpens ? INIT_FLAG.AUTO_INVAL_DATA : 0);
    return encodeInitOut({
      maxReadahead: init.maxReadahead,
      flags: (init.flags & wanted) >>> 0,
      maxBackground: 16,
      congestionThreshold: 12,
      maxWrite: MAX_WRITE,
      maxPages: MAX_WRITE / 4096,
    });
  }

  private lookup(parentId: number, name: string): Buffer {
    const parent = this.dir(parentId);
    const child = name === '.' ? parent : name === '..' ? (parent.parent ?? parent) : parent.children.get(name);
    if (child === undefined) {
      // A negative entry lets the kernel cache "does not exist"; an 'add' event invalidates it.
      if (this.options.cacheSec > 0) return encodeEntryOut(0, undefined, this.options.cacheSec, 0);
      errno('ENOENT');
    }
    return this.entry(child);
  }

  private entry(node: Node): Buffer {
    const nodeid = this.table.remember(node);
    return encodeEntryOut(nodeid, this.attr(node), this.options.cacheSec, this.options.cacheSec);
  }

  private setattr(nodeid: number, body: Buffer, ctx: AccessContext): Buffer {
    const node = this.node(nodeid);
    const set = decodeSetattr(body);
    if (set.valid & FATTR.MODE && (set.mode & 0o7777) !== (node.mode & 0o7777)) errno('EPERM');
    if (set.valid & FATTR.UID && set.uid !== this.options.owner.uid) errno('EPERM');
    if (set.valid & FATTR.GID && set.gid !== this.options.owner.gid) errno('EPERM');
    if (set.valid & FATTR.SIZE) {
      if (node.kind === 'dir') errno('EISDIR');
      if (node.kind === 'file') {
        const resized = Buffer.alloc(set.size);
        node.data.copy(resized, 0, 0, Math.min(set.size, node.data.length));
        this.selfIno = node.ino;
        this.backend.write(node, resized, ctx);
      }
      // Attributes: shells open with O_TRUNC, so truncation is accepted and ignored (as sysfs does).
    }
    // Times are accepted and ignored: kernfs nodes keep their own mtime.
    return encodeAttrOut(this.attr(node), this.options.cacheSec);
  }

  private open(nodeid: number, flags: number, ctx: AccessContext, creating = false): Buffer {
    const node = this.node(nodeid);
    if (node.kind === 'dir') errno('EISDIR');
    const access = flags & O.ACCMODE;
    // kernfs_fop_open checks the mode bits and show/store presence even for root (EACCES).
    if (access !== O.WRONLY) checkOpen(node, 'read', ctx);
    if (access !== O.RDONLY) checkOpen(node, 'write', ctx);
    if (this.kernelOpens) {
      // An OPEN that passed the checks: ENOSYS makes the kernel open this file and every later
      // one itself, without OPEN or RELEASE (fs/fuse/file.c fuse_do_open); a refused one got
      // its EACCES above and leaves the next OPEN to come here too. CREATE gets no handle, as
      // the kernel may send no RELEASE for it.
      if (!creating) errno('ENOSYS');
      return encodeOpenOut(0, FOPEN.NOFLUSH);
    }
    const fh = this.nextFh++;
    const cached = node.kind === 'attr' && access === O.RDONLY && !node.binary && node.records === undefined;
    const handle: FileHandle = { kind: 'file', node, snapshot: undefined, cached };
    if (node.kind === 'attr' && node.records !== undefined) handle.records = node.records(ctx);
    this.handles.set(fh, handle);
    // Writes are synchronous, so FLUSH has nothing to do (FOPEN_NOFLUSH).
    let openFlags = FOPEN.NOFLUSH;
    if (cached) {
      // A text attribute opened read-only goes through the page cache; invalidateData()
      // keeps it exact. FOPEN_KEEP_CACHE only while its pages are known current: without it
      // fuse_finish_open (fs/fuse/file.c) drops them, as after an invalidation.
      if (this.cachedAttrs.has(node.ino)) openFlags |= FOPEN.KEEP_CACHE;
    } else if (node.kind === 'attr') {
      // Writers and binary attributes (config: show() depends on the caller, declared
      // sizes) bypass the page cache like sysfs. A writer must not hold page locks while
      // its reply waits for fuse_reverse_inval_inode (see handle()).
      openFlags |= FOPEN.DIRECT_IO;
    }
    return encodeOpenOut(fh, openFlags);
  }

  private read(nodeid: number, body: Buffer, ctx: AccessContext): Buffer {
    const { fh, offset, size } = decodeRead(body);
    const handle = this.fileHandle(fh, nodeid, 'read', ctx);
    if (handle.records !== undefined) return readRecord(handle.records, body);
    let content: Buffer;
    if (handle.node.kind === 'attr') {
      // seq_file semantics: show() runs on a read from offset 0; later offsets continue the
      // same text, so a value that changes between cat's two reads never mixes versions.
      if (offset === 0 || handle.snapshot === undefined) {
        const node = handle.node;
        handle.snapshot = this.backend.read(node, ctx);
      }
      content = handle.snapshot;
      if (handle.cached) this.markCached(handle.node, content.length);
      else if (fh === 0 && this.kernelOpens) this.dropPagesAfterReply(handle.node);
    } else {
      const node = handle.node;
      content = this.backend.read(node, ctx);
    }
    return content.subarray(Math.min(offset, content.length), Math.min(offset + size, content.length));
  }

  private write(nodeid: number, body: Buffer, ctx: AccessContext): { body: Buffer } {
    const { fh, offset, data } = decodeWrite(body);
    const handle = this.fileHandle(fh, nodeid, 'write', ctx);
    const node = handle.node;
    this.selfIno = node.ino;
    if (node.kind === 'file') {
      // Regular files take the whole new content, so a journaling backend sees the result.
      const merged = Buffer.alloc(Math.max(node.data.length, offset + data.length));
      node.data.copy(merged);
      data.copy(merged, offset);
      this.backend.write(node, merged, ctx);
      return { body: encodeWriteOut(data.length) };
    }
    if (node.kind === 'attr') {
      // A store() may change what any show() prints, and only a store() or a tree change
      // does: drop every cached attribute page, and answer (even an error) only once the
      // kernel has dropped them.
      this.deferReply = true;
      this.invalidateData();
      // A kernel-opened binary attribute keeps the written bytes in its page (its size never
      // changes, so GETATTR cannot tell): drop them once the writer has its reply.
      if (fh === 0 && this.kernelOpens && node.binary) this.dropPagesAfterReply(node);
    }
    // One WRITE is one store() (fs/kernfs/file.c); its return value is write(2)'s.
    const count = this.backend.write(node, data, ctx, offset);
    return { body: encodeWriteOut(count) };
  }

  /** A page-cache fill: the text now lives in the kernel until invalidateData(). */
  private markCached(node: AttrNode, length: number): void {
    this.cachedAttrs.set(node.ino, Math.min(length, node.size));
    // The reader may answer the next OPENs itself when kernfs_fop_open would let anyone read.
    if ((node.mode & 0o004) !== 0 && node.show !== undefined) this.setFastOpen(node.ino, true);
  }

  private opendir(nodeid: number): Buffer {
    const node = this.dir(nodeid);
    const fh = this.nextFh++;
    this.handles.set(fh, { kind: 'dir', node, entries: undefined });
    // The kernel keeps the listing in the directory's page cache (fs/fuse/readdir.c) across
    // opens; every add or remove under it sends NOTIFY_INVAL_INODE for it (invalidateDir).
    return encodeOpenOut(fh, FOPEN.CACHE_DIR | FOPEN.KEEP_CACHE);
  }

  private readdir(nodeid: number, body: Buffer): Buffer {
    const { fh, offset, size } = decodeRead(body);
    if (fh === 0 && this.kernelOpenDirs) return this.readdirStateless(this.dir(nodeid), offset, size);
    const handle = this.handles.get(fh);
    if (handle?.kind !== 'dir') errno('EBADF');
    if (offset === 0 || handle.entries === undefined) {
      const dir = handle.node;
      const entries: Dirent[] = [
        { ino: dir.ino, name: '.', type: DT.DIR },
        { ino: (dir.parent ?? dir).ino, name: '..', type: DT.DIR },
      ];
      for (const child of dir.children.values())
        entries.push({ ino: child.ino, name: child.name, type: direntType(child) });
      handle.entries = entries;
    }
    return encodeDirents(handle.entries, offset, size);
  }

  /**
   * A listing without a handle to hold a snapshot: children in node-id order, each entry's
   * offset cookie its node id + 2 (1 and 2 are "." and ".."), so a listing that continues
   * after a child was added or removed neither skips nor repeats one, like kernfs' hash
   * positions (fs/kernfs/dir.c kernfs_dir_pos).
   */
  private readdirStateless(dir: DirNode, offset: number, size: number): Buffer {
    const entries: Dirent[] = [
      { ino: dir.ino, name: '.', type: DT.DIR, off: 1 },
      { ino: (dir.parent ?? dir).ino, name: '..', type: DT.DIR, off: 2 },
    ];
    const children = [...dir.children.values()].sort((a, b) => a.ino - b.ino);
    for (const child of children)
      entries.push({ ino: child.ino, name: child.name, type: direntType(child), off: child.ino + 2 });
    return encodeDirents(
      entries.filter((entry) => (entry.off ?? 0) > offset),
      0,
      size,
    );
  }

  private create(nodeid: number, body: Buffer, ctx: AccessContext): Buffer {
    const { flags, mode, umask, name } = decodeCreate(body);
    const dir = this.dir(nodeid);
    const create = this.backend.create ?? errno('EPERM');
    let node: Node | undefined = dir.children.get(name);
    if (node !== undefined) {
      // The kernel sends CREATE only for a negative dentry; an entry we have anyway is opened.
      if (flags & O.EXCL) errno('EEXIST');
    } else {
      node = create(dir, name, mode & ~umask & 0o7777, ctx);
    }
    const entry = this.entry(node);
    const open = this.open(node.ino, flags, ctx, true);
    return Buffer.concat([entry, open]);
  }

  private rename(nodeid: number, req: { newDir: number; flags: number; from: string; to: string }, ctx: AccessContext) {
    const rename = this.backend.rename ?? errno('EPERM');
    const dir = this.dir(nodeid);
    const newDir = this.dir(req.newDir);
    const RENAME_NOREPLACE = 1; // include/uapi/linux/fs.h
    if (req.flags & ~RENAME_NOREPLACE) errno('EINVAL');
    if (req.flags & RENAME_NOREPLACE && newDir.children.has(req.to)) errno('EEXIST');
    const moved = dir.children.get(req.from);
    rename(dir, req.from, newDir, req.to, ctx);
    // readlink renders targets relative to the link's directory: a moved link (or one in a
    // moved directory) reads differently now, and its cached page (CACHE_SYMLINKS) must go.
    if (moved !== undefined) this.invalidateMovedLinks(moved);
  }

  private node(nodeid: number): Node {
    return this.table.resolve(nodeid) ?? errno('ENOENT');
  }

  private dir(nodeid: number): DirNode {
    const node = this.node(nodeid);
    if (node.kind !== 'dir') errno('ENOTDIR');
    return node;
  }

  private fileHandle(fh: number, nodeid: number, direction: 'read' | 'write', ctx: AccessContext): FileHandle {
    if (fh === 0 && this.kernelOpens) return this.kernelOpenedHandle(nodeid, direction, ctx);
    if (fh >= FAST_FH_BASE) return this.fastHandle(fh - FAST_FH_BASE);
    const handle = this.handles.get(fh);
    if (handle?.kind !== 'file') errno('EBADF');
    return handle;
  }

  /**
   * A file the kernel opened without asking: kernfs_fop_open's checks run now, per call.
   * Text attributes go through the page cache as a read-only open would; binary ones
   * (`config` shows less to unprivileged callers, `rom` depends on its enable switch) have
   * their pages dropped after every read, see dropPagesAfterReply.
   */
  private kernelOpenedHandle(nodeid: number, direction: 'read' | 'write', ctx: AccessContext): FileHandle {
    const node = this.node(nodeid);
    if (node.kind === 'dir') errno('EISDIR');
    if (node.kind === 'link') errno('ELOOP');
    if (node.kind === 'attr') checkOpen(node, direction, ctx);
    return { kind: 'file', node, snapshot: undefined, cached: node.kind === 'attr' && !node.binary };
  }

  /** Queues a page invalidation of `node` to be written right after this request's reply. */
  private dropPagesAfterReply(node: Node): void {
    if (!this.table.known(node.ino) || !this.initialized || this.destroyed) return;
    this.afterReply.push(encodeNotifyInvalInode(node.ino));
    this.count('notifications');
  }

  /**
   * A handle the reader thread opened (read-only, page cache): stateless, since a page-cache
   * READ asks for whole pages below i_size (4096) and so always starts at offset 0.
   */
  private fastHandle(nodeid: number): FileHandle {
    const node = this.node(nodeid);
    if (node.kind !== 'attr') errno('EBADF');
    return { kind: 'file', node, snapshot: undefined, cached: true };
  }

  private attr(node: Node) {
    const attr = nodeAttr(this.backend.tree, node, this.options.owner);
    // A short page-cache READ makes the kernel shrink i_size to the text's length
    // (fs/fuse/file.c fuse_short_read -> fuse_read_update_size). Report that length while the
    // pages are cached: a GETATTR answering 4096 would make fuse_change_attributes drop them,
    // and every read bumps atime, which sends the next stat to GETATTR (fuse_invalidate_atime).
    // Attributes never read, or invalidated since, report sysfs' 4096.
    const cachedLength = this.cachedAttrs.get(node.ino);
    if (cachedLength !== undefined && node.kind === 'attr') attr.size = cachedLength;
    return attr;
  }

  /** The caller as the emulated kernel sees it: the mount owner is the host's root. */
  private context(h: InHeader): AccessContext {
    const uid = h.uid === this.options.owner.uid ? 0 : h.uid;
    return { uid, privileged: uid === 0 };
  }

  private errnoOf(err: unknown): number {
    if (err instanceof Reply) {
      this.count('errors');
      return err.errno;
    }
    if (err instanceof KernelErrno) {
      this.count('errors');
      return ERRNO[err.errno];
    }
    this.count('internalErrors');
    this.options.onError?.(err);
    return ERRNO.EIO;
  }

  private invalidateInode(node: Node): void {
    // Attributes are covered by invalidateData(), which the same event triggers.
    if (node.kind === 'attr' || node.ino === this.selfIno || !this.table.known(node.ino)) return;
    this.queue(`i${node.ino}`, () => encodeNotifyInvalInode(node.ino));
  }

  private invalidateDir(dir: DirNode): void {
    if (!this.table.known(dir.ino)) return;
    this.queue(`i${dir.ino}`, () => encodeNotifyInvalInode(dir.ino));
  }

  /** Links at or under `node` whose rendered (relative) target a move changed. */
  private invalidateMovedLinks(node: Node): void {
    if (node.kind === 'link') {
      if (this.table.known(node.ino) && this.initialized && !this.destroyed) {
        this.beforeReply.push(encodeNotifyInvalInode(node.ino));
        this.count('notifications');
      }
    } else if (node.kind === 'dir') {
      for (const child of node.children.values()) this.invalidateMovedLinks(child);
    }
  }

  private invalidateEntry(parent: DirNode, name: string): void {
    // The kernel can only have a dentry under a directory whose node id it holds.
    if (!this.table.known(parent.ino)) return;
    this.queue(`e${parent.ino}/${name}`, () => encodeNotifyInvalEntry(parent.ino, name));
  }

  private queue(key: string, make: () => Buffer): void {
    if (!this.initialized || this.destroyed || this.pendingKeys.has(key)) return;
    this.pendingKeys.add(key);
    this.pending.push(make());
    this.count('notifications');
    if (!this.dispatching && !this.flushScheduled) {
      // A change made by the emulated kernel outside any request: send it soon, batched.
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        if (this.dispatching) return;
        const notes = this.takePending();
        if (notes.length > 0) this.io.notify(notes);
      });
    }
  }

  private takePending(): Buffer[] {
    if (this.pending.length === 0) return [];
    const notes = this.pending;
    this.pending = [];
    this.pendingKeys.clear();
    return notes;
  }

  private count(name: string): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + 1);
  }
}
