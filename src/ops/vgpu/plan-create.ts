/**
 * Planning `vgpuctl create`: transient vGPUs of one type, on a named GPU or wherever they
 * fit. Pure: the inventory in, a plan (or a coded error saying why not) out; UUIDs come in
 * from the caller, so the same request always plans the same writes.
 */
import { VgpuctlError } from '../../core/errors.ts';
import type { Plan, Step } from '../../core/plan.ts';
import { parseUuid } from '../../core/uuid.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import type { Definitions } from '../../store/definitions.ts';
import { type Placement, placeVgpus, type Reservations } from './placement.ts';
import { mdevCreateSteps, vendorCreateSteps } from './steps.ts';
import { vgpuHosts } from './vgpu-hosts.ts';

/** What to create. */
export interface CreateVgpusRequest {
  /** Type id (`nvidia-222`), NVIDIA number (`222`) or name (`GRID T4-1B`, `T4-1B`). */
  type: string;
  /** PCI address of a GPU or VF, or an mdev parent name (`nvidia`); omitted: wherever it fits. */
  gpu?: string;
  /** How many (default: the number of `uuids`, else 1). */
  count?: number;
  /** UUIDs for mdev vGPUs, in order; the rest come from `newUuid`. */
  uuids?: string[];
}

/** A planned mdev vGPU. */
export interface CreatedMdev {
  kind: 'mdev';
  uuid: string;
  parent: string;
  type: string;
}

/** A planned vendor-VFIO vGPU. */
export interface CreatedVendorVfio {
  kind: 'vendor-vfio';
  vf: string;
  pf: string;
  typeId: number;
}

/** The vGPUs a plan makes: all of one mechanism. */
export type CreatedVgpus = CreatedMdev[] | CreatedVendorVfio[];

/** Options of {@link planCreateVgpus}. */
export interface CreateOptions {
  /** Makes a UUID for each mdev vGPU the request gives none for (crypto.randomUUID at the CLI edge). */
  newUuid?: () => string;
  /** Defined vGPUs: their UUIDs are taken and their VFs reserved. */
  definitions?: Definitions;
  /** The verb for messages (`define` reuses this planner). */
  verb?: string;
  /** Capacity promised to stopped definitions. */
  reservations?: Reservations;
  /** Place as at the next boot (see {@link PlacementRequest.atBoot}). */
  atBoot?: boolean;
}

/** The most vGPUs one request may ask for (more than any GPU hosts; guards against typos). */
const MAX_COUNT = 4096;

/**
 * Plans the creation of vGPUs: one `create` write per mdev (undo: `remove`), or one
 * `current_vgpu_type` write per VF (undo: `0`).
 *
 * @example
 * const { plan, created } = planCreateVgpus(inventory, { type: 'T4-1B', count: 2 }, { newUuid: randomUUID });
 */
