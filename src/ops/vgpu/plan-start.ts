/**
 * Planning `vgpuctl start`: create the vGPUs that definitions describe. Each definition is
 * judged against the host as it is now — ready (the writes to make), already running,
 * waiting (its parent, VF or type has not appeared yet: the nvidia-vgpud ordering problem,
 * mdevctl#82) or failed (a conflict that waiting will not fix).
 */
import { VgpuctlError } from '../../core/errors.ts';
import type { Plan, Step } from '../../core/plan.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import { type Definition, type Definitions, definitionsOf } from '../../store/definitions.ts';
import { listVgpuTypes } from './list-types.ts';
import { parseNvidiaTypeName } from './nvidia-type-name.ts';
import { countedIds, formatMiB, parentName, parseVgpuIds, vgpuIdText } from './resolve.ts';
import { mdevCreateSteps, vendorCreateSteps } from './steps.ts';
import { liveFramebufferSizes, type VgpuHost, vgpuHosts } from './vgpu-hosts.ts';

/** Whether and how a definition can start now. */
export type StartReadiness =
  | { status: 'ready'; steps: Step[] }
  | { status: 'running' }
  | { status: 'waiting'; reason: string }
  | { status: 'failed'; reason: string };

/** The id a definition is known by: its UUID or VF address. */
export function definitionId(definition: Definition): string {
  return definition.kind === 'mdev' ? definition.uuid : definition.vf;
}

/** The parent a definition lives under: its mdev parent or PF. */
export function definitionParent(definition: Definition): string {
  return definition.kind === 'mdev' ? definition.parent : definition.pf;
}

/**
 * Judges definitions against one inventory, in order: capacity taken by an earlier
 * definition in the same batch counts against later ones.
 */
export class StartPlanner {
  private readonly hosts: VgpuHost[];
  private readonly inventory: Inventory;
  /** `parent/type` → instances this batch has already planned. */
  private readonly planned = new Map<string, number>();
  /** GPU → framebuffer size this batch has planned on it (NVIDIA). */
  private readonly plannedSize = new Map<string, number>();
  private readonly takenVfs = new Set<string>();

  constructor(inventory: Inventory) {
    this.inventory = inventory;
    this.hosts = vgpuHosts(inventory);
  }

  /** Judges one definition and, when ready, counts its capacity as taken. */
  judge(definition: Definition): StartReadiness {
    return definition.kind === 'mdev' ? this.judgeMdev(definition) : this.judgeVendor(definition);
  }

  private judgeMdev(d: Extract<Definition, { kind: 'mdev' }>): StartReadiness {
    for (const host of this.hosts) {
      const live = host.live.find((v) => v.id === d.uuid);
      if (live === undefined) continue;
      if (live.parent === d.parent && live.typeId === d.mdevType) return { status: 'running' };
      return {
        status: 'failed',
        reason: `UUID ${d.uuid} is in use by a running vGPU (${live.typeId ?? 'unknown type'} on ${live.parent})`,
      };
    }
    const host = this.hosts.find((h) => h.parents.some((p) => p.name === d.parent));
    const parent = host?.parents.find((p) => p.name === d.parent);
    if (host === undefined || parent === undefined)
      return { status: 'waiting', reason: `mdev parent ${d.parent} is not registered` };
    const type = parent.types.find((t) => t.id === d.mdevType);
    if (type === undefined) return { status: 'waiting', reason: `${d.parent} does not offer type ${d.mdevType}` };
    const key = `${d.parent}/${d.mdevType}`;
    const fb = type.framebufferMiB;
    if (host.nvidia && fb !== null) {
      const sizes = [
        ...liveFramebufferSizes(host),
        ...(this.plannedSize.has(host.gpu) ? [this.plannedSize.get(host.gpu) as number] : []),
      ];
      const clash = sizes.filter((s) => s !== fb);
      if (clash.length > 0) {
        return {
          status: 'failed',
          reason: `${host.gpu} runs ${[...new Set(clash)].map(formatMiB).join(' and ')} vGPUs; ${d.mdevType} (${formatMiB(fb)}) cannot start beside them`,
        };
      }
    }
    // NVIDIA types of one size share their capacity; other drivers are counted per type.
    const shared = host.nvidia
      ? [...this.planned.entries()].filter(([k]) => {
          const [p, t] = k.split('/') as [string, string];
          return p === d.parent && parent.types.find((x) => x.id === t)?.framebufferMiB === fb;
        })
      : [...this.planned.entries()].filter(([k]) => k === key);
    const used = shared.reduce((sum, [, n]) => sum + n, 0);
    const available = (type.availableInstances ?? 0) - used;
    if (available <= 0) {
      const max =
        type.maxInstances === null
          ? ''
          : `: ${type.maxInstances - (type.availableInstances ?? 0) + used} of ${type.maxInstances} in use`;
      return { status: 'failed', reason: `no instances left of ${type.name ?? type.id} on ${d.parent}${max}` };
    }
    this.planned.set(key, (this.planned.get(key) ?? 0) + 1);
    if (host.nvidia && fb !== null) this.plannedSize.set(host.gpu, fb);
    return { status: 'ready', steps: mdevCreateSteps(d.parent, d.mdevType, d.uuid, d.attrs) };
  }

