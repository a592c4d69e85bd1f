/**
 * NVIDIA's vGPU type names. Sysfs prints `[GRID|NVIDIA] <board>-<profile>` (NVIDIA/go-nvlib
 * pkg/nvmdev splits on the first space); the profile is `<GB><series>[heads]` for
 * time-sliced types (`T4-1B`, `T4-2B4`, `L40S-48Q`; `M60-0Q` is 512 MiB) or
 * `<slices>-<GB><series>[ME|NOME|MEALL|GFX]` for MIG-backed ones (`A100-1-5C`,
 * `A100-1-5CME`), as NVIDIA/vgpu-device-manager's pkg/types parses them.
 */

/** A (virtual applications), B (virtual PC), C (compute), Q (virtual workstation). */
export type ProfileClass = 'A' | 'B' | 'C' | 'Q';

/** What a type name states. */
export interface ProfileName {
  /** `GRID`, `NVIDIA`, or null when the name has no prefix. */
  prefix: 'GRID' | 'NVIDIA' | null;
  /** The name without its prefix: `T4-1B`. */
  short: string;
  board: string;
  /** GPU-instance slices of a MIG-backed type; null when time-sliced. */
  migSlices: number | null;
  framebufferMiB: number;
  class: ProfileClass;
  /** `ME`, `NOME`, `MEALL`, `GFX` (MIG-backed) or a head count (`2B4`); '' when none. */
  suffix: string;
}

const PREFIX = /^(GRID|NVIDIA) (?=\S)/;
// Board: letters and digits, starting with a letter (T4, L40S, RTXA5500, A100X, H200X).
const SHORT = /^([A-Z][A-Z0-9]*)-(?:([1-9]\d?)-)?(0|[1-9]\d{0,2})([ABCQ])(ME|NOME|MEALL|GFX|[1-9])?$/;

/** Parses an NVIDIA vGPU type name; undefined when it does not follow the grammar. */
export function parseProfileName(name: string): ProfileName | undefined {
  const prefixMatch = PREFIX.exec(name);
  const short = prefixMatch === null ? name : name.slice(prefixMatch[0].length);
  const m = SHORT.exec(short);
  if (m === null) return undefined;
  const [, board, slices, gb, cls, suffix = ''] = m as unknown as [
    string,
    string,
    string | undefined,
    string,
    ProfileClass,
    string | undefined,
  ];
  const mig = slices !== undefined;
  // MIG suffixes only on MIG-backed types; a head-count suffix only on time-sliced ones.
  if (suffix !== '' && /^\d$/.test(suffix) === mig) return undefined;
  const gib = Number.parseInt(gb, 10);
  return {
    prefix: (prefixMatch?.[1] as 'GRID' | 'NVIDIA' | undefined) ?? null,
    short,
    board,
    migSlices: mig ? Number.parseInt(slices, 10) : null,
    // NVIDIA's "0" profiles (M60-0Q, M10-0B) have 512 MiB.
    framebufferMiB: gib === 0 ? 512 : gib * 1024,
    class: cls,
    suffix,
  };
}

/** A name without its `GRID `/`NVIDIA ` prefix (`GRID T4-1B` → `T4-1B`). */
export function shortProfileName(name: string): string {
  return name.trim().replace(PREFIX, '');
}
