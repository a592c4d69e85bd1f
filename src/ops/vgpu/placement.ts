/**
 * Where new vGPUs go: the offers of a type across GPUs, their capacity now, and a choice
 * that respects NVIDIA's rules — one framebuffer size per GPU at a time, `available_instances`
 * per type, one vGPU per VF — and explains in the user's terms when nothing fits.
 */
import { VgpuctlError } from '../../core/errors.ts';
import type { Inventory, MdevParentInfo } from '../../discovery/inventory.ts';
import { listVgpuTypes, type VgpuType } from './list-types.ts';
import { parseNvidiaTypeName } from './nvidia-type-name.ts';
import { withPlannerAdvice } from './planner-advice.ts';
import { checkTypeQuery, formatMiB, resolveGpu, typeMatches, withArticle } from './resolve.ts';
import { liveFramebufferSizes, type VgpuHost, vgpuHosts } from './vgpu-hosts.ts';

/** Capacity already promised to stopped definitions (for `define`). */
export interface Reservations {
  /** Stopped mdev definitions: parent and type id. */
  mdev: { parent: string; typeId: string }[];
  /** VFs that a vendor-VFIO definition names. */
  vfs: string[];
}

/** Instances of one type to create on one mdev parent. */
interface MdevPlacement {
  mechanism: 'mdev';
  gpu: string;
  parent: MdevParentInfo;
  type: VgpuType;
  count: number;
}

/** VFs to give one vendor-VFIO type. */
interface VendorPlacement {
  mechanism: 'vendor-vfio';
  gpu: string;
  type: VgpuType & { nvidiaTypeId: number };
  vfs: string[];
}

/** A placement decision. */
export type Placement = MdevPlacement | VendorPlacement;

/** What to place. */
export interface PlacementRequest {
  type: string;
  gpu?: string | undefined;
  count: number;
  /** The verb for messages: `create`, `define`. */
  verb: string;
  reservations?: Reservations | undefined;
  /**
   * Judge capacity as at the next boot (`define` without `--start`): the vGPUs that will run
   * together are the definitions (all of them in `reservations`), not the transient vGPUs
   * running now. NVIDIA's one-size rule and `max_instance` then apply among definitions only.
   */
  atBoot?: boolean | undefined;
}

/** One place a type could go, with how many fit there now. */
interface Offer {
  host: VgpuHost;
  type: VgpuType;
  /** mdev: parent name → instances that fit; vendor-VFIO: one entry per free VF (1 each). */
  slots: { name: string; fits: number }[];
  /** Why nothing fits, when nothing does. */
  blocked?: string;
}

/**
 * Chooses where `count` vGPUs of a type go: on `gpu` when given, else on the GPUs where it
 * fits, filling a GPU that already runs vGPUs of the same framebuffer size first (so the
 * other GPUs stay free for other sizes), then in address order.
 */
