/**
 * Choosing a candidate (seed 002 `auto_select`, `select_by_mode`, `select_by_index`,
 * preferred mode with fallback). Pure: a candidate list and a request in, a selection or a
 * coded error listing what is available instead out.
 */
import { VgpuctlError } from '../core/errors.ts';
import { clip, parsePciAddress } from '../core/pci-address.ts';
import { typeMatches } from '../ops/vgpu/resolve.ts';
import { nvidiaTypeNumber } from '../ops/vgpu/vgpu-hosts.ts';
import type { Candidate } from './candidate.ts';
import { GPU_MODES, type GpuMode, modesBelow } from './modes.ts';

/** What to select. Everything is optional: an empty request auto-selects the best candidate. */
export interface SelectRequest {
  /** `auto` (default): the best available mode; a mode: only that mode (no fallback). */
  mode?: GpuMode | 'auto';
  /** Try this mode first, then (with `fallback`) the modes below it. */
  prefer?: GpuMode;
  /** Whether a preference falls back to lower modes (default true). */
  fallback?: boolean;
  /** A GPU (PCI address), one of its VFs, an mdev parent name (`nvidia`) or a render node (`renderD128`). */
  device?: string;
  /** An mdev/vGPU type: id (`nvidia-222`), number (`222`) or name (`GRID T4-1B`, `T4-1B`). */
  mdevType?: string;
  /** A position in the candidate list; excludes every other field. */
  index?: number;
}

/** How a selection came about. */
export type SelectionReason = 'auto' | 'mode' | 'preferred' | 'fallback' | 'index';

/** The chosen candidate and the modes passed over on the way. */
export interface Selection {
  candidate: Candidate;
  how: SelectionReason;
  /** Modes tried before the chosen one, each with why none of its candidates would do. */
  skipped: { mode: GpuMode; reasons: string[] }[];
}

/** "#4 mdev GRID T4-1B on NVIDIA Tesla T4". */
function describeCandidate(candidate: Candidate): string {
  return `#${candidate.index} ${candidate.mode} ${candidate.label}`;
}

/**
 * Selects a candidate. Throws INVALID_ARGUMENT / USAGE for contradictory requests,
 * DEVICE_NOT_FOUND or VGPU_TYPE_NOT_FOUND for names no candidate has, and
 * GPU_MODE_UNAVAILABLE — with every reason and the available alternatives — when nothing
 * requested is possible.
 *
 * @example
 * const { candidate } = selectCandidate(scanCandidates(inventory), { prefer: 'passthrough' });
 */
export function selectCandidate(candidates: readonly Candidate[], request: SelectRequest = {}): Selection {
  if (request.index !== undefined) return selectByIndex(candidates, request);
  const mode = request.mode ?? 'auto';
  if (mode !== 'auto' && request.prefer !== undefined) {
    throw new VgpuctlError(
      'USAGE',
      `Cannot select with both --gpu-mode ${mode} and --prefer ${request.prefer}: choose one`,
      {
        hint: '--gpu-mode MODE takes only that mode; --prefer MODE tries it first and falls back to the modes below it',
      },
    );
  }
  if (request.fallback === false && request.prefer === undefined && mode === 'auto') {
    throw new VgpuctlError('USAGE', 'Cannot use --no-fallback without --prefer: there is no preference to hold to', {
      hint: 'Add --prefer MODE, or use --gpu-mode MODE to allow only that mode',
    });
  }
  if (request.mdevType !== undefined && mode !== 'auto' && mode !== 'mdev') {
    throw new VgpuctlError('USAGE', `Cannot use --mdev-type with --gpu-mode ${mode}: types belong to mode mdev`, {
      hint: 'Use --gpu-mode mdev (or leave --gpu-mode out) with --mdev-type',
    });
  }

  const matchesDevice = deviceFilter(candidates, request.device);
  const matchesType = typeFilter(candidates, request.mdevType);
  const wanted = (c: Candidate) => matchesDevice(c) && (c.mode !== 'mdev' || matchesType(c));

  // A type alone means mode mdev: it names nothing in any other mode.
  const effective: GpuMode | 'auto' =
    mode === 'auto' && request.mdevType !== undefined && request.prefer === undefined ? 'mdev' : mode;
  const order: GpuMode[] =
    effective !== 'auto'
      ? [effective]
      : request.prefer !== undefined
        ? [request.prefer, ...(request.fallback === false ? [] : modesBelow(request.prefer))]
        : [...GPU_MODES];
  const first: SelectionReason = effective !== 'auto' ? 'mode' : request.prefer !== undefined ? 'preferred' : 'auto';

  const skipped: Selection['skipped'] = [];
  for (const [i, m] of order.entries()) {
    const ofMode = candidates.filter((c) => c.mode === m && wanted(c));
    const chosen = ofMode.find((c) => c.available);
    if (chosen !== undefined) {
      return { candidate: chosen, how: i === 0 || first === 'auto' ? first : 'fallback', skipped };
    }
    skipped.push({ mode: m, reasons: reasonsOf(ofMode, m) });
  }
  throw unavailableError(candidates, request, order, skipped, wanted);
}

