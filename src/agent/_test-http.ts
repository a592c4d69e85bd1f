/** Test helpers: HTTP over a unix socket or TCP, and a small SSE reader. */
import { request } from 'node:http';

export interface HttpTarget {
  socketPath?: string;
  url?: string;
}

/** One request; resolves to the status, headers and body text. */
export function http(
  target: HttpTarget,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, target.url ?? 'http://agent');
    const req = request(
      {
        ...(target.socketPath === undefined
          ? { host: url.hostname, port: url.port }
          : { socketPath: target.socketPath }),
        path: url.pathname + url.search,
        method: init.method ?? 'GET',
        headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/** Subscribes to an SSE stream; `next(predicate)` waits for a matching event. */
export function subscribe(target: HttpTarget, path: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const waiters: { match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  let buffer = '';
  let close: () => void = () => {};
  const opened = new Promise<number>((resolve, reject) => {
    const url = new URL(path, target.url ?? 'http://agent');
    const req = request(
      {
        ...(target.socketPath === undefined
          ? { host: url.hostname, port: url.port }
          : { socketPath: target.socketPath }),
        path: url.pathname,
        headers: { accept: 'text/event-stream', ...headers },
      },
      (res) => {
        resolve(res.statusCode ?? 0);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event: SseEvent = { event: 'message', id: undefined, data: '' };
            let any = false;
            for (const line of block.split('\n')) {
              const at = line.indexOf(':');
              if (at === 0) continue;
              any = true;
              const field = line.slice(0, at);
              const value = line.slice(at + 1).replace(/^ /, '');
              if (field === 'event') event.event = value;
              else if (field === 'id') event.id = value;
              else if (field === 'data') event.data += value;
            }
            if (!any) continue;
            events.push(event);
            for (const waiter of [...waiters]) {
              if (waiter.match(event)) {
                waiters.splice(waiters.indexOf(waiter), 1);
                waiter.resolve(event);
              }
            }
          }
        });
      },
    );
    req.on('error', reject);
    req.end();
    close = () => req.destroy();
  });
  return {
    opened,
    events,
    close: () => close(),
    next(match: (e: SseEvent) => boolean): Promise<SseEvent> {
      const seen = events.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}