export function placeVgpus(inventory: Inventory, request: PlacementRequest): Placement[] {
  const query = checkTypeQuery(request.type);
  const count = request.count;
  const hosts = vgpuHosts(inventory);
  const target = request.gpu === undefined ? undefined : resolveGpu(hosts, request.gpu, `${request.verb} vGPUs`);
  const types = listVgpuTypes(inventory);
  const candidates = target === undefined ? hosts : [target.host];

  const offers: Offer[] = [];
  for (const host of candidates) {
    const matching = types.filter((t) => t.gpu === host.gpu && typeMatches(t, query));
    if (matching.length > 1) {
      throw new VgpuctlError(
        'INVALID_ARGUMENT',
        `Cannot ${request.verb} vGPUs of type "${query}" on ${host.gpu}: the name matches ${matching.map((t) => t.id).join(', ')}`,
        { hint: 'Give the type id instead of its name' },
      );
    }
    const type = matching[0];
    if (type !== undefined)
      offers.push(offerOf(host, type, target?.only, request.reservations, request.atBoot === true));
  }
  if (offers.length === 0) throw noSuchType(query, request, hosts, types, target?.host);
  const mechanisms = new Set(offers.map((o) => o.type.mechanism));
  if (mechanisms.size > 1) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot ${request.verb} vGPUs of type "${query}": it names types on both mdev and vendor-VFIO GPUs (${offers.map((o) => o.host.gpu).join(', ')})`,
      { hint: 'Choose the GPU with --gpu' },
    );
  }

  // Pack: GPUs already running this framebuffer size first, then in host order.
  const ranked = offers
    .map((offer, index) => ({ offer, index, packs: packs(offer) }))
    .sort((a, b) => Number(b.packs) - Number(a.packs) || a.index - b.index)
    .map((r) => r.offer);
  const total = ranked.reduce((sum, o) => sum + fits(o), 0);
  if (total < count) {
    // The planner names the rule and the smallest change, as "vgpuctl plan" does.
    throw withPlannerAdvice(
      noCapacity(query, request, ranked, total),
      inventory,
      ranked[0]?.type.name ?? null,
      count,
      target?.host.gpu,
    );
  }

  const placements: Placement[] = [];
  let left = count;
  for (const offer of ranked) {
    if (left === 0) break;
    if (offer.type.mechanism === 'vendor-vfio') {
      const vfs = offer.slots.slice(0, Math.min(left, fits(offer))).map((s) => s.name);
      if (vfs.length === 0) continue;
      placements.push({
        mechanism: 'vendor-vfio',
        gpu: offer.host.gpu,
        type: offer.type as VendorPlacement['type'],
        vfs,
      });
      left -= vfs.length;
      continue;
    }
    for (const slot of offer.slots) {
      const n = Math.min(left, slot.fits);
      if (n === 0) continue;
      const parent = offer.host.parents.find((p) => p.name === slot.name) as MdevParentInfo;
      placements.push({ mechanism: 'mdev', gpu: offer.host.gpu, parent, type: offer.type, count: n });
      left -= n;
      if (left === 0) break;
    }
  }
  return placements;
}

function offerOf(
  host: VgpuHost,
  type: VgpuType,
  only: string | undefined,
  reservations: Reservations | undefined,
  atBoot: boolean,
): Offer {
  const liveSizes = liveFramebufferSizes(host);
  // At boot only definitions run: a NVIDIA mdev type's capacity is its max_instance.
  const bootView = atBoot && host.nvidia && type.mechanism === 'mdev';
  const sizeClash =
    !bootView && host.nvidia && type.framebufferMiB !== null && liveSizes.some((fb) => fb !== type.framebufferMiB);
  if (type.mechanism === 'vendor-vfio') {
    const reserved = new Set(reservations?.vfs ?? []);
    const free = type.parents.filter((vf) => !reserved.has(vf) && (only === undefined || vf === only));
    const cap = type.availableInstances ?? 0;
    const slots = free.slice(0, cap).map((name) => ({ name, fits: 1 }));
    const offer: Offer = { host, type, slots };
    if (slots.length === 0) offer.blocked = vendorBlocked(host, type, sizeClash, liveSizes, reserved, only);
    return offer;
  }
  const slots: Offer['slots'] = [];
  let reservedClash: number | undefined;
  for (const parent of host.parents) {
    if (only !== undefined && parent.name !== only) continue;
    const info = parent.types.find((t) => t.id === type.id);
    if (info === undefined) continue;
    let available = (bootView ? info.maxInstances : null) ?? info.availableInstances ?? 0;
    for (const r of reservations?.mdev ?? []) {
      if (r.parent !== parent.name) continue;
      const reservedFb = parent.types.find((t) => t.id === r.typeId)?.framebufferMiB ?? null;
      const sameSize = r.typeId === type.id || (reservedFb !== null && reservedFb === type.framebufferMiB);
      if (sameSize) available--;
      else if (host.nvidia && reservedFb !== null && type.framebufferMiB !== null) {
        available = 0;
        reservedClash = reservedFb;
      }
    }
    slots.push({ name: parent.name, fits: Math.max(0, available) });
  }
  // Never more than the GPU as a whole has room for (SR-IOV + mdev: one per VF, shared framebuffer).
  let room = bootView ? Number.POSITIVE_INFINITY : (type.availableInstances ?? 0);
  for (const slot of slots) {
    slot.fits = Math.min(slot.fits, room);
    room -= slot.fits;
  }
  const offer: Offer = { host, type, slots };
  if (slots.every((s) => s.fits === 0)) {
    offer.blocked = sizeClash
      ? sizeMessage(host, liveSizes, type.framebufferMiB)
      : reservedClash !== undefined
        ? `${host.gpu} has stopped vGPUs of ${formatMiB(reservedClash)} defined; ${withArticle(formatMiB(type.framebufferMiB ?? 0))} type cannot be defined beside them`
        : exhaustedMessage(host, type);
  }
  return offer;
}

const SIZE_HINT =
  'NVIDIA GPUs run one framebuffer size at a time: remove the running vGPUs first ("vgpuctl vgpus"), choose a type of the running size, or another GPU';

function fits(offer: Offer): number {
  return offer.slots.reduce((sum, s) => sum + s.fits, 0);
}

function packs(offer: Offer): boolean {
  return offer.host.live.some((v) => v.framebufferMiB !== null && v.framebufferMiB === offer.type.framebufferMiB);
}

function label(type: VgpuType): string {
  return type.name ?? type.id;
}

function sizeMessage(host: VgpuHost, liveSizes: number[], framebufferMiB: number | null): string {
  return `${host.gpu} runs ${liveSizes.map(formatMiB).join(' and ')} vGPUs; ${withArticle(formatMiB(framebufferMiB ?? 0))} type cannot be created until they are removed`;
}

function exhaustedMessage(host: VgpuHost, type: VgpuType): string {
  const available = type.availableInstances ?? 0;
  if (type.maxInstances !== null) {
    const used = Math.max(0, type.maxInstances - available);
    return `no instances left of ${label(type)} on ${host.gpu}: ${used} of ${type.maxInstances} in use`;
  }
  return `no instances left of ${label(type)} on ${host.gpu}: ${host.live.length} vGPU${host.live.length === 1 ? '' : 's'} running on it`;
}

function vendorBlocked(
  host: VgpuHost,
  type: VgpuType,
  sizeClash: boolean,
  liveSizes: number[],
  reserved: Set<string>,
  only: string | undefined,
): string {
  if (sizeClash) return sizeMessage(host, liveSizes, type.framebufferMiB);
  if (only !== undefined) {
    const vf = host.vfs.find((v) => v.address === only);
    if (vf?.vgpu.currentTypeId != null) return `VF ${only} already hosts a vGPU (nvidia-${vf.vgpu.currentTypeId})`;
    if (reserved.has(only)) return `VF ${only} is reserved by a vGPU definition`;
    return `VF ${only} cannot take ${label(type)} now`;
  }
  const free = host.vfs.filter((v) => v.vgpu.currentTypeId === null);
  if (free.length === 0) return `no free VF left on ${host.gpu}: all ${host.vfs.length} enabled VFs host vGPUs`;
  if (free.every((v) => reserved.has(v.address)))
    return `every free VF of ${host.gpu} is reserved by a vGPU definition`;
  return `no instances left of ${label(type)} on ${host.gpu}: ${host.live.length} vGPU${host.live.length === 1 ? '' : 's'} running on it`;
}

function noSuchType(
  query: string,
  request: PlacementRequest,
  hosts: VgpuHost[],
  types: VgpuType[],
  target: VgpuHost | undefined,
): VgpuctlError {
  // A vendor-VFIO GPU lists only the types that fit now: one running 1 GiB vGPUs hides
  // every other size, so a missing type of the same board is a size clash, not a typo.
  const wanted = parseNvidiaTypeName(query);
  for (const host of target === undefined ? hosts : [target]) {
    if (wanted === undefined || host.mechanism !== 'vendor-vfio') continue;
    const sameBoard = host.live.some(
      (v) => v.typeName !== null && parseNvidiaTypeName(v.typeName)?.board.toLowerCase() === wanted.board.toLowerCase(),
    );
    const sizes = liveFramebufferSizes(host);
    if (sameBoard && sizes.some((fb) => fb !== wanted.framebufferMiB)) {
      return new VgpuctlError(
        'VGPU_SIZE_CONFLICT',
        `Cannot ${request.verb} vGPUs of type "${query}": ${sizeMessage(host, sizes, wanted.framebufferMiB)}`,
        { hint: SIZE_HINT },
      );
    }
  }
  if (target !== undefined) {
    const elsewhere = [...new Set(types.filter((t) => typeMatches(t, query)).map((t) => t.gpu))];
    const own = types.filter((t) => t.gpu === target.gpu);
    const noVfs = target.mechanism === 'vendor-vfio' && target.vfs.length === 0;
    const state = noVfs ? `its SR-IOV VFs are not enabled (0 of ${target.totalVfs})` : `it offers no such type`;
    const hint = noVfs
      ? `Enable VFs first (NVIDIA: /usr/lib/nvidia/sriov-manage -e ${target.gpu}, or write a count to /sys/bus/pci/devices/${target.gpu}/sriov_numvfs); vendor-VFIO types are offered per VF`
      : elsewhere.length > 0
        ? `"${query}" is offered by ${elsewhere.join(', ')}`
        : `Types on ${target.gpu}: ${own.map((t) => (t.name === null ? t.id : `${t.id} (${t.name})`)).join(', ') || 'none'}`;
    return new VgpuctlError(
      'VGPU_TYPE_NOT_FOUND',
      `Cannot ${request.verb} vGPUs of type "${query}" on ${target.gpu}: ${state}`,
      { hint },
    );
  }
  const noVfs = hosts.filter((h) => h.mechanism === 'vendor-vfio' && h.vfs.length === 0).map((h) => h.gpu);
  return new VgpuctlError(
    'VGPU_TYPE_NOT_FOUND',
    `Cannot ${request.verb} vGPUs of type "${query}": no GPU on this host offers it`,
    {
      hint:
        noVfs.length > 0
          ? `Run "vgpuctl types" to see the types offered; vendor-VFIO GPUs ${noVfs.join(', ')} offer theirs only once SR-IOV VFs are enabled`
          : 'Run "vgpuctl types" to see the types offered',
    },
  );
}

function noCapacity(query: string, request: PlacementRequest, offers: Offer[], total: number): VgpuctlError {
  const what = `${request.count} vGPU${request.count === 1 ? '' : 's'} of type "${query}"`;
  const [only] = offers;
  if (offers.length === 1 && only !== undefined) {
    const name = label(only.type);
    if (total === 0) {
      const reason = only.blocked ?? exhaustedMessage(only.host, only.type);
      const sizeClash = reason.includes('cannot be created until') || reason.includes('cannot be defined beside');
      return new VgpuctlError(
        sizeClash ? 'VGPU_SIZE_CONFLICT' : 'VGPU_CAPACITY_EXHAUSTED',
        `Cannot ${request.verb} ${what}: ${reason}`,
        {
          hint: sizeClash
            ? SIZE_HINT
            : 'Remove vGPUs you no longer need ("vgpuctl vgpus" lists them), or choose a smaller type or another GPU',
        },
      );
    }
    return new VgpuctlError(
      'VGPU_CAPACITY_EXHAUSTED',
      `Cannot ${request.verb} ${what} on ${only.host.gpu}: only ${total} instance${total === 1 ? '' : 's'} of ${name} left`,
      {
        hint:
          request.gpu === undefined
            ? `Ask for at most ${total}; no other GPU offers ${name}`
            : `Ask for at most ${total}, or leave out --gpu to spread them over every GPU offering the type`,
      },
    );
  }
  const per = offers.map((o) => `${o.host.gpu}: ${fits(o)}`).join(', ');
  const reasons = offers.filter((o) => o.blocked !== undefined).map((o) => o.blocked);
  return new VgpuctlError(
    total === 0 && reasons.every((r) => r?.includes('cannot be created until'))
      ? 'VGPU_SIZE_CONFLICT'
      : 'VGPU_CAPACITY_EXHAUSTED',
    `Cannot ${request.verb} ${what}: only ${total} instance${total === 1 ? '' : 's'} left across ${offers.length} GPUs (${per})${reasons.length > 0 ? `; ${reasons.join('; ')}` : ''}`,
    { hint: 'Ask for fewer, remove vGPUs you no longer need, or choose a smaller type' },
  );
}
