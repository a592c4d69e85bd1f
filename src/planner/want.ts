/**
 * What a user wants placed: `--want "T4-1B:10,L40S-4Q:6,passthrough:1"`. Each entry is
 * `<profile>:<count>`, optionally `@numa=<node>` to prefer GPUs on that NUMA node.
 */
import { profileByName, type VgpuProfile } from '../catalog/index.ts';
import { VgpuctlError } from '../core/errors.ts';
import { clip } from '../core/pci-address.ts';

/** One entry of a request. */
export interface Want {
  /** A catalog profile (`T4-1B`) or `passthrough` (a whole GPU). */
  profile: string;
  count: number;
  /** Preferred NUMA node; GPUs elsewhere are used when the node has no room. */
  numaNode: number | null;
}

/** A want with its profile looked up in the catalog. */
export type ResolvedWant = Want & { resolved: VgpuProfile | 'passthrough' };

/** The largest count one entry may ask for. */
const MAX_WANT_COUNT = 1_000_000;

const ENTRY = /^([A-Za-z][A-Za-z0-9 -]*?):(\d+)(?:@numa=(\d{1,2}))?$/;

/** Parses `--want`; throws WANT_INVALID naming the bad entry. */
export function parseWants(text: string): Want[] {
  const entries = text.split(',').map((e) => e.trim());
  if (text.trim() === '' || entries.some((e) => e === '')) {
    throw invalid(text, 'expected comma-separated <profile>:<count> entries');
  }
  return entries.map((entry, index) => {
    const m = ENTRY.exec(entry);
    if (m === null) throw invalid(entry, `entry ${index + 1} is not <profile>:<count>[@numa=<node>]`);
    const count = Number.parseInt(m[2] as string, 10);
    if (count < 1 || count > MAX_WANT_COUNT) {
      throw invalid(entry, `the count must be between 1 and ${MAX_WANT_COUNT}`);
    }
    return {
      profile: (m[1] as string).trim(),
      count,
      numaNode: m[3] === undefined ? null : Number.parseInt(m[3], 10),
    };
  });
}

/** Looks each want's profile up in the catalog; throws PROFILE_NOT_FOUND for an unknown one. */
export function resolveWants(wants: readonly Want[]): ResolvedWant[] {
  return wants.map((want) => {
    if (want.profile.toLowerCase() === 'passthrough')
      return { ...want, profile: 'passthrough', resolved: 'passthrough' };
    const profile = profileByName(want.profile);
    if (profile === undefined) {
      throw new VgpuctlError(
        'PROFILE_NOT_FOUND',
        `Cannot plan "${clip(want.profile, 40)}": no such vGPU profile in the catalog`,
        {
          hint: 'Run "vgpuctl profiles" for the profiles of this host, or "vgpuctl profiles --gpu <board>" for a board',
        },
      );
    }
    return { ...want, profile: profile.short, resolved: profile };
  });
}

function invalid(entry: string, why: string): VgpuctlError {
  return new VgpuctlError('WANT_INVALID', `Cannot read --want "${clip(entry, 60)}": ${why}`, {
    hint: 'Write it as --want "T4-1B:10,L40S-4Q:6,passthrough:1" (optionally T4-1B:10@numa=0)',
  });
}
