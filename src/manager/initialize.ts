/**
 * Initializing a selection (seed 002 `initialize_selected`) and releasing it again: the
 * operations of `vgpuctl bind`, `sriov` and `create`, planned on the current inventory and
 * run by the plan executor. What was acquired is recorded so that release runs the inverse
 * operations, newest first, and leaves the host as it found it.
 */
import { VgpuctlError } from '../core/errors.ts';
import type { Plan } from '../core/plan.ts';
import type { Inventory } from '../discovery/inventory.ts';
import type { HostPort } from '../host/host-port.ts';
import { type ExecutionReport, executePlan } from '../ops/execute-plan.ts';
import { readBindRecords } from '../ops/passthrough/bind-record.ts';
import { planBind } from '../ops/passthrough/plan-bind.ts';
import { planUnbind } from '../ops/passthrough/plan-unbind.ts';
import { planSriov } from '../ops/sriov/plan-sriov.ts';
import { planCreateVgpus } from '../ops/vgpu/plan-create.ts';
import { planRemoveVgpus } from '../ops/vgpu/plan-remove.ts';
import { vgpuHosts } from '../ops/vgpu/vgpu-hosts.ts';
import type { VmGpuDevice } from '../vmconfig/vm-gpu.ts';
import type { Candidate } from './candidate.ts';

/** Something initialization took from the host, and what gives it back. */
export type Acquisition =
  | { kind: 'bound'; address: string }
  | { kind: 'vfs-enabled'; pf: string; previous: number }
  | { kind: 'vgpus-created'; ids: string[] };

/** What initializing a candidate would do, without doing it (`select` without `--apply`). */
export interface InitPreview {
  /** The plans that can be made now, in order. */
  plans: Plan[];
  /** Later steps that depend on the result of the first (a VF that exists only once enabled). */
  pending: string[];
  /** The device the VM gets, with the UUID or VF the plans will create. */
  device: VmGpuDevice;
}

/** A candidate made ready for a VM. */
export interface Initialization {
  candidate: Candidate;
  device: VmGpuDevice;
  /** What to give back on release, oldest first. */
  acquired: Acquisition[];
  reports: ExecutionReport[];
}

/** What initialization needs besides the host and the candidate. */
export interface InitContext {
  /** A fresh inventory of the host (initialization plans each phase on the state the last one left). */
  discover: () => Promise<Inventory>;
  /** Makes UUIDs for new mdevs (crypto.randomUUID unless injected). */
  newUuid: () => string;
  /** A UUID for the mdev to create, instead of a new one. */
  mdevUuid?: string;
  sleep?: (ms: number) => Promise<void>;
}

const HEADS = 1;

function softwareDevice(candidate: Candidate): VmGpuDevice | null {
  const t = candidate.target;
  if (t.kind !== 'software') return null;
  return { kind: 'virtio-gpu', api: t.api, renderNode: t.renderNode, hostMemoryMiB: t.hostMemoryMiB, heads: HEADS };
}

/** The mdev create plan and the device it yields. */
function planVgpu(
  inventory: Inventory,
  candidate: Candidate,
  ctx: Pick<InitContext, 'newUuid' | 'mdevUuid'>,
): { plan: Plan; device: VmGpuDevice; ids: string[] } {
  const t = candidate.target;
  if (t.kind !== 'mdev') throw new Error('not an mdev candidate');
  // An mdev of this type that already runs under the UUID asked for is used as it is: the
  // same command can then print another format of an applied selection.
  const existing = ctx.mdevUuid === undefined ? undefined : liveMdev(inventory, ctx.mdevUuid, t.typeId);
  if (existing !== undefined) {
    return {
      plan: { action: `use the running vGPU ${existing}`, steps: [] },
      device: { kind: 'mdev', uuid: existing, display: t.display, ramfb: t.display, nvidiaVgpu: t.nvidia },
      ids: [],
    };
  }
  const { plan, created } = planCreateVgpus(
    inventory,
    { type: t.typeId, gpu: t.gpu, count: 1, ...(ctx.mdevUuid === undefined ? {} : { uuids: [ctx.mdevUuid] }) },
    { newUuid: ctx.newUuid },
  );
  const made = created[0];
  if (made === undefined)
    throw new VgpuctlError('INTERNAL', `Cannot create a vGPU of "${t.typeId}": the plan creates none`);
  if (made.kind === 'vendor-vfio') {
    return { plan, device: { kind: 'pci', functions: [made.vf], nvidiaVgpu: true }, ids: [made.vf] };
  }
  return {
    plan,
    device: { kind: 'mdev', uuid: made.uuid, display: t.display, ramfb: t.display, nvidiaVgpu: t.nvidia },
    ids: [made.uuid],
  };
}

