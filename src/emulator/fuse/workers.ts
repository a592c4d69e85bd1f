/**
 * The two helper threads of a FUSE server, as plain JavaScript run with `eval: true` so they
 * work the same under tsx and from compiled dist/ (no TypeScript loader needed in the worker).
 * They only move bytes: the tree and all decisions stay on the main thread.
 */
import { Worker } from 'node:worker_threads';

/**
 * Blocking read loop on /dev/fuse. Each read(2) returns exactly one request, which is copied
 * and transferred to the main thread. ENOENT (interrupted request), EINTR and EAGAIN are
 * retried; ENODEV means the filesystem was unmounted (fs/fuse/dev.c).
 */
const READER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { fd, size } = workerData;
const buf = Buffer.alloc(size);
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
  const copy = new Uint8Array(n);
  copy.set(buf.subarray(0, n));
  parentPort.postMessage({ type: 'request', data: copy }, [copy.buffer]);
}
`;

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

/** Starts the /dev/fuse reader thread. */
export function startReader(fd: number, size: number): Worker {
  return new Worker(READER_SOURCE, { eval: true, workerData: { fd, size }, execArgv: [] });
}

/** Starts the notification writer thread. */
export function startNotifier(fd: number): Worker {
  return new Worker(NOTIFIER_SOURCE, { eval: true, workerData: { fd }, execArgv: [] });
}
