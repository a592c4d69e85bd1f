/** The mutations: each returns the plan it executed (or, with dryRun, would execute). */
import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import { parsePciAddress } from '../../core/pci-address.ts';
import {
  AddressParam,
  BindBody,
  CreateVgpusBody,
  DefineVgpusBody,
  DryRunQuery,
  IdParam,
  OperationResult,
  SriovBody,
  StartVgpuBody,
  UnbindBody,
} from '../api-schemas.ts';
import type { Principal } from '../auth.ts';
import type { OperationResult as Result } from '../operations.ts';
import type { AgentServices } from '../services.ts';
import { json, WRITE_ERRORS } from './errors.ts';

const body = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const done = { 200: json(OperationResult, 'The plan, executed (or only planned with dryRun)'), ...WRITE_ERRORS };

type Env = { Variables: { principal: Principal } };

export function mutationRoutes(app: OpenAPIHono<Env>, services: AgentServices): void {
  const ops = services.operations;

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/vgpus',
      tags: ['vgpus'],
      request: body(CreateVgpusBody),
      responses: done,
    }),
    async (c) => c.json(out(await ops.createVgpus(c.get('principal').who, stripUndefined(c.req.valid('json')))), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/vgpus/{id}',
      tags: ['vgpus'],
      description: 'Removes a running vGPU (its definition stays).',
      request: { params: IdParam, query: DryRunQuery },
      responses: done,
    }),
    async (c) =>
      c.json(
        out(
          await ops.removeVgpu(
            c.get('principal').who,
            c.req.valid('param').id,
            'remove',
            c.req.valid('query').dryRun === 'true',
          ),
        ),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/vgpus/{id}/start',
      tags: ['vgpus'],
      request: { params: IdParam, ...body(StartVgpuBody) },
      responses: done,
    }),
    async (c) =>
      c.json(
        out(await ops.startVgpu(c.get('principal').who, c.req.valid('param').id, stripUndefined(c.req.valid('json')))),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/vgpus/{id}/stop',
      tags: ['vgpus'],
      request: { params: IdParam, query: DryRunQuery },
      responses: done,
    }),
    async (c) =>
      c.json(
        out(
          await ops.removeVgpu(
            c.get('principal').who,
            c.req.valid('param').id,
            'stop',
            c.req.valid('query').dryRun === 'true',
          ),
        ),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/definitions',
      tags: ['vgpus'],
      request: body(DefineVgpusBody),
      responses: done,
    }),
    async (c) => c.json(out(await ops.defineVgpus(c.get('principal').who, stripUndefined(c.req.valid('json')))), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/definitions/{id}',
      tags: ['vgpus'],
      request: { params: IdParam, query: DryRunQuery.extend(AddressQuery) },
      responses: done,
    }),
    async (c) => {
      const query = c.req.valid('query');
      return c.json(
        out(
          await ops.undefineVgpu(c.get('principal').who, c.req.valid('param').id, query.gpu, query.dryRun === 'true'),
        ),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/gpus/{address}/bind',
      tags: ['passthrough'],
      request: { params: AddressParam, ...body(BindBody) },
      responses: done,
    }),
    async (c) =>
      c.json(
        out(
          await ops.bind(
            c.get('principal').who,
            parsePciAddress(c.req.valid('param').address),
            stripUndefined(c.req.valid('json')),
          ),
        ),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/gpus/{address}/unbind',
      tags: ['passthrough'],
      request: { params: AddressParam, ...body(UnbindBody) },
      responses: done,
    }),
    async (c) =>
      c.json(
        out(
          await ops.unbind(
            c.get('principal').who,
            parsePciAddress(c.req.valid('param').address),
            c.req.valid('json').dryRun === true,
          ),
        ),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/gpus/{address}/sriov',
      tags: ['sriov'],
      request: { params: AddressParam, ...body(SriovBody) },
      responses: done,
    }),
    async (c) =>
      c.json(
        out(
          await ops.sriov(
            c.get('principal').who,
            parsePciAddress(c.req.valid('param').address),
            stripUndefined(c.req.valid('json')),
          ),
        ),
        200,
      ),
  );
}

const AddressQuery = {
  gpu: AddressParam.shape.address.optional().openapi({ param: { name: 'gpu', in: 'query' } }),
};

/** Drops keys whose value is undefined (exactOptionalPropertyTypes). */
function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/** The operation's result, typed as the response schema (a Plan's steps are JSON). */
function out(result: Result): z.infer<typeof OperationResult> {
  return result;
}