  private judgeVendor(d: Extract<Definition, { kind: 'vendor-vfio' }>): StartReadiness {
    const host = this.hosts.find((h) => h.vfs.some((v) => v.address === d.vf));
    const vf = host?.vfs.find((v) => v.address === d.vf);
    if (host === undefined || vf === undefined) {
      const pf = this.inventory.gpus.find((g) => g.address === d.pf);
      return {
        status: 'waiting',
        reason:
          pf === undefined
            ? `GPU ${d.pf} is not present`
            : `VF ${d.vf} does not exist (${pf.sriov?.numVfs ?? 0} VFs enabled on ${d.pf})`,
      };
    }
    const current = vf.vgpu.currentTypeId;
    if (current === d.typeId) return { status: 'running' };
    if (current !== null)
      return { status: 'failed', reason: `VF ${d.vf} already hosts another vGPU (nvidia-${current})` };
    if (this.takenVfs.has(d.vf)) return { status: 'failed', reason: `VF ${d.vf} is defined twice` };
    const fb = d.typeName === null ? null : (parseNvidiaTypeName(d.typeName)?.framebufferMiB ?? null);
    const sizes = [
      ...liveFramebufferSizes(host),
      ...(this.plannedSize.has(host.gpu) ? [this.plannedSize.get(host.gpu) as number] : []),
    ];
    if (fb !== null && sizes.some((s) => s !== fb)) {
      return {
        status: 'failed',
        reason: `${host.gpu} runs ${[...new Set(sizes)].map(formatMiB).join(' and ')} vGPUs; ${d.typeName} cannot start beside them`,
      };
    }
    if (!vf.vgpu.creatable.some((t) => t.id === d.typeId)) {
      // The vGPU manager fills creatable_vgpu_types once it runs; until then the list is empty.
      const known = listVgpuTypes(this.inventory).some((t) => t.gpu === host.gpu && t.nvidiaTypeId === d.typeId);
      return known
        ? { status: 'failed', reason: `no instances left of ${d.typeName ?? `nvidia-${d.typeId}`} on ${host.gpu}` }
        : {
            status: 'waiting',
            reason: `VF ${d.vf} does not offer type ${d.typeId}${d.typeName === null ? '' : ` (${d.typeName})`} yet`,
          };
    }
    this.takenVfs.add(d.vf);
    if (fb !== null) this.plannedSize.set(host.gpu, fb);
    return { status: 'ready', steps: vendorCreateSteps(d.vf, d.typeId, d.typeName) };
  }
}

/**
 * Plans starting the named definitions together: all start or, on failure, none stays.
 * Already running ones are skipped; any that cannot start now is an error naming why.
 */
export function planStartVgpus(
  inventory: Inventory,
  definitions: Definitions,
  request: { ids: string[]; gpu?: string | undefined },
): { plan: Plan; started: Definition[]; running: Definition[] } {
  const ids = parseVgpuIds(request.ids, 'start vGPUs');
  const planner = new StartPlanner(inventory);
  const steps: Step[] = [];
  const started: Definition[] = [];
  const running: Definition[] = [];
  for (const id of ids) {
    const text = vgpuIdText(id);
    const definition = pickDefinition(definitions, text, request.gpu, 'start');
    const readiness = planner.judge(definition);
    switch (readiness.status) {
      case 'ready':
        steps.push(...readiness.steps);
        started.push(definition);
        break;
      case 'running':
        running.push(definition);
        break;
      case 'waiting':
      case 'failed':
        throw new VgpuctlError(
          readiness.status === 'waiting'
            ? 'DEVICE_NOT_FOUND'
            : readiness.reason.includes('cannot start beside')
              ? 'VGPU_SIZE_CONFLICT'
              : 'VGPU_CAPACITY_EXHAUSTED',
          `Cannot start vGPU "${text}": ${readiness.reason}`,
          {
            hint:
              readiness.status === 'waiting'
                ? 'The parent or type may appear later (after nvidia-vgpud starts, or once VFs are enabled); "vgpuctl start --all-auto --wait 120" waits for them'
                : '"vgpuctl vgpus" shows what runs; stop or remove vGPUs to make room',
          },
        );
    }
  }
  return { plan: { action: `start ${countedIds(started.map(definitionId))}`, steps }, started, running };
}

/** The one definition of `id` (on `gpu` when given); errors for none, several or a corrupt one. */
function pickDefinition(definitions: Definitions, id: string, parent: string | undefined, verb: string): Definition {
  const gpu = parentName(parent);
  const { found, problems } = definitionsOf(definitions, id);
  const broken = problems.find((p) => gpu === undefined || p.parent === gpu);
  if (broken !== undefined) {
    throw new VgpuctlError(
      'DEFINITION_INVALID',
      `Cannot ${verb} vGPU "${id}": its definition ${broken.path} is invalid: ${broken.reason}`,
      {
        hint: `Remove it with "vgpuctl undefine ${id}" and define the vGPU again`,
      },
    );
  }
  const matches = found.filter((d) => gpu === undefined || definitionParent(d) === gpu);
  const [definition] = matches;
  if (definition === undefined) {
    throw new VgpuctlError(
      'DEVICE_NOT_FOUND',
      `Cannot ${verb} vGPU "${id}": it is not defined${gpu === undefined ? '' : ` on ${gpu}`}`,
      {
        hint: 'Define it with "vgpuctl define", or create a transient vGPU with "vgpuctl create"',
      },
    );
  }
  if (matches.length > 1) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot ${verb} vGPU "${id}": it is defined on ${matches.map(definitionParent).join(' and ')}`,
      {
        hint: 'Choose one with --gpu PARENT; only one of them can run at a time',
      },
    );
  }
  return definition;
}
