/**
 * NVIDIA's vGPU type names: `[GRID|NVIDIA] <board>-<profile>` (NVIDIA/go-nvlib
 * pkg/nvmdev: split on the first space), profile `<GB><series>[suffix]` for time-sliced
 * types (`T4-1B`, `T4-2B4`, `L40S-48Q`, `M60-0Q` = 512 MiB) or `<slices>-<GB><series>[suffix]`
 * for MIG-backed ones (`A100-1-5CME`, `H200X-1-18C`), as NVIDIA vgpu-device-manager parses them.
 */

/** What a type name states. */
export interface NvidiaTypeName {
  /** The name without its `GRID `/`NVIDIA ` prefix: `T4-1B`. */
  short: string;
  board: string;
  /** GPU-instance slices of a MIG-backed type; null when time-sliced. */
  migSlices: number | null;
  framebufferMiB: number;
  /** A (virtual apps), B (virtual PC), C (compute), Q (workstation). */
  series: string;
}

const NAME = /^(?:(?:GRID|NVIDIA)\s+)?(\S+?)-(?:(\d+)-)?(\d+)([A-Z])([A-Z0-9]*)$/;

/** Parses an NVIDIA vGPU type name; undefined when it does not follow the grammar. */
export function parseNvidiaTypeName(name: string): NvidiaTypeName | undefined {
  const m = NAME.exec(name.trim());
  if (m === null) return undefined;
  const [, board, slices, gb, series] = m as unknown as [string, string, string | undefined, string, string];
  const gib = Number.parseInt(gb, 10);
  return {
    short: name.trim().replace(/^(GRID|NVIDIA)\s+/, ''),
    board,
    migSlices: slices === undefined ? null : Number.parseInt(slices, 10),
    // NVIDIA's "0" profiles (M60-0Q, M10-0B) have 512 MiB.
    framebufferMiB: gib === 0 ? 512 : gib * 1024,
    series,
  };
}

/** A name without NVIDIA's `GRID `/`NVIDIA ` prefix (`GRID T4-1B` → `T4-1B`). */
export function shortTypeName(name: string): string {
  return name.trim().replace(/^(GRID|NVIDIA)\s+/, '');
}
