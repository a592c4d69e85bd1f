/**
 * A vGPU type as vgpu_unlock-rs presents it: the base profile with the `[profile.nvidia-N]`
 * overrides applied (mdev and VM tables apply per vGPU, when it starts, not to the type).
 */
import type { VgpuProfile } from './nvidia-profiles.ts';
import { sizeInBytes } from './override-keys.ts';

/** The fields an override can change that `types`/`profiles` show. */
export interface EffectiveFields {
  name: string;
  framebufferMiB: number;
  numHeads: number;
  maxResolution: string;
  maxInstances: number;
  frlConfig: number;
}

/** The `[profile.nvidia-<id>]` table of parsed override values, if any. */
export function profileOverrides(values: Record<string, unknown>, typeId: number): Record<string, unknown> | undefined {
  const profile = values.profile as Record<string, Record<string, unknown>> | undefined;
  return profile?.[`nvidia-${typeId}`];
}

/** Applies overrides to a base profile; fields the overrides do not name stay as they were. */
export function applyOverrides(
  base: Pick<VgpuProfile, 'name' | 'framebufferMiB' | 'numHeads' | 'maxResolution' | 'maxInstances' | 'frlConfig'>,
  overrides: Record<string, unknown> | undefined,
): EffectiveFields & { changed: (keyof EffectiveFields)[] } {
  const out: EffectiveFields = {
    name: base.name,
    framebufferMiB: base.framebufferMiB,
    numHeads: base.numHeads,
    maxResolution: base.maxResolution,
    maxInstances: base.maxInstances,
    frlConfig: base.frlConfig,
  };
  if (overrides === undefined) return { ...out, changed: [] };
  const int = (key: string): number | undefined => {
    const v = overrides[key];
    return typeof v === 'bigint' ? Number(v) : typeof v === 'number' && Number.isInteger(v) ? v : undefined;
  };
  if (typeof overrides.card_name === 'string') out.name = overrides.card_name;
  const fb = sizeInBytes(overrides.framebuffer);
  // The framebuffer a type reports is the guest's part plus the host's reservation.
  if (fb !== undefined)
    out.framebufferMiB = Math.round((fb + (sizeInBytes(overrides.framebuffer_reservation) ?? 0)) / 2 ** 20);
  out.numHeads = int('num_displays') ?? out.numHeads;
  const [w, h] = base.maxResolution.split('x');
  const width = int('display_width') ?? Number(w);
  const height = int('display_height') ?? Number(h);
  out.maxResolution = `${width}x${height}`;
  out.maxInstances = int('max_instances') ?? out.maxInstances;
  out.frlConfig = int('frl_config') ?? out.frlConfig;
  const changed = (Object.keys(out) as (keyof EffectiveFields)[]).filter((k) => out[k] !== base[k]);
  return { ...out, changed };
}
