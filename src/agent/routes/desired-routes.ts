/** The desired state's reconcile: its last outcome, and a reconcile on request. */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { VgpuctlError } from '../../core/errors.ts';
import type { AgentServices } from '../services.ts';
import { json, READ_ERRORS, WRITE_ERRORS } from './errors.ts';

const Status = z
  .object({ state: z.enum(['idle', 'invalid', 'applied']) })
  .loose()
  .openapi('ReconcileStatus');

export function desiredRoutes(app: OpenAPIHono, services: AgentServices): void {
  const reconciler = () => {
    if (services.reconciler === undefined) {
      throw new VgpuctlError('UNSUPPORTED', 'Cannot reconcile: this agent runs without a desired state', {
        hint: 'Start it with a desired state (/etc/vgpuctl/host.toml or vgpuctl serve --desired FILE)',
      });
    }
    return services.reconciler;
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/desired',
      tags: ['desired state'],
      responses: {
        200: json(Status, 'The last reconcile: per item, what changed, waits or was left alone'),
        ...READ_ERRORS,
      },
    }),
    (c) => c.json(reconciler().status, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/desired/apply',
      tags: ['desired state'],
      request: {
        body: {
          content: { 'application/json': { schema: z.strictObject({ dryRun: z.boolean().optional() }) } },
          required: true,
        },
      },
      responses: { 200: json(Status, 'The reconcile just run (or planned)'), ...WRITE_ERRORS },
    }),
    async (c) => c.json(await reconciler().runNow(c.req.valid('json').dryRun === true), 200),
  );
}
