import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_WRITE, NOTIFY, OP, READ_BUFFER_SIZE, SIZE } from './abi.ts';
import {
  decodeBatchForget,
  decodeCreate,
  decodeDirents,
  decodeNames,
  decodeOutHeader,
  decodeRename,
  decodeRequest,
  decodeSetattr,
  decodeWrite,
  direntSize,
  encodeAttrOut,
  encodeDirents,
  encodeEntryOut,
  encodeInitOut,
  encodeNotifyInvalEntry,
  encodeNotifyInvalInode,
  encodeOpenOut,
  encodeReply,
  encodeRequest,
  encodeStatfsOut,
} from './protocol.ts';

const ATTR = {
  ino: 42,
  size: 4096,
  blocks: 0,
  mtimeMs: 1_700_000_000_123,
  mode: 0o100444,
  nlink: 1,
  uid: 7,
  gid: 8,
  rdev: 0,
  blksize: 4096,
};

describe('FUSE protocol codec', () => {
  it('encodes structs with the sizes of include/uapi/linux/fuse.h', () => {
    assert.equal(encodeEntryOut(1, ATTR, 1, 1).length, 128);
    assert.equal(encodeAttrOut(ATTR, 1).length, 104);
    assert.equal(encodeOpenOut(1, 0).length, 16);
    assert.equal(encodeStatfsOut(0).length, 80);
    assert.equal(
      encodeInitOut({
        maxReadahead: 0,
        flags: 0,
        maxBackground: 1,
        congestionThreshold: 1,
        maxWrite: MAX_WRITE,
        maxPages: 32,
      }).length,
      64,
    );
    // The kernel refuses reads into buffers smaller than in_header + write_in + max_write.
    assert.ok(READ_BUFFER_SIZE >= Math.max(8192, 80 + MAX_WRITE));
  });

  it('lays out fuse_attr inside fuse_entry_out', () => {
    const out = encodeEntryOut(42, ATTR, 60, 1.5);
    assert.equal(out.readBigUInt64LE(0), 42n); // nodeid
    assert.equal(out.readBigUInt64LE(16), 60n); // entry_valid
    assert.equal(out.readBigUInt64LE(24), 1n); // attr_valid
    assert.equal(out.readUInt32LE(36), 500_000_000); // attr_valid_nsec
    assert.equal(out.readBigUInt64LE(40), 42n); // attr.ino
    assert.equal(out.readBigUInt64LE(48), 4096n); // attr.size
    assert.equal(out.readBigUInt64LE(72), 1_700_000_000n); // attr.mtime
    assert.equal(out.readUInt32LE(92), 123_000_000); // attr.mtimensec
    assert.equal(out.readUInt32LE(100), 0o100444); // attr.mode
    assert.equal(out.readUInt32LE(108), 7); // attr.uid
    assert.equal(out.readUInt32LE(120), 4096); // attr.blksize
    const negative = encodeEntryOut(0, undefined, 60, 0);
    assert.equal(negative.readBigUInt64LE(0), 0n);
    assert.equal(negative.readBigUInt64LE(16), 60n);
  });

  it('round-trips a request header and NUL-separated names', () => {
    const body = Buffer.from('old\0new\0');
    const req = decodeRequest(encodeRequest(OP.LOOKUP, 99n, 5, body, { uid: 1000, gid: 100, pid: 4242 }));
    assert.deepEqual(req.header, {
      len: 48,
      opcode: OP.LOOKUP,
      unique: 99n,
      nodeid: 5,
      uid: 1000,
      gid: 100,
      pid: 4242,
    });
    assert.deepEqual(decodeNames(req.body, 2), ['old', 'new']);
  });

  it('decodes setattr, write, create, rename2 and batch_forget bodies at their offsets', () => {
    const setattr = Buffer.alloc(SIZE.SETATTR_IN);
    setattr.writeUInt32LE(0b1001, 0);
    setattr.writeBigUInt64LE(12n, 16);
    setattr.writeUInt32LE(0o644, 68);
    setattr.writeUInt32LE(5, 76);
    setattr.writeUInt32LE(6, 80);
    assert.deepEqual(decodeSetattr(setattr), { valid: 0b1001, fh: 0, size: 12, mode: 0o644, uid: 5, gid: 6 });

    const write = Buffer.alloc(SIZE.WRITE_IN + 4);
    write.writeBigUInt64LE(3n, 0);
    write.writeBigUInt64LE(10n, 8);
    write.writeUInt32LE(3, 16);
    write.write('abcd', SIZE.WRITE_IN);
    const w = decodeWrite(write);
    assert.equal(w.fh, 3);
    assert.equal(w.offset, 10);
    assert.equal(w.data.toString(), 'abc');

    const create = Buffer.concat([Buffer.alloc(SIZE.CREATE_IN), Buffer.from('f\0')]);
    create.writeUInt32LE(0o1101, 0);
    create.writeUInt32LE(0o666, 4);
    create.writeUInt32LE(0o022, 8);
    assert.deepEqual(decodeCreate(create), { flags: 0o1101, mode: 0o666, umask: 0o022, name: 'f' });

    const rename = Buffer.concat([Buffer.alloc(SIZE.RENAME2_IN), Buffer.from('a\0b\0')]);
    rename.writeBigUInt64LE(9n, 0);
    rename.writeUInt32LE(1, 8);
    assert.deepEqual(decodeRename(rename, true), { newDir: 9, flags: 1, from: 'a', to: 'b' });

    const forget = Buffer.alloc(8 + 2 * 16);
    forget.writeUInt32LE(2, 0);
    forget.writeBigUInt64LE(5n, 8);
    forget.writeBigUInt64LE(1n, 16);
    forget.writeBigUInt64LE(6n, 24);
    forget.writeBigUInt64LE(3n, 32);
    assert.deepEqual(decodeBatchForget(forget), [
      { nodeid: 5, nlookup: 1 },
      { nodeid: 6, nlookup: 3 },
    ]);
  });

  it('pads dirents to 8 bytes, gives each the offset of the next, and stops at the size limit', () => {
    assert.equal(direntSize('a'), 32);
    assert.equal(direntSize('12345678'), 32);
    assert.equal(direntSize('123456789'), 40);
    const entries = [
      { ino: 1, name: '.', type: 4 },
      { ino: 1, name: '..', type: 4 },
      { ino: 7, name: 'vendor', type: 8 },
    ];
    const all = decodeDirents(encodeDirents(entries, 0, 4096));
    assert.deepEqual(
      all.map((e) => [e.name, e.off, e.ino, e.type]),
      [
        ['.', 1, 1, 4],
        ['..', 2, 1, 4],
        ['vendor', 3, 7, 8],
      ],
    );
    const firstTwo = encodeDirents(entries, 0, 64 + 31);
    assert.equal(decodeDirents(firstTwo).length, 2);
    const resumed = decodeDirents(encodeDirents(entries, 2, 4096));
    assert.deepEqual(
      resumed.map((e) => e.name),
      ['vendor'],
    );
    assert.equal(encodeDirents(entries, 3, 4096).length, 0);
  });

  it('encodes replies with a negative errno and no body, and notifications with unique 0', () => {
    const ok = encodeReply(5n, 0, Buffer.from('xy'));
    assert.deepEqual(decodeOutHeader(ok), { len: 18, error: 0, unique: 5n });
    const err = encodeReply(6n, 22, Buffer.from('ignored'));
    assert.deepEqual(decodeOutHeader(err), { len: 16, error: -22, unique: 6n });

    const entry = encodeNotifyInvalEntry(3, 'abc');
    assert.deepEqual(decodeOutHeader(entry), { len: 16 + 16 + 4, error: NOTIFY.INVAL_ENTRY, unique: 0n });
    assert.equal(entry.readBigUInt64LE(16), 3n);
    assert.equal(entry.readUInt32LE(24), 3);
    assert.equal(entry.toString('utf8', 32), 'abc\0');

    const inode = encodeNotifyInvalInode(9);
    assert.deepEqual(decodeOutHeader(inode), { len: 40, error: NOTIFY.INVAL_INODE, unique: 0n });
    assert.equal(inode.readBigUInt64LE(16), 9n);
  });
});
