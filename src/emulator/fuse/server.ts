/**
 * A FUSE server in plain TypeScript: mounts /dev/fuse with mount(8), reads requests on a
 * worker thread, answers them on the main thread (where the emulated kernel's tree lives)
 * and writes invalidations from a second worker.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { READ_BUFFER_SIZE } from './abi.ts';
import type { FuseBackend } from './backend.ts';
import { runCommand, unmountDir } from './mount-tools.ts';
import { FuseSession } from './session.ts';
import type { NotifierMessage, ReaderMessage } from './workers.ts';
import { createFastOpenTable, FAST_COUNTER, startNotifier, startReader } from './workers.ts';

/** Options of {@link mountFuse}. */
export interface MountOptions {
  /** Owner of every file (mount option user_id) and the uid treated as the host's root. Default 0. */
  ownerUid?: number;
  /** Group of every file (mount option group_id). Default 0. */
  ownerGid?: number;
  /** The mount's source name in mountinfo. Default "vgpuctl". */
  fsName?: string;
  /** Let other users than the owner in (allow_other). Default true. */
  allowOther?: boolean;
  /** entry/attr cache lifetime in seconds (invalidations keep it correct). Default 60. */
  cacheSec?: number;
  /**
   * Let the kernel open and close files without asking the server (FUSE no-open): a repeated
   * read of a cached attribute then costs no request. Root opening an attribute in a
   * direction it does not support fails at read(2)/write(2) instead of open(2), with the same
   * EACCES. Default false: every open is checked as kernfs_fop_open does.
   */
  kernelOpens?: boolean;
  /** Unexpected errors (bugs in handlers, failed reply writes). */
  onError?: (err: unknown) => void;
}

/** A mounted FUSE filesystem served by this process. */
export interface FuseMount {
  readonly mountpoint: string;
  /** Unmounts (lazily if busy) and resolves once the kernel has closed the connection. */
  unmount(): Promise<void>;
  /** Resolves when the connection is gone (unmounted by anyone). */
  readonly closed: Promise<void>;
  /** Request counts by opcode and server counters. */
  stats(): Record<string, number>;
  /**
   * Drops every attribute page the kernel may have cached (FUSE_NOTIFY_INVAL_INODE) and
   * resolves once those and every other queued invalidation are written. Call it after any
   * change made outside a FUSE request that tree events do not show: a store() through the
   * emulated kernel's own API, or a model change behind a show(). Wire it once with
   * `kernel.onWrite(() => void mount.invalidateData())` (EmulatedKernel in
   * src/emulator/kernel.ts) and await it (or {@link settled}) before a client looks.
   */
  invalidateData(): Promise<void>;
  /**
   * Resolves once every invalidation queued so far has been written to the kernel, attribute
   * pages included (it is {@link invalidateData}). Changes the emulated kernel makes outside
   * a FUSE request are announced asynchronously; await this before telling a client to look.
   */
  settled(): Promise<void>;
}

/** Errors of write(2) on /dev/fuse that are not ours to report: interrupted request, unmounted. */
const IGNORED_WRITE_ERRORS = new Set(['ENOENT', 'ENODEV']);

/** Mounts `backend.tree` at `mountpoint` and serves it until unmounted. Needs root (see fuseAvailable). */
export async function mountFuse(
  backend: FuseBackend,
  mountpoint: string,
  options: MountOptions = {},
): Promise<FuseMount> {
  const dir = resolve(mountpoint);
  const owner = { uid: options.ownerUid ?? 0, gid: options.ownerGid ?? 0 };
  const fd = openSync('/dev/fuse', 'r+');
  // nodev, nosuid: the emulated /dev/vfio nodes carry the device numbers a real host's have
  // (10:196 for /dev/vfio/vfio); on a host with VFIO, opening them without nodev would reach
  // the host's real devices. With nodev, open(2) of any device node fails with EACCES
  // (fs/namei.c may_open, may_open_dev), whatever its numbers; stat and readdir still work.
  const mountOpts = [
    'fd=3',
    'rootmode=40000',
    `user_id=${owner.uid}`,
    `group_id=${owner.gid}`,
    'default_permissions',
    'nodev',
    'nosuid',
  ];
  if (options.allowOther !== false) mountOpts.push('allow_other');
  // -i: Debian's mount.fuse helper would exec the source name as a program.
  const mounted = await runCommand(
    'mount',
    ['-i', '-t', 'fuse', '-o', mountOpts.join(','), options.fsName ?? 'vgpuctl', dir],
    ['ignore', 'ignore', 'pipe', fd],
  );
  if (mounted.code !== 0) {
    closeSync(fd);
    throw new Error(`mount ${dir} failed (exit ${mounted.code}): ${mounted.stderr}`);
  }
  return serve(backend, fd, dir, owner, options);
}

