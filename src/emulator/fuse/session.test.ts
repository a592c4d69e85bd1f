/** The dispatcher driven with hand-made requests, no mount needed. */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import fc from 'fast-check';
import { checkProperty } from '../../../test/helpers/property.ts';
import { ERRNO } from '../../host/errno.ts';
import { fail } from '../kernfs/errno-error.ts';
import { Kernfs } from '../kernfs/tree.ts';
import { FOPEN, INIT_FLAG, NOTIFY, O, OP, SIZE } from './abi.ts';
import { treeBackend } from './backend.ts';
import { decodeDirents, decodeOutHeader, encodeRequest } from './protocol.ts';
import { DEFERRED_REPLY_DEADLINE_MS, FuseSession } from './session.ts';
import { FAST_FH_BASE } from './workers.ts';

interface Out {
  error: number;
  body: Buffer;
}

/** A session whose replies and notifications are captured; notifications complete when `release()` runs. */
function harness(
  tree: Kernfs,
  cacheSec = 60,
  extra: { readerOpens?: Uint8Array; kernelOpens?: boolean; initFlags?: number } = {},
) {
  const log: string[] = [];
  const replies = new Map<bigint, Out>();
  const notes: Buffer[] = [];
  const held: Array<() => void> = [];
  const session = new FuseSession(
    treeBackend(tree),
    {
      reply(buf) {
        const h = decodeOutHeader(buf);
        log.push(`reply ${h.unique}`);
        replies.set(h.unique, { error: h.error === 0 ? 0 : -h.error, body: buf.subarray(SIZE.OUT_HEADER) });
      },
      notify(bufs, then) {
        log.push(`notify ${bufs.length}`);
        notes.push(...bufs);
        if (then !== undefined) held.push(then);
      },
    },
    {
      owner: { uid: 0, gid: 0 },
      cacheSec,
      ...(extra.readerOpens === undefined ? {} : { readerOpens: extra.readerOpens }),
      ...(extra.kernelOpens === undefined ? {} : { kernelOpens: extra.kernelOpens }),
    },
  );
  let unique = 1n;
  const send = (op: number, nodeid: number, body?: Buffer, uid = 0): Out | undefined => {
    const id = unique++;
    session.handle(encodeRequest(op, id, nodeid, body, { uid, gid: 0, pid: 1 }));
    return replies.get(id);
  };
  const init = Buffer.alloc(64);
  init.writeUInt32LE(7, 0);
  init.writeUInt32LE(45, 4);
  init.writeUInt32LE((extra.initFlags ?? 0xffffffff) >>> 0, 12);
  send(OP.INIT, 0, init);
  const lookup = (parent: number, name: string) => {
    const out = send(OP.LOOKUP, parent, Buffer.from(`${name}\0`));
    return { error: out?.error ?? -1, nodeid: out?.error === 0 ? Number(out.body.readBigUInt64LE(0)) : 0, out };
  };
  const open = (nodeid: number, flags: number) => {
    const body = Buffer.alloc(8);
    body.writeUInt32LE(flags, 0);
    const out = send(OP.OPEN, nodeid, body);
    return { error: out?.error ?? -1, fh: out?.error === 0 ? Number(out.body.readBigUInt64LE(0)) : 0, out };
  };
  const read = (nodeid: number, fh: number, offset: number, size = 4096, op: number = OP.READ) => {
    const body = Buffer.alloc(SIZE.READ_IN);
    body.writeBigUInt64LE(BigInt(fh), 0);
    body.writeBigUInt64LE(BigInt(offset), 8);
    body.writeUInt32LE(size, 16);
    return send(op, nodeid, body);
  };
  const write = (nodeid: number, fh: number, data: string) => {
    const body = Buffer.alloc(SIZE.WRITE_IN + data.length);
    body.writeBigUInt64LE(BigInt(fh), 0);
    body.writeUInt32LE(data.length, 16);
    body.write(data, SIZE.WRITE_IN);
    return send(OP.WRITE, nodeid, body);
  };
  const release = () => {
    for (const then of held.splice(0)) then();
  };
  return { session, send, lookup, open, read, write, release, replies, notes, log };
}

