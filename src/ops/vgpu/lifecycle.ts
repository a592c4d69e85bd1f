/**
 * The vGPU lifecycle as use cases: each plans against fresh discovery, executes (or, dry-run,
 * only plans), and verifies by reading back what the plan touched. Entry points (CLI, manager) call these.
 */
import type { Inventory } from '../../discovery/inventory.ts';
import { type Definition, readDefinitions } from '../../store/definitions.ts';
import { type Applied, applyVgpuPlan, type VgpuDeps } from './apply.ts';
import { listVgpus, type VgpuEntry } from './list-vgpus.ts';
import { type CreatedVgpus, type CreateVgpusRequest, planCreateVgpus } from './plan-create.ts';
import {
  type DefinedVgpu,
  type DefineVgpusRequest,
  type ModifyVgpuRequest,
  planDefineRunning,
  planDefineVgpus,
  planModifyVgpu,
  planUndefineVgpus,
} from './plan-define.ts';
import { planRemoveVgpus } from './plan-remove.ts';
import { planStartVgpus } from './plan-start.ts';
import { verifyCreatedOnHost, verifyDefinedOnHost, verifyGoneOnHost } from './verify.ts';

/** Creates transient vGPUs; mdev UUIDs not given come from `newUuid`. */
export function createVgpus(
  deps: VgpuDeps,
  request: CreateVgpusRequest,
  newUuid: () => string,
): Promise<Applied<CreatedVgpus>> {
  return applyVgpuPlan(
    deps,
    (inventory, definitions) => {
      const { plan, created } = planCreateVgpus(inventory, request, { newUuid, definitions });
      return { plan, result: created };
    },
    { verifyOnHost: (host, created) => verifyCreatedOnHost(host, created) },
  );
}

/** Removes (or stops) running vGPUs by UUID or VF address; definitions stay. */
export function removeVgpus(
  deps: VgpuDeps,
  ids: string[],
  verb: 'remove' | 'stop' = 'remove',
): Promise<Applied<string[]>> {
  return applyVgpuPlan(deps, (inventory) => ({ plan: planRemoveVgpus(inventory, { ids }, verb), result: ids }), {
    verifyOnHost: (host) => verifyGoneOnHost(host, ids),
  });
}

/** Defines new vGPUs (with `startNow`, starts them in the same plan), under the definitions lock. */
export function defineVgpus(
  deps: VgpuDeps,
  request: DefineVgpusRequest,
  newUuid: () => string,
): Promise<Applied<DefinedVgpu[]>> {
  return applyVgpuPlan(
    deps,
    (inventory, definitions) => {
      const { plan, defined } = planDefineVgpus(inventory, definitions, request, { newUuid });
      return { plan, result: defined };
    },
    {
      lock: true,
      verifyOnHost: async (host, defined) =>
        (await verifyDefinedOnHost(host, defined)) ??
        (request.startNow === true
          ? await verifyCreatedOnHost(host, defined.map(asCreated) as CreatedVgpus)
          : undefined),
    },
  );
}

/** Makes running vGPUs persistent, as they run. */
export function defineRunningVgpus(
  deps: VgpuDeps,
  request: { ids: string[]; start?: 'auto' | 'manual' },
): Promise<Applied<DefinedVgpu[]>> {
  return applyVgpuPlan(
    deps,
    (inventory, definitions) => {
      const { plan, defined } = planDefineRunning(inventory, definitions, request);
      return { plan, result: defined };
    },
    { lock: true, verifyOnHost: (host, defined) => verifyDefinedOnHost(host, defined) },
  );
}

/** Deletes definitions (running vGPUs keep running). */
export function undefineVgpus(
  deps: VgpuDeps,
  request: { ids: string[]; gpu?: string | undefined },
): Promise<Applied<string[]>> {
  return applyVgpuPlan(
    deps,
    (_inventory, definitions) => ({ plan: planUndefineVgpus(definitions, request), result: request.ids }),
    {
      lock: true,
    },
  );
}

/** Changes one definition. */
export function modifyVgpu(deps: VgpuDeps, request: ModifyVgpuRequest): Promise<Applied<Definition>> {
  return applyVgpuPlan(
    deps,
    (inventory, definitions) => {
      const { plan, definition } = planModifyVgpu(inventory, definitions, request);
      return { plan, result: definition };
    },
    { lock: true },
  );
}

/** Starts defined vGPUs together (all or none); already running ones are reported, not touched. */
export function startVgpus(
  deps: VgpuDeps,
  request: { ids: string[]; gpu?: string | undefined },
): Promise<Applied<{ started: Definition[]; running: Definition[] }>> {
  return applyVgpuPlan(
    deps,
    (inventory, definitions) => {
      const { plan, started, running } = planStartVgpus(inventory, definitions, request);
      return { plan, result: { started, running } };
    },
    {
      verifyOnHost: (host, result) => verifyCreatedOnHost(host, result.started.map(asCreated) as CreatedVgpus),
    },
  );
}

/** Every running and defined vGPU. */
export async function listAllVgpus(
  deps: Pick<VgpuDeps, 'host' | 'discover'>,
): Promise<{ inventory: Inventory; entries: VgpuEntry[] }> {
  // The definitions first: they name the stopped vGPUs' types, the only types without live
  // instances whose names the listing shows.
  const definitions = await readDefinitions(deps.host);
  const inventory = await deps.discover({ types: { inUse: definitions.mdev.map((d) => `${d.parent}/${d.mdevType}`) } });
  return { inventory, entries: listVgpus(inventory, definitions) };
}

/** The vGPU a definition (or a planned definition) makes. */
function asCreated(d: Definition | DefinedVgpu): CreatedVgpus[number] {
  if (d.kind === 'vendor-vfio') return { kind: 'vendor-vfio', vf: d.vf, pf: d.pf, typeId: d.typeId };
  return { kind: 'mdev', uuid: d.uuid, parent: d.parent, type: 'mdevType' in d ? d.mdevType : d.type };
}