/** The UUID of a running mdev of `typeId` with UUID `uuid`, if there is one. */
function liveMdev(inventory: Inventory, uuid: string, typeId: string): string | undefined {
  const live = vgpuHosts(inventory).flatMap((h) => (h.mechanism === 'mdev' ? h.live : []));
  return live.find((v) => v.id === uuid && v.typeId === typeId)?.id;
}

/**
 * Plans the initialization of `candidate` on `inventory` without touching the host. Throws
 * the planners' errors (the same ones `--apply` would meet).
 */
export function previewInitialization(
  inventory: Inventory,
  candidate: Candidate,
  ctx: Pick<InitContext, 'newUuid' | 'mdevUuid'>,
): InitPreview {
  const t = candidate.target;
  switch (t.kind) {
    case 'passthrough': {
      const plans = t.toBind.length > 0 ? [planBind(inventory, { address: t.gpu })] : [];
      return { plans, pending: [], device: { kind: 'pci', functions: t.functions, nvidiaVgpu: false } };
    }
    case 'sriov': {
      const vf = t.vf ?? 'the first new VF';
      if (t.enableVfs !== null) {
        return {
          plans: [planSriov(inventory, { address: t.pf, numVfs: t.enableVfs })],
          pending: [`bind VF ${vf} to vfio-pci once it exists`],
          device: { kind: 'pci', functions: t.vf === null ? [] : [t.vf], nvidiaVgpu: false },
        };
      }
      if (t.vf === null) throw new VgpuctlError('INTERNAL', `Cannot initialize ${candidate.label}: no VF chosen`);
      return {
        plans: [planBind(inventory, { address: t.vf })],
        pending: [],
        device: { kind: 'pci', functions: [t.vf], nvidiaVgpu: false },
      };
    }
    case 'mdev': {
      const { plan, device } = planVgpu(inventory, candidate, ctx);
      return { plans: plan.steps.length === 0 ? [] : [plan], pending: [], device };
    }
    case 'software':
      return { plans: [], pending: [], device: softwareDevice(candidate) as VmGpuDevice };
  }
}

/**
 * Initializes `candidate`: binds the group, enables VFs and binds one, or creates the vGPU.
 * On a failure part-way, what earlier phases acquired is released before the error is
 * rethrown (each phase's own executor already rolled its steps back).
 */