describe('FuseSession', () => {
  it('answers INIT with 7.31 and only the flags the kernel offered', () => {
    const tree = new Kernfs();
    const replies: Buffer[] = [];
    const session = new FuseSession(
      treeBackend(tree),
      { reply: (b) => replies.push(b), notify: () => {} },
      { owner: { uid: 0, gid: 0 }, cacheSec: 1 },
    );
    const init = Buffer.alloc(64);
    init.writeUInt32LE(7, 0);
    init.writeUInt32LE(45, 4);
    init.writeUInt32LE(128 * 1024, 8);
    init.writeUInt32LE(INIT_FLAG.ASYNC_READ | INIT_FLAG.DO_READDIRPLUS | INIT_FLAG.CACHE_SYMLINKS, 12);
    session.handle(encodeRequest(OP.INIT, 1n, 0, init));
    const body = (replies[0] as Buffer).subarray(SIZE.OUT_HEADER);
    assert.equal(body.readUInt32LE(0), 7);
    assert.equal(body.readUInt32LE(4), 31);
    assert.equal(body.readUInt32LE(8), 128 * 1024);
    assert.equal(body.readUInt32LE(12), INIT_FLAG.ASYNC_READ | INIT_FLAG.CACHE_SYMLINKS);
    assert.equal(body.readUInt32LE(20), 128 * 1024);
  });

  it('maps node ids to inodes, caches misses as negative entries and answers ENOENT for stale ids', () => {
    const tree = new Kernfs();
    const vendor = tree.attr('/sys/dev/vendor', { mode: 0o444, show: () => '0x10de\n' });
    const h = harness(tree);
    const sys = h.lookup(1, 'sys');
    const dev = h.lookup(sys.nodeid, 'dev');
    const v = h.lookup(dev.nodeid, 'vendor');
    assert.equal(v.nodeid, vendor.ino);
    assert.equal(v.out?.body.readUInt32LE(40 + 60), 0o100444);
    assert.equal(Number(v.out?.body.readBigUInt64LE(40 + 8)), 4096);
    const miss = h.lookup(dev.nodeid, 'nope');
    assert.equal(miss.error, 0);
    assert.equal(miss.nodeid, 0, 'negative entry');
    tree.remove('/sys/dev/vendor');
    assert.equal(h.send(OP.GETATTR, v.nodeid, Buffer.alloc(16))?.error, ERRNO.ENOENT);
    const uncached = harness(tree, 0);
    const s = uncached.lookup(1, 'sys');
    assert.equal(uncached.lookup(s.nodeid, 'nope').error, ERRNO.ENOENT);
  });

  it('drops forgotten ids without replying', () => {
    const tree = new Kernfs();
    tree.mkdir('/a');
    const h = harness(tree);
    const a = h.lookup(1, 'a');
    h.lookup(1, 'a');
    const forget = Buffer.alloc(8);
    forget.writeBigUInt64LE(1n, 0);
    assert.equal(h.send(OP.FORGET, a.nodeid, forget), undefined);
    assert.equal(h.send(OP.GETATTR, a.nodeid, Buffer.alloc(16))?.error, 0, 'one lookup left');
    assert.equal(h.send(OP.FORGET, a.nodeid, forget), undefined);
    assert.equal(h.send(OP.GETATTR, a.nodeid, Buffer.alloc(16))?.error, ERRNO.ENOENT);
  });

  it('checks permissions at open as kernfs does, even for root', () => {
    const tree = new Kernfs();
    const ro = tree.attr('/ro', { mode: 0o444, show: () => 'x\n' });
    const wo = tree.attr('/wo', { mode: 0o200, store: () => undefined });
    const h = harness(tree);
    h.lookup(1, 'ro');
    h.lookup(1, 'wo');
    assert.equal(h.open(ro.ino, O.WRONLY).error, ERRNO.EACCES);
    assert.equal(h.open(wo.ino, O.RDONLY).error, ERRNO.EACCES);
    assert.equal(h.open(wo.ino, O.RDWR).error, ERRNO.EACCES);
    assert.equal(h.open(ro.ino, O.RDONLY).error, 0);
  });

  it('snapshots show() at a read from offset 0 and continues from the snapshot', () => {
    const tree = new Kernfs();
    let value = 9;
    const attr = tree.attr('/counter', { mode: 0o444, show: () => `value ${value}\n` });
    const h = harness(tree);
    h.lookup(1, 'counter');
    const { fh } = h.open(attr.ino, O.RDONLY);
    assert.equal(h.read(attr.ino, fh, 0, 3)?.body.toString(), 'val');
    value = 10;
    assert.equal(h.read(attr.ino, fh, 3)?.body.toString(), 'ue 9\n', 'same text continues');
    assert.equal(h.read(attr.ino, fh, 8)?.body.length, 0);
    assert.equal(h.read(attr.ino, fh, 0)?.body.toString(), 'value 10\n', 'rewind re-runs show()');
  });

  it('turns a store() errno into the WRITE reply and returns its count', () => {
    const tree = new Kernfs();
    const attr = tree.attr('/create', {
      mode: 0o200,
      store: (data) => (data.toString() === 'ok\n' ? 2 : fail('EINVAL')),
    });
    const h = harness(tree);
    h.lookup(1, 'create');
    const { fh } = h.open(attr.ino, O.WRONLY);
    assert.equal(h.write(attr.ino, fh, 'bad\n')?.error, ERRNO.EINVAL);
    const ok = h.write(attr.ino, fh, 'ok\n');
    assert.equal(ok?.error, 0);
    assert.equal(ok?.body.readUInt32LE(0), 2);
  });

  it('holds the reply of a store() that adds nodes until their invalidations are written', () => {
    const tree = new Kernfs();
    tree.mkdir('/devices');
    const attr = tree.attr('/create', {
      mode: 0o200,
      store: (data) => {
        tree.mkdir(`/devices/${data.toString().trim()}`);
        tree.mkdir(`/elsewhere/${data.toString().trim()}`);
        return undefined;
      },
    });
    const h = harness(tree);
    const devices = h.lookup(1, 'devices');
    h.lookup(devices.nodeid, 'u1'); // a negative dentry the kernel now caches
    h.lookup(1, 'create');
    const { fh } = h.open(attr.ino, O.WRONLY);
    h.log.length = 0;
    const reply = h.write(attr.ino, fh, 'u1\n');
    assert.equal(reply, undefined, 'reply waits for the notifier');
    // /devices/u1 and the new /elsewhere (under the root), each with its parent's cached
    // listing (FOPEN_CACHE_DIR); /elsewhere/u1's parent is unknown.
    assert.deepEqual(h.log, ['notify 4']);
    const names = h.notes.map((n) =>
      n.readInt32LE(4) === NOTIFY.INVAL_ENTRY
        ? `${n.readBigUInt64LE(16)}/${n.toString('utf8', 32, n.length - 1)}`
        : `inode ${n.readBigUInt64LE(16)}`,
    );
    assert.deepEqual(names, [`${devices.nodeid}/u1`, `inode ${devices.nodeid}`, '1/elsewhere', 'inode 1']);
    h.release();
    assert.deepEqual(h.log, ['notify 4', 'reply 6']);
    assert.equal(h.replies.get(6n)?.error, 0);
  });

  it('replies before notifying for requests that may hold the directory lock', () => {
    const tree = new Kernfs();
    tree.mkdir('/etc', 0o755, 'tmpfs');
    const h = harness(tree);
    const etc = h.lookup(1, 'etc');
    h.log.length = 0;
    const mkdir = Buffer.concat([Buffer.alloc(8), Buffer.from('d\0')]);
    mkdir.writeUInt32LE(0o777, 0);
    mkdir.writeUInt32LE(0o022, 4);
    const out = h.send(OP.MKDIR, etc.nodeid, mkdir);
    assert.equal(out?.error, 0);
    assert.equal(h.log[0]?.startsWith('reply'), true);
    assert.equal(tree.find('/etc/d')?.mode, 0o755);
  });

  it('caches read-only text attributes in the page cache and drops them on any store()', () => {
    const tree = new Kernfs();
    let instances = 2;
    const counter = tree.attr('/available_instances', { mode: 0o444, show: () => `${instances}\n` });
    const config = tree.attr('/config', { mode: 0o644, size: 256, show: () => new Uint8Array(256) });
    const numvfs = tree.attr('/sriov_numvfs', { mode: 0o644, show: () => '0\n', store: () => undefined });
    const create = tree.attr('/create', {
      mode: 0o200,
      store: () => {
        instances--;
        return undefined;
      },
    });
    const fastOpen = new Uint8Array(64);
    const h = harness(tree, 60, { readerOpens: fastOpen });
    for (const name of ['available_instances', 'config', 'sriov_numvfs', 'create']) h.lookup(1, name);
    const openFlags = (ino: number, flags: number) => h.open(ino, flags).out?.body.readUInt32LE(8) ?? -1;
    const size = () => h.send(OP.GETATTR, counter.ino, Buffer.alloc(16))?.body.readBigUInt64LE(16 + 8);
    // First open: page cache, but no KEEP_CACHE (nothing current to keep).
    assert.equal(openFlags(counter.ino, O.RDONLY), FOPEN.NOFLUSH);
    assert.equal(size(), 4096n, 'never read: sysfs size');
    const { fh } = h.open(counter.ino, O.RDONLY);
    assert.equal(h.read(counter.ino, fh, 0)?.body.toString(), '2\n');
    assert.equal(openFlags(counter.ino, O.RDONLY), FOPEN.NOFLUSH | FOPEN.KEEP_CACHE);
    assert.equal(size(), 2n, 'cached: the length the kernel shrank i_size to');
    assert.equal(fastOpen[counter.ino], 1, 'the reader thread may answer its opens');
    // Writers and binary attributes bypass the page cache.
    assert.equal(openFlags(numvfs.ino, O.RDWR) & FOPEN.DIRECT_IO, FOPEN.DIRECT_IO);
    assert.equal(openFlags(config.ino, O.RDONLY) & FOPEN.DIRECT_IO, FOPEN.DIRECT_IO);
    const w = h.open(create.ino, O.WRONLY);
    assert.equal((w.out?.body.readUInt32LE(8) ?? 0) & FOPEN.DIRECT_IO, FOPEN.DIRECT_IO);
    h.notes.length = 0;
    h.log.length = 0;
    assert.equal(h.write(create.ino, w.fh, 'x'), undefined, 'reply waits for the invalidation');
    assert.deepEqual(h.log, ['notify 1']);
    const note = h.notes[0] as Buffer;
    assert.equal(note.readInt32LE(4), NOTIFY.INVAL_INODE);
    assert.equal(note.readBigUInt64LE(16), BigInt(counter.ino));
    assert.equal(fastOpen[counter.ino], 0);
    h.release();
    assert.equal(h.log[1]?.startsWith('reply'), true);
    assert.equal(size(), 4096n);
    assert.equal(openFlags(counter.ino, O.RDONLY), FOPEN.NOFLUSH);
    // A read on a handle the reader thread opened is served here, statelessly.
    assert.equal(h.read(counter.ino, FAST_FH_BASE + counter.ino, 0)?.body.toString(), '1\n');
    assert.equal(h.session.invalidateData(), 1, 'outside a request, for changes behind show()');
  });

  it('refuses directory operations in sysfs directories and unknown opcodes', () => {
    const tree = new Kernfs();
    tree.mkdir('/sys', 0o755, 'sysfs');
    const h = harness(tree);
    const sys = h.lookup(1, 'sys');
    const mkdir = Buffer.concat([Buffer.alloc(8), Buffer.from('d\0')]);
    assert.equal(h.send(OP.MKDIR, sys.nodeid, mkdir)?.error, ERRNO.EPERM);
    assert.equal(h.send(OP.UNLINK, sys.nodeid, Buffer.from('x\0'))?.error, ERRNO.EPERM);
    assert.equal(h.send(OP.GETXATTR, sys.nodeid, Buffer.alloc(8))?.error, ERRNO.ENOSYS);
    assert.equal(h.send(999, sys.nodeid)?.error, ERRNO.ENOSYS);
  });

  it('keeps READDIR offsets stable while the directory changes', () => {
    const tree = new Kernfs();
    for (const name of ['a', 'b', 'c', 'd']) tree.file(`/dir/${name}`, name);
    const h = harness(tree);
    const dir = h.lookup(1, 'dir');
    const opened = h.send(OP.OPENDIR, dir.nodeid, Buffer.alloc(8))?.body ?? Buffer.alloc(16);
    // Listings live in the kernel's cache; adds and removes invalidate the directory's inode.
    assert.equal(opened.readUInt32LE(8), FOPEN.CACHE_DIR | FOPEN.KEEP_CACHE);
    const fh = Number(opened.readBigUInt64LE(0));
    const first = decodeDirents(h.read(dir.nodeid, fh, 0, 32 * 3, OP.READDIR)?.body ?? Buffer.alloc(0));
    assert.deepEqual(
      first.map((e) => e.name),
      ['.', '..', 'a'],
    );
    tree.remove('/dir/b');
    const rest = decodeDirents(
      h.read(dir.nodeid, fh, first.at(-1)?.off ?? 0, 4096, OP.READDIR)?.body ?? Buffer.alloc(0),
    );
    assert.deepEqual(
      rest.map((e) => e.name),
      ['b', 'c', 'd'],
    );
    const again = decodeDirents(h.read(dir.nodeid, fh, 0, 4096, OP.READDIR)?.body ?? Buffer.alloc(0));
    assert.deepEqual(
      again.map((e) => e.name),
      ['.', '..', 'a', 'c', 'd'],
    );
  });

  it('holds a RENAME reply until the cached targets of links it moved are dropped', () => {
    const tree = new Kernfs();
    tree.mkdir('/etc/a/b', 0o755, 'tmpfs');
    tree.mkdir('/etc/c', 0o755, 'tmpfs');
    const link = tree.link('/etc/a/b/l', '/etc/c');
    const h = harness(tree);
    const etc = h.lookup(1, 'etc');
    const a = h.lookup(etc.nodeid, 'a');
    const c = h.lookup(etc.nodeid, 'c');
    h.lookup(h.lookup(a.nodeid, 'b').nodeid, 'l');
    assert.equal(h.send(OP.READLINK, link.ino)?.body.toString(), '../../c');
    h.log.length = 0;
    const rename = Buffer.concat([Buffer.alloc(8), Buffer.from('a\0a\0')]);
    rename.writeBigUInt64LE(BigInt(c.nodeid), 0);
    assert.equal(h.send(OP.RENAME, etc.nodeid, rename), undefined, 'reply waits for the link page');
    assert.deepEqual(h.log, ['notify 1']);
    assert.equal(h.notes[0]?.readInt32LE(4), NOTIFY.INVAL_INODE);
    assert.equal(Number(h.notes[0]?.readBigUInt64LE(16)), link.ino);
    h.release();
    // The reply, then the directories' invalidations (RENAME holds their locks).
    assert.deepEqual(h.log.slice(0, 2), ['notify 1', 'reply 8']);
    assert.equal(h.replies.get(8n)?.error, 0);
    assert.ok(h.log.length === 3 && h.log[2]?.startsWith('notify'), h.log.join());
    assert.equal(h.send(OP.READLINK, link.ino)?.body.toString(), '../..');
  });

  it('sends a held RENAME reply at the deadline when the link-page invalidation cannot land', (t) => {
    // The one notify writer may be blocked in an earlier fuse_reverse_inval_entry on a
    // directory lock this RENAME holds: only the reply can release it, so it must not wait forever.
    mock.timers.enable({ apis: ['setTimeout'] });
    t.after(() => mock.timers.reset());
    const tree = new Kernfs();
    tree.mkdir('/etc/a/b', 0o755, 'tmpfs');
    tree.mkdir('/etc/c', 0o755, 'tmpfs');
    const link = tree.link('/etc/a/b/l', '/etc/c');
    const h = harness(tree);
    const etc = h.lookup(1, 'etc');
    const a = h.lookup(etc.nodeid, 'a');
    const c = h.lookup(etc.nodeid, 'c');
    h.lookup(h.lookup(a.nodeid, 'b').nodeid, 'l');
    h.send(OP.READLINK, link.ino);
    h.log.length = 0;
    const rename = Buffer.concat([Buffer.alloc(8), Buffer.from('a\0a\0')]);
    rename.writeBigUInt64LE(BigInt(c.nodeid), 0);
    assert.equal(h.send(OP.RENAME, etc.nodeid, rename), undefined, 'reply waits for the link page');
    mock.timers.tick(DEFERRED_REPLY_DEADLINE_MS + 1);
    assert.equal(h.log.filter((line) => line.startsWith('reply')).length, 1, 'answered at the deadline');
    assert.equal(h.session.stats().deferredReplyDeadlines, 1);
    h.release();
    assert.equal(h.log.filter((line) => line.startsWith('reply')).length, 1, 'never answered twice');
  });

  it('renames in tmpfs keeping the node id, and refuses chmod', () => {
    const tree = new Kernfs();
    tree.mkdir('/etc', 0o755, 'tmpfs');
    const file = tree.file('/etc/a.tmp', '{}');
    const h = harness(tree);
    const etc = h.lookup(1, 'etc');
    h.lookup(etc.nodeid, 'a.tmp');
    const rename = Buffer.concat([Buffer.alloc(8), Buffer.from('a.tmp\0a\0')]);
    rename.writeBigUInt64LE(BigInt(etc.nodeid), 0);
    assert.equal(h.send(OP.RENAME, etc.nodeid, rename)?.error, 0);
    assert.equal(tree.find('/etc/a'), file);
    assert.equal(tree.find('/etc/a.tmp'), undefined);
    assert.equal(h.send(OP.GETATTR, file.ino, Buffer.alloc(16))?.error, 0, 'same node id still valid');
    const setattr = Buffer.alloc(SIZE.SETATTR_IN);
    setattr.writeUInt32LE(1, 0); // FATTR_MODE
    setattr.writeUInt32LE(0o600, 68);
    assert.equal(h.send(OP.SETATTR, file.ino, setattr)?.error, ERRNO.EPERM);
  });
  describe('with kernel opens', () => {
    /** vendor (0444), remove (0200), override (0644, store), config (binary 0644) and a tmpfs /etc. */
    function kernelOpensTree() {
      const tree = new Kernfs();
      let override = '(null)';
      const nodes = {
        vendor: tree.attr('/sys/dev/vendor', { mode: 0o444, show: () => '0x10de\n' }),
        remove: tree.attr('/sys/dev/remove', { mode: 0o200, store: () => undefined }),
        override: tree.attr('/sys/dev/driver_override', {
          mode: 0o644,
          show: () => `${override}\n`,
          store: (data) => {
            override = data.toString().trim();
            return undefined;
          },
        }),
        config: tree.attr('/sys/dev/config', { mode: 0o644, size: 256, show: () => new Uint8Array(256).fill(7) }),
      };
      tree.mkdir('/etc', 0o755, 'tmpfs');
      return { tree, nodes };
    }
    /** [ino, offset] of each FUSE_NOTIFY_INVAL_INODE in `notes`. */
    const invalidated = (notes: Buffer[]) =>
      notes
        .filter((n) => n.readInt32LE(4) === NOTIFY.INVAL_INODE)
        .map((n) => [Number(n.readBigUInt64LE(16)), Number(n.readBigInt64LE(24))]);

    it('answers OPEN and FLUSH with ENOSYS and checks kernfs open rules on every read and write', () => {
      const { tree, nodes } = kernelOpensTree();
      const h = harness(tree, 60, { kernelOpens: true });
      const dev = h.lookup(h.lookup(1, 'sys').nodeid, 'dev');
      for (const name of ['vendor', 'remove', 'driver_override', 'config']) h.lookup(dev.nodeid, name);
      // Until one OPEN passes kernfs' checks, refused ones still fail at open(2).
      assert.equal(h.open(nodes.vendor.ino, O.WRONLY).error, ERRNO.EACCES);
      assert.equal(h.open(nodes.vendor.ino, O.RDONLY).error, ERRNO.ENOSYS, 'the kernel stops sending OPEN');
      assert.equal(h.send(OP.FLUSH, nodes.vendor.ino, Buffer.alloc(24))?.error, ERRNO.ENOSYS);
      assert.equal(h.read(nodes.vendor.ino, 0, 0)?.body.toString(), '0x10de\n');
      const size = (ino: number) => h.send(OP.GETATTR, ino, Buffer.alloc(16))?.body.readBigUInt64LE(16 + 8);
      assert.equal(size(nodes.vendor.ino), 7n, 'cached like a read-only open');
      // kernfs_fop_open's EACCES, for root too, one call later.
      assert.equal(h.write(nodes.vendor.ino, 0, '1')?.error, ERRNO.EACCES);
      assert.equal(h.read(nodes.remove.ino, 0, 0)?.error, ERRNO.EACCES);
      assert.equal(h.send(OP.READ, 1, Buffer.alloc(SIZE.READ_IN))?.error, ERRNO.EISDIR);
      assert.equal(h.session.stats().kernelOpens, 1);
      assert.equal(h.session.stats().openHandles, 0);
    });

    it("drops the written attribute's attributes only, and other cached pages before the reply", () => {
      const { tree, nodes } = kernelOpensTree();
      const h = harness(tree, 60, { kernelOpens: true });
      const dev = h.lookup(h.lookup(1, 'sys').nodeid, 'dev');
      for (const name of ['vendor', 'driver_override']) h.lookup(dev.nodeid, name);
      h.read(nodes.vendor.ino, 0, 0);
      assert.equal(h.read(nodes.override.ino, 0, 0)?.body.toString(), '(null)\n');
      h.notes.length = 0;
      h.log.length = 0;
      // The writer may hold the page of driver_override locked (it was not up to date), so an
      // invalidation of its pages could not finish before the reply: offset -1, attributes only.
      assert.equal(h.write(nodes.override.ino, 0, 'vfio-pci'), undefined, 'the reply waits');
      assert.deepEqual(
        invalidated(h.notes).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)),
        [
          [nodes.vendor.ino, 0],
          [nodes.override.ino, -1],
        ].sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)),
      );
      h.release();
      assert.deepEqual(h.log, ['notify 2', `reply ${h.log[1]?.slice(6)}`]);
      assert.equal(h.read(nodes.override.ino, 0, 0)?.body.toString(), 'vfio-pci\n');
    });

    it("drops a binary attribute's pages right after each read reply", () => {
      const { tree, nodes } = kernelOpensTree();
      const h = harness(tree, 60, { kernelOpens: true });
      const dev = h.lookup(h.lookup(1, 'sys').nodeid, 'dev');
      h.lookup(dev.nodeid, 'config');
      h.log.length = 0;
      assert.equal(h.read(nodes.config.ino, 0, 0)?.body.length, 256);
      assert.equal(h.log[0]?.startsWith('reply'), true);
      assert.equal(h.log[1], 'notify 1');
      assert.deepEqual(invalidated(h.notes), [[nodes.config.ino, 0]]);
    });

    it('opens created files without a handle', () => {
      const { tree } = kernelOpensTree();
      const h = harness(tree, 60, { kernelOpens: true });
      const etc = h.lookup(1, 'etc');
      const body = Buffer.concat([Buffer.alloc(SIZE.CREATE_IN), Buffer.from('motd\0')]);
      body.writeUInt32LE(O.WRONLY | O.CREAT, 0);
      body.writeUInt32LE(0o644, 4);
      const out = h.send(OP.CREATE, etc.nodeid, body);
      assert.equal(out?.error, 0);
      const fh = out?.body.readBigUInt64LE(SIZE.ENTRY_OUT);
      assert.equal(fh, 0n);
      const motd = tree.find('/etc/motd');
      assert.ok(motd !== undefined);
      assert.equal(h.write(motd.ino, 0, 'hi\n')?.error, 0);
      assert.equal(h.read(motd.ino, 0, 0)?.body.toString(), 'hi\n');
      assert.equal(h.session.stats().openHandles, 0);
    });

    it('lists kernel-opened directories by stable cookies: no child skipped or repeated across changes', () => {
      const tree = new Kernfs();
      for (const name of ['a', 'b', 'c', 'd']) tree.attr(`/sys/devs/${name}`, { mode: 0o444, show: () => '' });
      const h = harness(tree, 60, { kernelOpens: true });
      const devs = h.lookup(h.lookup(1, 'sys').nodeid, 'devs');
      assert.equal(h.send(OP.OPENDIR, devs.nodeid, Buffer.alloc(8))?.error, ERRNO.ENOSYS);
      const list = (offset: number, size: number) =>
        decodeDirents(h.read(devs.nodeid, 0, offset, size, OP.READDIR)?.body ?? Buffer.alloc(0));
      const all = list(0, 4096);
      assert.deepEqual(
        all.map((e) => e.name),
        ['.', '..', 'a', 'b', 'c', 'd'],
      );
      // Read ".", "..", "a" and "b" (32 bytes each), then change the directory and go on.
      const first = list(0, 128);
      assert.deepEqual(
        first.map((e) => e.name),
        ['.', '..', 'a', 'b'],
      );
      tree.remove('/sys/devs/a');
      tree.attr('/sys/devs/e', { mode: 0o444, show: () => '' });
      const rest = list(first.at(-1)?.off ?? 0, 4096);
      assert.deepEqual(
        rest.map((e) => e.name),
        ['c', 'd', 'e'],
      );
    });

    it('falls back to server opens when the kernel does not offer FUSE_NO_OPEN_SUPPORT', () => {
      const { tree, nodes } = kernelOpensTree();
      const h = harness(tree, 60, { kernelOpens: true, initFlags: 0xffffffff & ~INIT_FLAG.NO_OPEN_SUPPORT });
      const dev = h.lookup(h.lookup(1, 'sys').nodeid, 'dev');
      h.lookup(dev.nodeid, 'vendor');
      const open = h.open(nodes.vendor.ino, O.RDONLY);
      assert.equal(open.error, 0);
      assert.ok(open.fh >= 1);
      assert.equal(h.session.stats().kernelOpens, 0);
      assert.equal(h.session.stats().kernelOpensUnsupported, 1);
    });

    it("sends a store's reply at the deadline when its invalidations cannot land, once", (t) => {
      mock.timers.enable({ apis: ['setTimeout'] });
      t.after(() => mock.timers.reset());
      const { tree, nodes } = kernelOpensTree();
      const h = harness(tree, 60, { kernelOpens: true });
      const dev = h.lookup(h.lookup(1, 'sys').nodeid, 'dev');
      for (const name of ['vendor', 'driver_override']) h.lookup(dev.nodeid, name);
      h.read(nodes.vendor.ino, 0, 0);
      h.log.length = 0;
      assert.equal(h.write(nodes.override.ino, 0, 'x'), undefined);
      mock.timers.tick(DEFERRED_REPLY_DEADLINE_MS); // + 1 ms for its one invalidation
      assert.deepEqual(h.log, ['notify 1']);
      mock.timers.tick(1);
      assert.equal(h.log.length, 2);
      assert.equal(h.session.stats().deferredReplyDeadlines, 1);
      h.release();
      assert.equal(h.log.filter((line) => line.startsWith('reply')).length, 1, 'never answered twice');
    });
  });
});

