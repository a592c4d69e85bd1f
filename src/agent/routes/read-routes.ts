/** The read-only routes: the host as the live model holds it, and reads that need a fresh look. */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { selectCommand } from '../../cli/commands/select.ts';
import { VgpuctlError } from '../../core/errors.ts';
import { clip, parsePciAddress } from '../../core/pci-address.ts';
import { discover } from '../../discovery/discover.ts';
import { readDoctorFacts, runDoctor } from '../../ops/doctor/run-doctor.ts';
import { listGroups } from '../../ops/passthrough/inventory-groups.ts';
import {
  AddressParam,
  Binding,
  DoctorReport,
  Gpu,
  Health,
  HostFacts,
  Inventory,
  IommuGroupInfo,
  SelectBody,
  Sriov,
  Vgpu,
  VgpuType,
} from '../api-schemas.ts';
import type { AgentServices } from '../services.ts';
import { json, READ_ERRORS, WRITE_ERRORS } from './errors.ts';

const GpuFilter = z.object({
  gpu: z
    .string()
    .max(128)
    .optional()
    .openapi({ param: { name: 'gpu', in: 'query' } }),
});

export function readRoutes(app: OpenAPIHono, services: AgentServices): void {
  const { model } = services;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/health',
      tags: ['agent'],
      responses: { 200: json(Health, 'The agent and its live model'), ...READ_ERRORS },
    }),
    (c) =>
      c.json(
        {
          status: model.health.lastError === null ? ('ok' as const) : ('degraded' as const),
          host: model.state.inventory.host.source,
          refreshes: model.health.refreshes,
          failures: model.health.failures,
          lastError: model.health.lastError,
          lastEventId: model.history.lastId,
          uptimeSeconds: (Date.now() - services.startedAt) / 1000,
        },
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/host',
      tags: ['host'],
      responses: { 200: json(HostFacts, 'Kernel, IOMMU, VFIO, mdev and KVM facts'), ...READ_ERRORS },
    }),
    (c) => c.json(model.state.inventory.host, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/inventory',
      tags: ['host'],
      description:
        'The host as `vgpuctl list --json` prints it (schemaVersion 1), from the live model: what `vgpuctl plan --fleet` reads from an agent. The model does not walk every IOMMU group (GET /v1/iommu-groups does) and reads only the UUID and type of each mdev instance.',
      responses: { 200: json(Inventory, 'The inventory of the host'), ...READ_ERRORS },
    }),
    (c) => c.json(model.state.inventory, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/gpus',
      tags: ['gpus'],
      responses: { 200: json(z.array(Gpu), 'Every GPU, as `vgpuctl list --json` shows it'), ...READ_ERRORS },
    }),
    (c) => c.json(model.state.inventory.gpus, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/gpus/{address}',
      tags: ['gpus'],
      request: { params: AddressParam },
      responses: { 200: json(Gpu, 'One GPU'), ...READ_ERRORS },
    }),
    (c) => {
      const address = parsePciAddress(c.req.valid('param').address);
      const gpu = model.state.inventory.gpus.find((g) => g.address === address);
      if (gpu === undefined) {
        throw new VgpuctlError('DEVICE_NOT_FOUND', `Cannot show GPU "${clip(address)}": no GPU has this address`, {
          hint: 'GET /v1/gpus lists the GPUs',
        });
      }
      return c.json(gpu, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/iommu-groups',
      tags: ['passthrough'],
      responses: { 200: json(z.array(IommuGroupInfo), 'Every IOMMU group with all its devices'), ...READ_ERRORS },
    }),
    async (c) => {
      // The model does not walk every group (vGPU work never needs it): read them now.
      const inventory = await discover(services.host, { pciIds: services.pciIds, deviceUsers: false });
      return c.json(listGroups(inventory), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/types',
      tags: ['vgpus'],
      request: {
        query: GpuFilter.extend({
          available: z
            .enum(['true', 'false'])
            .optional()
            .openapi({ param: { name: 'available', in: 'query' } }),
        }),
      },
      responses: { 200: json(z.array(VgpuType), 'vGPU types with their free instances'), ...READ_ERRORS },
    }),
    (c) => {
      const { gpu, available } = c.req.valid('query');
      const types = model.state.types.filter(
        (t) => (gpu === undefined || t.gpu === gpu) && (available !== 'true' || (t.availableInstances ?? 0) > 0),
      );
      return c.json(types, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/vgpus',
      tags: ['vgpus'],
      request: { query: GpuFilter },
      responses: { 200: json(z.array(Vgpu), 'Running and defined vGPUs'), ...READ_ERRORS },
    }),
    (c) => {
      const { gpu } = c.req.valid('query');
      return c.json(
        model.state.vgpus.filter((v) => gpu === undefined || v.gpu === gpu),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/bindings',
      tags: ['passthrough'],
      responses: { 200: json(z.array(Binding), 'The driver of every GPU and whether VFIO holds it'), ...READ_ERRORS },
    }),
    (c) =>
      c.json(
        model.state.inventory.gpus.map((g) => ({
          address: g.address,
          name: g.name,
          driver: g.driver,
          driverOverride: g.driverOverride,
          iommuGroup: g.iommuGroup?.id ?? null,
          vfio: g.driver?.includes('vfio') ?? false,
        })),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sriov',
      tags: ['sriov'],
      responses: { 200: json(z.array(Sriov), 'SR-IOV state of every GPU that has it'), ...READ_ERRORS },
    }),
    (c) =>
      c.json(
        model.state.inventory.gpus.flatMap((g) =>
          g.sriov === null
            ? []
            : [
                {
                  address: g.address,
                  totalVfs: g.sriov.totalVfs,
                  numVfs: g.sriov.numVfs,
                  driversAutoprobe: g.sriov.driversAutoprobe,
                  vfs: g.sriov.vfs,
                },
              ],
        ),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/doctor',
      tags: ['host'],
      request: {
        query: z.object({
          address: z
            .string()
            .max(32)
            .optional()
            .openapi({ param: { name: 'address', in: 'query' } }),
        }),
      },
      responses: { 200: json(DoctorReport, 'Every check, with a fix for each problem'), ...READ_ERRORS },
    }),
    async (c) => {
      const { address } = c.req.valid('query');
      const facts = await readDoctorFacts(services.host, { pciIds: services.pciIds });
      return c.json(runDoctor(facts, address === undefined ? {} : { address: parsePciAddress(address) }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/select',
      tags: ['select'],
      description: 'Chooses how a VM gets a GPU and returns the plan; changes nothing (read tokens may call it).',
      request: { body: { content: { 'application/json': { schema: SelectBody } }, required: true } },
      responses: {
        200: json(z.record(z.string(), z.unknown()), 'The selection, its plan and VM configuration'),
        ...WRITE_ERRORS,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const result = await selectCommand(
        { host: services.host, pciIds: services.pciIds, emulator: undefined, env: services.env, dryRun: true },
        {
          output: 'json',
          ...(body.mode === undefined ? {} : { gpuMode: body.mode }),
          ...(body.device === undefined ? {} : { gpuDevice: body.device }),
          ...(body.mdevType === undefined ? {} : { mdevType: body.mdevType }),
          ...(body.prefer === undefined ? {} : { prefer: body.prefer }),
          ...(body.fallback === undefined ? {} : { fallback: body.fallback }),
          ...(body.index === undefined ? {} : { index: String(body.index) }),
        },
      );
      return c.json(result.data as Record<string, unknown>, 200);
    },
  );
}
