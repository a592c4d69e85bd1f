/**
 * `GET /v1/events`: the model's events as Server-Sent Events. The SSE `id` is the event's
 * number; a client reconnecting with `Last-Event-ID` gets what it missed from the bounded
 * history, or a `resync` event when the history no longer holds it (re-read the host then).
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { NumberedEvent } from '../../model/events.ts';
import { NumberedEvent as NumberedEventSchema } from '../api-schemas.ts';
import type { AgentServices } from '../services.ts';
import { READ_ERRORS } from './errors.ts';

/** Comment lines keep proxies and idle timeouts from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

export function eventsRoute(app: OpenAPIHono, services: AgentServices, closing: AbortSignal): void {
  const { model } = services;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/events',
      tags: ['events'],
      description:
        'Server-Sent Events: `event` is the type (gpu.hidden, gpu.shown, vgpu.created, vgpu.removed, vgpu.defined, vgpu.undefined, driver.changed, vfs.changed, type.availability, or resync), `id` its number, `data` the JSON of the event.',
      request: {
        headers: z.object({
          'last-event-id': z
            .string()
            .regex(/^\d{1,15}$/)
            .optional()
            .openapi({ param: { name: 'last-event-id', in: 'header' } }),
        }),
      },
      responses: {
        200: {
          description: 'The event stream',
          content: { 'text/event-stream': { schema: NumberedEventSchema } },
        },
        ...READ_ERRORS,
      },
    }),
    (c) => {
      const lastEventId = c.req.valid('header')['last-event-id'];
      return streamSSE(c, async (stream) => {
        const queue: NumberedEvent[] = [];
        let wake: (() => void) | undefined;
        const unsubscribe = model.subscribe((event) => {
          queue.push(event);
          wake?.();
        });
        const stop = () => wake?.();
        closing.addEventListener('abort', stop);
        stream.onAbort(stop);
        try {
          if (lastEventId !== undefined) {
            const { events, complete } = model.history.since(Number(lastEventId));
            if (!complete) {
              await stream.writeSSE({
                event: 'resync',
                id: String(model.history.lastId),
                data: JSON.stringify({ lastEventId: model.history.lastId }),
              });
            }
            // Events published while we read the history are in both: keep the queue's copy.
            const first = queue[0]?.id ?? Number.POSITIVE_INFINITY;
            queue.unshift(...events.filter((e) => e.id < first));
          } else {
            await stream.writeSSE({ event: 'hello', data: JSON.stringify({ lastEventId: model.history.lastId }) });
          }
          while (!stream.aborted && !closing.aborted) {
            const next = queue.shift();
            if (next !== undefined) {
              await stream.writeSSE({ event: next.event.type, id: String(next.id), data: JSON.stringify(next) });
              continue;
            }
            await new Promise<void>((resolve) => {
              wake = resolve;
              const timer = setTimeout(resolve, KEEPALIVE_MS);
              timer.unref();
            });
            wake = undefined;
            if (queue.length === 0 && !stream.aborted && !closing.aborted) await stream.write(': keepalive\n\n');
          }
        } finally {
          unsubscribe();
          closing.removeEventListener('abort', stop);
        }
      });
    },
  );
}