export function planCreateVgpus(
  inventory: Inventory,
  request: CreateVgpusRequest,
  options: CreateOptions = {},
): { plan: Plan; created: CreatedVgpus } {
  const verb = options.verb ?? 'create';
  const given = (request.uuids ?? []).map(parseUuid);
  const count = resolveCount(request.count, given.length, verb);
  const definitions = options.definitions;
  const reservations: Reservations = options.reservations ?? {
    mdev: [],
    vfs: definitions?.vendorVfio.map((d) => d.vf) ?? [],
  };
  const placements = placeVgpus(inventory, {
    type: request.type,
    gpu: request.gpu,
    count,
    verb,
    reservations,
    atBoot: options.atBoot,
  });

  const mechanism = placements[0]?.mechanism;
  if (mechanism === 'vendor-vfio' && given.length > 0) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot ${verb} vGPUs of type "${request.type}" with --uuid: vendor-VFIO vGPUs are named by their VF`,
      {
        hint: 'Leave out --uuid; the new vGPUs are reported by VF address (pass --gpu VF to choose one)',
      },
    );
  }
  const steps: Step[] = [];
  if (mechanism === 'vendor-vfio') {
    const created: CreatedVendorVfio[] = [];
    for (const p of placements as Extract<Placement, { mechanism: 'vendor-vfio' }>[]) {
      for (const vf of p.vfs) {
        steps.push(...vendorCreateSteps(vf, p.type.nvidiaTypeId, p.type.name));
        created.push({ kind: 'vendor-vfio', vf, pf: p.gpu, typeId: p.type.nvidiaTypeId });
      }
    }
    return { plan: { action: actionText(verb, count, placements), steps }, created };
  }

  const uuids = [...given];
  while (uuids.length < count) {
    if (options.newUuid === undefined) {
      throw new VgpuctlError(
        'INVALID_ARGUMENT',
        `Cannot ${verb} ${count} mdev vGPUs: ${given.length} UUID${given.length === 1 ? '' : 's'} given`,
        {
          hint: 'Give one --uuid per vGPU, or leave --uuid out to have them generated',
        },
      );
    }
    uuids.push(parseUuid(options.newUuid()));
  }
  checkNewUuids(inventory, definitions, uuids, verb);
  const created: CreatedMdev[] = [];
  let next = 0;
  for (const p of placements as Extract<Placement, { mechanism: 'mdev' }>[]) {
    for (let i = 0; i < p.count; i++) {
      const uuid = uuids[next++] as string;
      steps.push(...mdevCreateSteps(p.parent.name, p.type.id, uuid));
      created.push({ kind: 'mdev', uuid, parent: p.parent.name, type: p.type.id });
    }
  }
  return { plan: { action: actionText(verb, count, placements), steps }, created };
}

/** Validates a requested count against the UUIDs given. */
export function resolveCount(count: number | undefined, uuids: number, verb: string): number {
  const n = count ?? Math.max(uuids, 1);
  if (!Number.isInteger(n) || n < 1 || n > MAX_COUNT) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot ${verb} ${String(n)} vGPUs: the count must be a whole number from 1 to ${MAX_COUNT}`,
      {
        hint: 'Give --count 1 or more',
      },
    );
  }
  if (uuids > n) {
    throw new VgpuctlError('INVALID_ARGUMENT', `Cannot ${verb} ${n} vGPU${n === 1 ? '' : 's'} with ${uuids} UUIDs`, {
      hint: 'Give at most one --uuid per vGPU, or raise --count',
    });
  }
  return n;
}

/** Refuses UUIDs given twice, already running anywhere, or already defined. */
export function checkNewUuids(
  inventory: Inventory,
  definitions: Definitions | undefined,
  uuids: readonly string[],
  verb: string,
): void {
  const seen = new Set<string>();
  const live = new Map(vgpuHosts(inventory).flatMap((h) => h.live.map((v) => [v.id, v] as const)));
  for (const uuid of uuids) {
    if (seen.has(uuid)) {
      throw new VgpuctlError('INVALID_ARGUMENT', `Cannot ${verb} vGPU "${uuid}": the UUID is given twice`, {
        hint: 'Give each vGPU its own UUID',
      });
    }
    seen.add(uuid);
    const running = live.get(uuid);
    if (running !== undefined) {
      // The mdev core refuses a UUID used by any mdev on any parent (EEXIST, mdev_core.c).
      throw new VgpuctlError(
        'CONFLICT',
        `Cannot ${verb} vGPU "${uuid}": UUID already used by a running vGPU (${running.typeId ?? 'unknown type'} on ${running.parent})`,
        { hint: 'Choose another UUID, or leave --uuid out to have one generated' },
      );
    }
    const defined = definitions?.mdev.find((d) => d.uuid === uuid);
    if (defined !== undefined) {
      throw new VgpuctlError(
        'CONFLICT',
        `Cannot ${verb} vGPU "${uuid}": UUID already defined (${defined.mdevType} on ${defined.parent})`,
        {
          hint: `Start the definition with "vgpuctl start ${uuid}", or choose another UUID`,
        },
      );
    }
  }
}

function actionText(verb: string, count: number, placements: Placement[]): string {
  const first = placements[0];
  const name = first === undefined ? 'vGPUs' : (first.type.name ?? first.type.id);
  const gpus = [...new Set(placements.map((p) => p.gpu))];
  return `${verb} ${count} vGPU${count === 1 ? '' : 's'} of ${name} on ${gpus.length > 4 ? `${gpus.length} GPUs` : gpus.join(', ')}`;
}
