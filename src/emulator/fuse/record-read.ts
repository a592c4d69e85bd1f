/**
 * READ of a record device (/dev/kmsg) opened through the server: one whole record per read(2),
 * EINVAL when the caller's buffer cannot hold it, and at the end EAGAIN for a non-blocking open
 * (kernel/printk/printk.c devkmsg_read). A blocking reader gets end of file instead of waiting
 * for new records, so `cat /dev/kmsg` ends; dmesg opens non-blocking.
 */
import { KernelErrno } from '../kernfs/errno-error.ts';
import type { RecordReader } from '../kernfs/nodes.ts';

/** O_NONBLOCK (include/uapi/asm-generic/fcntl.h). */
const O_NONBLOCK = 0o4000;

/** `struct fuse_read_in`: fh, offset, size, read_flags, lock_owner, then the file's flags at 32. */
function openFlags(body: Buffer): number {
  return body.length >= 36 ? body.readUInt32LE(32) : 0;
}

/** The next record for a READ request body, or throws the errno devkmsg_read returns. */
export function readRecord(reader: RecordReader, body: Buffer): Buffer {
  const size = body.readUInt32LE(16);
  const record = reader.peek();
  if (record === undefined) {
    if ((openFlags(body) & O_NONBLOCK) !== 0) throw new KernelErrno('EAGAIN');
    return Buffer.alloc(0);
  }
  // The record stays unread, as devkmsg_read leaves it for a larger buffer.
  if (record.length > size) throw new KernelErrno('EINVAL', 'buffer too small for the record');
  reader.advance();
  return record;
}
