/**
 * The API's request and response shapes. Responses reuse discovery's schemas (the same ones
 * `list --json` validates against); requests are strict objects, so an unknown field is
 * refused rather than ignored.
 */
import { z } from '@hono/zod-openapi';
import { Gpu, HostFacts, Inventory, IommuGroupInfo, VirtualFunction } from '../discovery/inventory.ts';
import { NumberedEvent } from '../model/events.ts';

export { Gpu, HostFacts, Inventory, IommuGroupInfo, NumberedEvent };

export const ApiError = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'DEVICE_NOT_FOUND' }),
      message: z.string().openapi({ example: 'Cannot find GPU "0000:99:00.0": no such PCI function' }),
      hint: z.string().optional(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error');

// PCI addresses and parent names become sysfs path components: the same rule as the stores'.
const Name = z
  .string()
  .regex(/^[A-Za-z0-9_:.+-]{1,128}$/)
  .refine((s) => !s.includes('..'), 'must not contain ".."')
  .openapi({ example: '0000:3b:00.0' });

export const AddressParam = z.object({ address: Name.openapi({ param: { name: 'address', in: 'path' } }) });
export const IdParam = z.object({
  id: Name.openapi({ param: { name: 'id', in: 'path' }, example: '3f1c7a5e-0b7e-4a87-9c1b-1f6a1b0c2d11' }),
});
export const DryRunQuery = z.object({
  dryRun: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ param: { name: 'dryRun', in: 'query' } }),
});

export const VgpuType = z
  .object({
    gpu: z.string(),
    mechanism: z.enum(['mdev', 'vendor-vfio']),
    id: z.string(),
    nvidiaTypeId: z.number().int().nullable(),
    name: z.string().nullable(),
    description: z.string().nullable(),
    deviceApi: z.string().nullable(),
    framebufferMiB: z.number().int().nullable(),
    heads: z.number().int().nullable(),
    maxResolution: z.string().nullable(),
    frameRateLimit: z.number().int().nullable(),
    maxInstances: z.number().int().nullable(),
    availableInstances: z.number().int().nullable(),
    instances: z.number().int(),
    parents: z.array(z.string()),
  })
  .openapi('VgpuType');

export const Vgpu = z
  .object({
    id: z.string(),
    mechanism: z.enum(['mdev', 'vendor-vfio']),
    gpu: z.string(),
    parent: z.string(),
    type: z.string().nullable(),
    typeName: z.string().nullable(),
    state: z.enum(['running', 'stopped', 'invalid']),
    start: z.enum(['auto', 'manual']).nullable(),
    attrs: z.array(z.tuple([z.string(), z.string()])),
    definition: z.string().nullable(),
    problem: z.string().nullable(),
  })
  .openapi('Vgpu');

export const Binding = z
  .object({
    address: z.string(),
    name: z.string(),
    driver: z.string().nullable(),
    driverOverride: z.string().nullable(),
    iommuGroup: z.number().int().nullable(),
    vfio: z.boolean(),
  })
  .openapi('Binding');

export const Sriov = z
  .object({
    address: z.string(),
    totalVfs: z.number().int(),
    numVfs: z.number().int(),
    driversAutoprobe: z.boolean().nullable(),
    vfs: z.array(VirtualFunction),
  })
  .openapi('Sriov');

const Finding = z.object({
  section: z.string(),
  id: z.string(),
  subject: z.string().nullable(),
  verdict: z.enum(['pass', 'warn', 'fail', 'skip']),
  message: z.string(),
  fix: z.string().nullable(),
});
export const DoctorReport = z
  .object({
    source: z.string(),
    address: z.string().nullable(),
    checks: z.array(Finding),
    summary: z.record(z.string(), z.number().int()),
  })
  .openapi('DoctorReport');

const Step = z.object({ kind: z.string(), path: z.string(), why: z.string() }).loose();
const Plan = z.object({ action: z.string(), steps: z.array(Step) }).openapi('Plan');

export const OperationResult = z
  .object({
    dryRun: z.boolean(),
    plan: Plan,
    /** The plan as shell commands, as `--dry-run` prints it. */
    shell: z.string(),
    result: z.unknown(),
  })
  .openapi('OperationResult');

const DryRun = z.boolean().optional();
const Count = z.number().int().min(0).max(4096);
const Uuids = z.array(z.string().uuid()).max(4096);

export const CreateVgpusBody = z
  .strictObject({
    type: z.string().min(1).max(128),
    gpu: Name.optional(),
    count: Count.optional(),
    uuids: Uuids.optional(),
    dryRun: DryRun,
  })
  .openapi('CreateVgpus');

export const StartVgpuBody = z.strictObject({ gpu: Name.optional(), dryRun: DryRun }).openapi('StartVgpu');

export const DefineVgpusBody = z
  .strictObject({
    /** New vGPUs of this type; without it, `ids` names running vGPUs to persist. */
    type: z.string().min(1).max(128).optional(),
    ids: z.array(Name).max(4096).optional(),
    gpu: Name.optional(),
    count: Count.optional(),
    uuids: Uuids.optional(),
    start: z.enum(['auto', 'manual']).optional(),
    startNow: z.boolean().optional(),
    dryRun: DryRun,
  })
  .openapi('DefineVgpus');

export const BindBody = z
  .strictObject({
    driver: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
    force: z.boolean().optional(),
    persist: z.boolean().optional(),
    dryRun: DryRun,
  })
  .openapi('Bind');

export const UnbindBody = z.strictObject({ dryRun: DryRun }).openapi('Unbind');

export const SriovBody = z
  .strictObject({ numVfs: z.number().int().min(0).max(65535), autoprobe: z.boolean().optional(), dryRun: DryRun })
  .openapi('SetSriov');

export const SelectBody = z
  .strictObject({
    mode: z.string().max(32).optional(),
    device: Name.optional(),
    mdevType: z.string().max(128).optional(),
    prefer: z.string().max(128).optional(),
    fallback: z.boolean().optional(),
    index: z.number().int().min(0).optional(),
  })
  .openapi('Select');

export const Health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    host: z.string(),
    refreshes: z.number().int(),
    failures: z.number().int(),
    lastError: z.string().nullable(),
    lastEventId: z.number().int(),
    uptimeSeconds: z.number(),
  })
  .openapi('Health');