function selectByIndex(candidates: readonly Candidate[], request: SelectRequest): Selection {
  const { index } = request;
  const others = (['mode', 'prefer', 'device', 'mdevType'] as const).filter(
    (k) => request[k] !== undefined && request[k] !== 'auto',
  );
  if (others.length > 0) {
    throw new VgpuctlError(
      'USAGE',
      `Cannot select by index together with ${others.join(', ')}: an index names one candidate`,
      {
        hint: 'Give either --index N or the mode and device options',
      },
    );
  }
  const candidate = index === undefined || !Number.isInteger(index) ? undefined : candidates[index];
  if (candidate === undefined) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot select candidate #${index}: there are ${candidates.length} candidates (#0 to #${candidates.length - 1})`,
      {
        hint: 'Run "vgpuctl select --list" to see them',
      },
    );
  }
  if (!candidate.available) {
    throw new VgpuctlError(
      'GPU_MODE_UNAVAILABLE',
      `Cannot select candidate ${describeCandidate(candidate)}: ${candidate.reasons.join('; ')}`,
      { hint: alternativesHint(candidates, () => true), details: { candidate } },
    );
  }
  return { candidate, how: 'index', skipped: [] };
}

/** A device filter: which candidates use `device`. Throws DEVICE_NOT_FOUND when none does. */
export function deviceFilter(candidates: readonly Candidate[], device: string | undefined): (c: Candidate) => boolean {
  if (device === undefined) return () => true;
  const text = device.trim();
  const name = /^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(text) ? parsePciAddress(text) : text;
  const uses = (c: Candidate): boolean => {
    const t = c.target;
    if (c.device === name) return true;
    if (t.kind === 'sriov') return t.vf === name;
    if (t.kind === 'software') return t.renderNode === name || t.renderNode === `/dev/dri/${name}`;
    return false;
  };
  if (!candidates.some(uses)) {
    const known = [...new Set(candidates.map((c) => c.device).filter((d): d is string => d !== null))];
    throw new VgpuctlError(
      'DEVICE_NOT_FOUND',
      `Cannot select GPU "${clip(text)}": no GPU, VF, mdev parent or render node of that name`,
      {
        hint:
          known.length === 0
            ? 'This host has no GPU; only the software GPU is possible'
            : `Devices on this host: ${known.join(', ')}`,
      },
    );
  }
  return uses;
}

/** A type filter for mdev candidates. Throws VGPU_TYPE_NOT_FOUND when no candidate has the type. */
function typeFilter(candidates: readonly Candidate[], type: string | undefined): (c: Candidate) => boolean {
  if (type === undefined) return () => true;
  const matches = (c: Candidate): boolean =>
    c.target.kind === 'mdev' &&
    c.target.typeId !== '' &&
    typeMatches(
      { id: c.target.typeId, nvidiaTypeId: nvidiaTypeNumber(c.target.typeId), name: c.target.typeName },
      type,
    );
  if (!candidates.some(matches)) {
    const types = [
      ...new Set(
        candidates.flatMap((c) =>
          c.target.kind === 'mdev' && c.target.typeId !== '' ? [c.target.typeName ?? c.target.typeId] : [],
        ),
      ),
    ];
    throw new VgpuctlError(
      'VGPU_TYPE_NOT_FOUND',
      `Cannot select vGPU type "${clip(type)}": no GPU on this host offers it`,
      {
        hint: types.length === 0 ? 'No GPU on this host offers vGPU types' : `Types on this host: ${types.join(', ')}`,
      },
    );
  }
  return matches;
}

function reasonsOf(ofMode: readonly Candidate[], mode: GpuMode): string[] {
  if (ofMode.length === 0) return [`no ${mode} candidate matches the device or type asked for`];
  return ofMode.map((c) => {
    const reasons = c.reasons.join('; ');
    // Placeholders and the 2D software GPU use no device: their reasons stand alone.
    return c.device === null || reasons.startsWith(c.device) ? reasons : `${c.device}: ${reasons}`;
  });
}

function alternativesHint(candidates: readonly Candidate[], preferred: (c: Candidate) => boolean): string {
  // The best available candidate of each mode, on the requested device where there is one.
  const best = GPU_MODES.map(
    (m) =>
      candidates.find((c) => c.mode === m && c.available && preferred(c)) ??
      candidates.find((c) => c.mode === m && c.available),
  ).filter((c): c is Candidate => c !== undefined);
  return best.length === 0
    ? 'Nothing is available on this host; "vgpuctl select --list" shows every candidate and why'
    : `Available instead: ${best.map(describeCandidate).join(', ')} ("vgpuctl select --list" shows all)`;
}

function unavailableError(
  candidates: readonly Candidate[],
  request: SelectRequest,
  order: readonly GpuMode[],
  skipped: Selection['skipped'],
  wanted: (c: Candidate) => boolean,
): VgpuctlError {
  const what = order.length === 1 ? `mode "${order[0]}"` : `modes ${order.map((m) => `"${m}"`).join(', ')}`;
  const on = request.device === undefined ? '' : ` on "${clip(request.device.trim())}"`;
  const type = request.mdevType === undefined ? '' : ` with type "${clip(request.mdevType)}"`;
  const reasons = skipped.flatMap((s) => s.reasons.map((r) => (order.length === 1 ? r : `${s.mode}: ${r}`)));
  const shown = reasons.slice(0, 3).join('; ') + (reasons.length > 3 ? `; and ${reasons.length - 3} more` : '');
  return new VgpuctlError('GPU_MODE_UNAVAILABLE', `Cannot select a GPU in ${what}${on}${type}: ${shown}`, {
    hint: alternativesHint(candidates, wanted),
    details: { skipped },
  });
}
