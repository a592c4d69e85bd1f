/** Test helper: a HostPort that counts the calls made through it, per operation, and forwards them. */
import type { HostPort } from './host-port.ts';

/** Calls per operation (`read`, `list`, …) and in all. */
export interface CallCounts {
  total: number;
  byOp: Record<string, number>;
  /** Every path read, listed or linked, in call order (to see what a command reads). */
  paths: string[];
}

/** Wraps `host`; `counts` grows with every call, `reset()` starts again. */
export function countingHost(host: HostPort): { host: HostPort; counts: CallCounts; reset(): void } {
  const counts: CallCounts = { total: 0, byOp: {}, paths: [] };
  const wrapped = new Proxy(host, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        counts.total++;
        counts.byOp[key] = (counts.byOp[key] ?? 0) + 1;
        if (typeof args[0] === 'string') counts.paths.push(`${key} ${args[0]}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    host: wrapped,
    counts,
    reset() {
      counts.total = 0;
      counts.byOp = {};
      counts.paths = [];
    },
  };
}
