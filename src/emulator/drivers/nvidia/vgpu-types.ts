/**
 * NVIDIA vGPU types as the host driver advertises them: `nvidia-<id>` with a name such as
 * `GRID T4-1B` and a description `num_heads=4, frl_config=45, framebuffer=1024M, …`.
 */

/** One NVIDIA vGPU type. */
export interface NvidiaVgpuType {
  /** NVIDIA's numeric type id (`nvidia-<id>` in mdev, `<id>` in creatable_vgpu_types). */
  readonly id: number;
  /** e.g. `GRID T4-1B`, `NVIDIA L40S-4Q`. */
  readonly name: string;
  readonly framebufferMiB: number;
  readonly maxInstances: number;
  readonly numHeads: number;
  /** Frame-rate limiter: 45 for B-series, 60 otherwise. */
  readonly frlConfig: number;
  readonly maxResolution: string;
}

/**
 * The mdev `description` exactly as NVIDIA prints it (captures in kernel-semantics.md §6.1):
 * `num_heads=4, frl_config=60, framebuffer=2048M, max_resolution=7680x4320, max_instance=8`.
 */
export function describeVgpuType(type: NvidiaVgpuType): string {
  return (
    `num_heads=${type.numHeads}, frl_config=${type.frlConfig}, framebuffer=${type.framebufferMiB}M, ` +
    `max_resolution=${type.maxResolution}, max_instance=${type.maxInstances}`
  );
}

/**
 * Builds a board's types from `[id, profile]` rows, profile = `<GiB><series>[4]` such as
 * `1B`, `2B4`, `4Q`, `8A`, `16C`. Heads, frame-rate limit and resolution follow NVIDIA's
 * per-series rules (vGPU user guide tables): B 4 heads/45 fps/5120x2880; Q 4 heads/60 fps,
 * 5120x2880 at 1 GiB else 7680x4320; A 1 head/60 fps/1280x1024; C 1 head/60 fps/4096x2160.
 */
export function buildTypes(
  prefix: 'GRID' | 'NVIDIA',
  board: string,
  totalGiB: number,
  rows: readonly (readonly [number, string])[],
  maxInstancesCap = Number.POSITIVE_INFINITY,
): NvidiaVgpuType[] {
  return rows.map(([id, profile]) => {
    const match = /^(\d+)([ABCQ])/.exec(profile);
    if (match === null) throw new Error(`bad vGPU profile ${profile}`);
    const gib = Number(match[1]);
    const series = match[2] as 'A' | 'B' | 'C' | 'Q';
    const multiHead = series === 'B' || series === 'Q';
    return {
      id,
      name: `${prefix} ${board}-${profile}`,
      framebufferMiB: gib * 1024,
      maxInstances: Math.min(Math.floor(totalGiB / gib), maxInstancesCap),
      numHeads: multiHead ? 4 : 1,
      frlConfig: series === 'B' ? 45 : 60,
      maxResolution:
        series === 'A'
          ? '1280x1024'
          : series === 'C'
            ? '4096x2160'
            : series === 'B' || gib === 1
              ? '5120x2880'
              : '7680x4320',
    };
  });
}
