/**
 * The two helper threads of a FUSE server, as plain JavaScript run with `eval: true` so they
 * work the same under tsx and from compiled dist/ (no TypeScript loader needed in the worker).
 * They only move bytes: the tree and all decisions stay on the main thread.
 */
import { Worker } from 'node:worker_threads';
import { FOPEN, O, OP, SIZE } from './abi.ts';

/**
 * File handles at or above this value were handed out by the reader thread's fast path
 * (`FAST_FH_BASE + node id`); the main thread's own handles count up from 1.
 */
export const FAST_FH_BASE = 2 ** 40;

/** Slots of {@link FastOpenTable.counters}. */
export const FAST_COUNTER = { OPEN: 0, RELEASE: 1 } as const;

/**
 * State shared with the reader thread: one byte per node id (1 = a text attribute whose pages
 * are current in the kernel's page cache and which anyone may open for reading), and counters.
 * Node ids beyond `flags.length` simply take the slow path.
 */
export interface FastOpenTable {
  flags: Uint8Array;
  counters: Int32Array;
}

/** Allocates a {@link FastOpenTable} over shared memory for `capacity` node ids. */
export function createFastOpenTable(capacity = 1 << 20): FastOpenTable {
  return {
    flags: new Uint8Array(new SharedArrayBuffer(capacity)),
    counters: new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT)),
  };
}

/**
 * Blocking read loop on /dev/fuse. Each read(2) returns exactly one request, which is copied
 * and transferred to the main thread. ENOENT (interrupted request), EINTR and EAGAIN are
 * retried; ENODEV means the filesystem was unmounted (fs/fuse/dev.c).
 *
 * Fast path: a read-only OPEN of a node flagged in the shared table is answered here with
 * FOPEN_KEEP_CACHE | FOPEN_NOFLUSH and the handle FAST_FH_BASE + nodeid, and the RELEASE of
 * such a handle with an empty reply, so a hot stat+open+read+close never wakes the main
 * thread (stat and read are served from the kernel's caches). Page-cache correctness never
 * depends on this flag: the main thread's invalidations drop stale pages whatever the open
 * flags were (see session.ts), and a READ on a fast handle is served by the main thread.
 */
const READER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { fd, size, flags, counters, c } = workerData;
const buf = Buffer.alloc(size);
const openReply = Buffer.alloc(c.OUT_HEADER + c.OPEN_OUT);
openReply.writeUInt32LE(openReply.length, 0);
openReply.writeUInt32LE(c.OPEN_FLAGS, c.OUT_HEADER + 8);
const releaseReply = Buffer.alloc(c.OUT_HEADER);
releaseReply.writeUInt32LE(releaseReply.length, 0);
function answer(reply, unique) {
  reply.writeBigUInt64LE(unique, 8);
  try {
    fs.writeSync(fd, reply);
  } catch {
    // ENOENT: the request was interrupted; ENODEV: unmounted (the read loop sees it next).
  }
}
function fast(n) {
  if (n < c.IN_HEADER) return false;
  const opcode = buf.readUInt32LE(4);
  if (opcode === c.OP_OPEN) {
    if (n < c.IN_HEADER + 4) return false;
    const nodeid = buf.readBigUInt64LE(16);
    if (nodeid >= BigInt(flags.length) || Atomics.load(flags, Number(nodeid)) !== 1) return false;
    if ((buf.readUInt32LE(c.IN_HEADER) & c.OPEN_MASK) !== c.O_RDONLY) return false;
    openReply.writeBigUInt64LE(BigInt(c.FAST_FH_BASE) + nodeid, c.OUT_HEADER);
    answer(openReply, buf.readBigUInt64LE(8));
    Atomics.add(counters, c.COUNT_OPEN, 1);
    return true;
  }
  if (opcode === c.OP_RELEASE) {
    if (n < c.IN_HEADER + 8 || buf.readBigUInt64LE(c.IN_HEADER) < BigInt(c.FAST_FH_BASE)) return false;
    answer(releaseReply, buf.readBigUInt64LE(8));
    Atomics.add(counters, c.COUNT_RELEASE, 1);
    return true;
  }
  return false;
}
for (;;) {
  let n;
  try {
    n = fs.readSync(fd, buf, 0, size, null);
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'EINTR' || err.code === 'EAGAIN') continue;
    parentPort.postMessage({ type: 'end', code: err.code || String(err) });
    break;
  }
  if (n === 0) {
    parentPort.postMessage({ type: 'end', code: 'EOF' });
    break;
  }
  if (fast(n)) continue;
  const copy = new Uint8Array(n);
  copy.set(buf.subarray(0, n));
  parentPort.postMessage({ type: 'request', data: copy }, [copy.buffer]);
}
`;

/** Constants the reader's plain-JavaScript source needs (include/uapi/linux/fuse.h). */
const READER_CONSTANTS = {
  IN_HEADER: SIZE.IN_HEADER,
  OUT_HEADER: SIZE.OUT_HEADER,
  OPEN_OUT: SIZE.OPEN_OUT,
  OP_OPEN: OP.OPEN,
  OP_RELEASE: OP.RELEASE,
  OPEN_FLAGS: FOPEN.KEEP_CACHE | FOPEN.NOFLUSH,
  // Only a plain read-only open: no O_TRUNC or O_CREAT, which take the main thread's checks.
  OPEN_MASK: O.ACCMODE | O.TRUNC | O.CREAT,
  O_RDONLY: O.RDONLY,
  FAST_FH_BASE,
  COUNT_OPEN: FAST_COUNTER.OPEN,
  COUNT_RELEASE: FAST_COUNTER.RELEASE,
};

/**
 * Writes invalidation notifications. They run on their own thread because the kernel takes
 * the parent directory's inode lock for FUSE_NOTIFY_INVAL_ENTRY, and a request holding that
 * lock may be waiting for a reply that only the main thread can send. ENOENT (an inode the
 * kernel no longer has) is expected and ignored.
 */
const NOTIFIER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { fd } = workerData;
parentPort.on('message', (msg) => {
  let failed = 0;
  for (const b of msg.bufs) {
    try {
      fs.writeSync(fd, b);
    } catch {
      failed++;
    }
  }
  parentPort.postMessage({ id: msg.id, failed });
});
`;

/** Messages from the reader thread. */
export type ReaderMessage = { type: 'request'; data: Uint8Array } | { type: 'end'; code: string };

/** Messages from the notifier thread. */
export interface NotifierMessage {
  id: number;
  failed: number;
}

/** Starts the /dev/fuse reader thread, answering fast opens flagged in `table`. */
export function startReader(fd: number, size: number, table: FastOpenTable): Worker {
  return new Worker(READER_SOURCE, {
    eval: true,
    workerData: { fd, size, flags: table.flags, counters: table.counters, c: READER_CONSTANTS },
    execArgv: [],
  });
}

/** Starts the notification writer thread. */
export function startNotifier(fd: number): Worker {
  return new Worker(NOTIFIER_SOURCE, { eval: true, workerData: { fd }, execArgv: [] });
}