export async function initializeCandidate(
  host: HostPort,
  candidate: Candidate,
  ctx: InitContext,
): Promise<Initialization> {
  const acquired: Acquisition[] = [];
  const reports: ExecutionReport[] = [];
  const run = async (plan: Plan, acquisition: Acquisition | null) => {
    if (plan.steps.length === 0) return;
    reports.push(await executePlan(host, plan, ctx.sleep === undefined ? {} : { sleep: ctx.sleep }));
    if (acquisition !== null) acquired.push(acquisition);
  };
  const t = candidate.target;
  try {
    switch (t.kind) {
      case 'passthrough': {
        const inventory = await ctx.discover();
        if (t.toBind.length > 0) await run(planBind(inventory, { address: t.gpu }), { kind: 'bound', address: t.gpu });
        return { candidate, device: { kind: 'pci', functions: t.functions, nvidiaVgpu: false }, acquired, reports };
      }
      case 'sriov': {
        let inventory = await ctx.discover();
        const before = inventory.gpus.find((g) => g.address === t.pf)?.sriov?.numVfs ?? 0;
        if (t.enableVfs !== null) {
          await run(planSriov(inventory, { address: t.pf, numVfs: t.enableVfs }), {
            kind: 'vfs-enabled',
            pf: t.pf,
            previous: before,
          });
          inventory = await ctx.discover();
        }
        const vf = t.vf ?? inventory.gpus.find((g) => g.address === t.pf)?.sriov?.vfs[0]?.address;
        if (vf === undefined)
          throw new VgpuctlError(
            'SYSFS_WRITE_FAILED',
            `Cannot initialize ${candidate.label}: no VF appeared on "${t.pf}"`,
          );
        await run(planBind(inventory, { address: vf }), { kind: 'bound', address: vf });
        return { candidate, device: { kind: 'pci', functions: [vf], nvidiaVgpu: false }, acquired, reports };
      }
      case 'mdev': {
        const inventory = await ctx.discover();
        const { plan, device, ids } = planVgpu(inventory, candidate, ctx);
        await run(plan, ids.length === 0 ? null : { kind: 'vgpus-created', ids });
        return { candidate, device, acquired, reports };
      }
      case 'software':
        // Nothing to change on the host: QEMU opens the render node itself.
        return { candidate, device: softwareDevice(candidate) as VmGpuDevice, acquired, reports };
    }
  } catch (error) {
    try {
      await releaseAcquired(host, acquired, ctx);
    } catch (releaseError) {
      // Both failed: say what the first failure was and exactly what is still held.
      throw new VgpuctlError(
        'SYSFS_WRITE_FAILED',
        `Cannot initialize ${candidate.label}: ${messageOf(error)}; giving back what it acquired also failed: ${messageOf(releaseError)}`,
        {
          hint: `Still on the host: ${acquired.map(describeAcquisition).join('; ')}`,
          details: { acquired, releaseError: messageOf(releaseError) },
          cause: error,
        },
      );
    }
    throw error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What an acquisition left on the host and the command that gives it back. */
function describeAcquisition(item: Acquisition): string {
  switch (item.kind) {
    case 'bound':
      return `${item.address} is bound to VFIO (undo: vgpuctl unbind ${item.address})`;
    case 'vfs-enabled':
      return `${item.pf} has VFs enabled (undo: vgpuctl sriov ${item.pf} --vfs ${item.previous})`;
    case 'vgpus-created':
      return `vGPUs ${item.ids.join(', ')} exist (undo: vgpuctl remove ${item.ids.join(' ')})`;
  }
}

/** Gives back what an initialization acquired, newest first; returns the executed plans' reports. */
export async function releaseAcquired(
  host: HostPort,
  acquired: readonly Acquisition[],
  ctx: Pick<InitContext, 'discover' | 'sleep'>,
): Promise<ExecutionReport[]> {
  const reports: ExecutionReport[] = [];
  for (const item of [...acquired].reverse()) {
    const inventory = await ctx.discover();
    const plan = await releasePlan(host, inventory, item);
    if (plan.steps.length === 0) continue;
    reports.push(await executePlan(host, plan, ctx.sleep === undefined ? {} : { sleep: ctx.sleep }));
  }
  return reports;
}

async function releasePlan(host: HostPort, inventory: Inventory, item: Acquisition): Promise<Plan> {
  switch (item.kind) {
    case 'bound':
      return planUnbind(inventory, { address: item.address, records: await readBindRecords(host, item.address) });
    case 'vfs-enabled':
      return planSriov(inventory, { address: item.pf, numVfs: item.previous });
    case 'vgpus-created':
      return planRemoveVgpus(inventory, { ids: item.ids });
  }
}
