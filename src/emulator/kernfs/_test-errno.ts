import { KernelErrno } from './errno-error.ts';

/** Test helper: the errno `fn` fails with, or undefined when it succeeds. Other errors propagate. */
export function errnoOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof KernelErrno) return error.errno;
    throw error;
  }
  return undefined;
}
