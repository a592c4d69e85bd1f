import type { Errno } from '../../host/errno.ts';
import { STRERROR } from '../../host/errno.ts';

/** A negative return from a kernel `store()`/`show()` or a VFS step, carried as an exception. */
export class KernelErrno extends Error {
  override readonly name = 'KernelErrno';
  readonly errno: Errno;
  constructor(errno: Errno, reason?: string) {
    super(reason === undefined ? STRERROR[errno] : `${STRERROR[errno]}: ${reason}`);
    this.errno = errno;
  }
}

/** Fails the current kernel operation with `errno`; `reason` is for debugging only. */
export function fail(errno: Errno, reason?: string): never {
  throw new KernelErrno(errno, reason);
}