describe('malformed requests from the kernel side', () => {
  it('a garbled request gets one error reply (or none when shorter than a header), and the session serves on', () => {
    const tree = new Kernfs();
    tree.mkdir('/sys/dev', 0o755, 'sysfs');
    tree.attr('/sys/dev/vendor', { mode: 0o444, show: () => '0x10de\n' });
    const h = harness(tree);
    const opcodes = Object.values(OP).filter((op) => op !== OP.INIT && op !== OP.DESTROY);
    let unique = 1_000_000n;
    checkProperty(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 39 }).map((bytes) => ({ raw: Buffer.from(bytes) })),
          fc.record({
            opcode: fc.oneof(fc.constantFrom(...opcodes), fc.integer({ min: 0, max: 2 ** 32 - 1 })),
            nodeid: fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 0, max: 2 ** 40 })),
            body: fc.uint8Array({ maxLength: 300 }),
            len: fc.option(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { nil: undefined }),
          }),
        ),
        (request) => {
          if ('raw' in request) {
            assert.throws(() => h.session.handle(request.raw), RangeError, 'shorter than a header: nothing to answer');
            return;
          }
          const id = unique++;
          const buf = encodeRequest(request.opcode, id, request.nodeid, Buffer.from(request.body), {
            uid: 0,
            gid: 0,
            pid: 1,
          });
          if (request.len !== undefined) buf.writeUInt32LE(request.len, 0);
          h.session.handle(buf);
          const silent = [OP.FORGET, OP.BATCH_FORGET, OP.INTERRUPT, OP.NOTIFY_REPLY].includes(request.opcode as never);
          if (!silent && h.replies.get(id) === undefined) h.release();
          assert.equal(h.replies.has(id) || silent, true, `opcode ${request.opcode} was answered`);
          assert.equal(h.lookup(h.lookup(1, 'sys').nodeid, 'dev').error, 0, 'the session still serves');
        },
      ),
    );
  });
});