function serve(
  backend: FuseBackend,
  fd: number,
  dir: string,
  owner: { uid: number; gid: number },
  options: MountOptions,
): FuseMount {
  const counters = { requests: 0, notifyBatches: 0, notifyFailures: 0, replyErrors: 0 };
  const onError = options.onError ?? (() => {});
  let open = true;
  const fastOpen = createFastOpenTable();
  const reader = startReader(fd, READ_BUFFER_SIZE, fastOpen);
  const notifier = startNotifier(fd);
  notifier.unref();
  const waiting = new Map<number, () => void>();
  let nextBatch = 1;

  const session = new FuseSession(
    backend,
    {
      reply(buf) {
        if (!open) return;
        try {
          writeSync(fd, buf);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? '';
          if (!IGNORED_WRITE_ERRORS.has(code)) {
            counters.replyErrors++;
            onError(err);
          }
        }
      },
      notify(bufs, then) {
        if (!open) return;
        const id = nextBatch++;
        counters.notifyBatches++;
        if (then !== undefined) waiting.set(id, then);
        notifier.postMessage({ id, bufs });
      },
    },
    {
      owner,
      cacheSec: options.cacheSec ?? 60,
      // The reader thread answers OPEN only for flagged nodes; kernel opens need every OPEN
      // to reach the session once (to answer ENOSYS), so they flag nothing.
      ...(options.kernelOpens === true ? { kernelOpens: true } : { readerOpens: fastOpen.flags }),
      ...(options.onError ? { onError: options.onError } : {}),
    },
  );

  notifier.on('message', (msg: NotifierMessage) => {
    counters.notifyFailures += msg.failed;
    const then = waiting.get(msg.id);
    if (then === undefined) return;
    waiting.delete(msg.id);
    then();
  });

  let markClosed: () => void = () => {};
  const closed = new Promise<void>((done) => {
    markClosed = done;
  });

  const shutdown = (code: string) => {
    if (!open) return;
    open = false;
    if (code !== 'ENODEV') onError(new Error(`/dev/fuse read ended with ${code}`));
    session.dispose();
    // Run what waited for the notifier: deferred replies become no-ops, settled() resolves.
    const pending = [...waiting.values()];
    waiting.clear();
    for (const then of pending) then();
    void notifier.terminate().finally(() => {
      closeSync(fd);
      markClosed();
    });
  };

  reader.on('message', (msg: ReaderMessage) => {
    if (msg.type === 'end') {
      shutdown(msg.code);
      return;
    }
    counters.requests++;
    try {
      session.handle(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
    } catch (err) {
      onError(err);
    }
  });
  reader.on('error', (err) => {
    onError(err);
    shutdown('worker-error');
  });

  async function settled(): Promise<void> {
    if (open) session.invalidateData();
    // Let a pending microtask flush hand its batch over first; the notifier works in order.
    await Promise.resolve();
    if (!open) return;
    await new Promise<void>((done) => {
      const id = nextBatch++;
      waiting.set(id, done);
      notifier.postMessage({ id, bufs: [] });
    });
  }

  return {
    mountpoint: dir,
    closed,
    stats: () => ({
      ...session.stats(),
      ...counters,
      fastOpens: Atomics.load(fastOpen.counters, FAST_COUNTER.OPEN),
      fastReleases: Atomics.load(fastOpen.counters, FAST_COUNTER.RELEASE),
    }),
    invalidateData: settled,
    settled,
    async unmount() {
      if (!open) return closed;
      const result = await unmountDir(dir);
      if (result.code !== 0 && open) {
        // Someone may have unmounted it meanwhile; give the reader a moment to see ENODEV.
        const gone = await Promise.race([closed.then(() => true), delay(500).then(() => false)]);
        if (!gone) throw new Error(`umount ${dir} failed (exit ${result.code}): ${result.stderr}`);
      }
      return closed;
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
