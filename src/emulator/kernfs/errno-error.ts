import type { Errno } from '../../host/errno.ts';
import { STRERROR } from '../../host/errno.ts';

/** A negative return from a kernel `store()`/`show()` or a VFS step, carried as an exception. */
export class KernelErrno extends Error {
  override readonly name = 'KernelErrno';
  readonly errno: Errno;
  constructor(errno: Errno, reason?: string) {
    // Without a stack trace: this is a return value carried as an exception (a missing
    // attribute is a common answer), capturing a trace costs more than the failed lookup, and
    // the HostError the host port makes of it has the caller's stack.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(reason === undefined ? STRERROR[errno] : `${STRERROR[errno]}: ${reason}`);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.errno = errno;
  }
}

/** Fails the current kernel operation with `errno`; `reason` is for debugging only. */
export function fail(errno: Errno, reason?: string): never {
  throw new KernelErrno(errno, reason);
}
