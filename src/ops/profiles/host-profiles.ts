/**
 * The vGPU profiles each NVIDIA GPU of a host offers: the catalog's table for the GPU's board
 * (by PCI device id, or — for a card that vgpu_unlock-rs presents as another board — by the
 * type ids the host advertises), or the host's own vgpuConfig.xml when it has one, with the
 * framebuffer a guest sees with ECC on and which values are estimates.
 */
import {
  applyOverrides,
  type BoardProfiles,
  boardByDeviceId,
  boardOfTypeId,
  type EffectiveFields,
  estimatedFields,
  framebufferWithEcc,
  type ProfileField,
  profileOverrides,
  type VgpuProfile,
} from '../../catalog/index.ts';
import type { Gpu, Inventory } from '../../discovery/inventory.ts';
import type { VgpuConfigType } from '../../formats/vgpu-config-xml.ts';
import { listVgpuTypes } from '../vgpu/list-types.ts';

/** One profile as `vgpuctl profiles` shows it. */
export interface HostProfile {
  id: number;
  name: string;
  short: string;
  class: string;
  framebufferMiB: number;
  /** What a guest sees with ECC on; `eccEstimate` when no document states it. */
  eccFramebufferMiB: number;
  eccEstimate: boolean;
  numHeads: number;
  maxResolution: string;
  maxInstances: number;
  frlConfig: number;
  migSlices: number | null;
  /** `catalog`, or `vgpuConfig.xml` when the host's file gave the values. */
  from: 'catalog' | 'vgpuConfig.xml';
  /** Fields whose values nobody published (shown with `~`). */
  estimates: ProfileField[];
  /** Whether the host advertises the type now (sysfs); null when it offers none yet (no VFs). */
  offered: boolean | null;
  /** Instances creatable now, as the host says; null when unknown. */
  available: number | null;
  /** Fields a vgpu_unlock-rs `[profile.nvidia-<id>]` override changes (values shown are the overridden ones). */
  overridden: (keyof EffectiveFields)[];
}

/** The profiles of one GPU. */
export interface GpuProfiles {
  gpu: string;
  name: string;
  board: string;
  marketingName: string;
  /** How the board was found: its PCI device id, or the types it advertises (an unlocked consumer card). */
  matchedBy: 'device-id' | 'advertised-types';
  memory: 'GDDR' | 'HBM';
  mechanism: BoardProfiles['mechanism'];
  profiles: HostProfile[];
}

/** The profiles of every NVIDIA GPU of `inventory` the catalog knows (or `gpu` only). */
export function hostProfiles(
  inventory: Inventory,
  options: {
    gpu?: string | undefined;
    vgpuConfig?: readonly VgpuConfigType[] | undefined;
    /** vgpu_unlock-rs's profile_override.toml values, applied to the profiles. */
    overrides?: Record<string, unknown> | undefined;
  } = {},
): GpuProfiles[] {
  const types = listVgpuTypes(inventory);
  const out: GpuProfiles[] = [];
  for (const gpu of inventory.gpus) {
    if (gpu.vendor.id !== '10de') continue;
    if (options.gpu !== undefined && gpu.address !== options.gpu) continue;
    const advertised = types.filter((t) => t.gpu === gpu.address && t.nvidiaTypeId !== null);
    const found = boardOf(
      gpu,
      advertised.map((t) => t.nvidiaTypeId as number),
    );
    if (found === undefined) continue;
    const { board, matchedBy } = found;
    const fromFile = new Map(
      (options.vgpuConfig ?? [])
        .filter((t) => t.deviceIds.length === 0 || t.deviceIds.includes(Number.parseInt(gpu.device.id, 16)))
        .map((t) => [t.id, t]),
    );
    out.push({
      gpu: gpu.address,
      name: gpu.name,
      board: board.board,
      marketingName: board.marketingName,
      matchedBy,
      memory: board.memory,
      mechanism: board.mechanism,
      profiles: board.types.map((profile) => {
        const seen = advertised.find((t) => t.nvidiaTypeId === profile.id);
        return toHostProfile(
          board,
          profile,
          fromFile.get(profile.id),
          advertised.length === 0 ? null : seen !== undefined,
          seen?.availableInstances ?? null,
          options.overrides,
        );
      }),
    });
  }
  return out;
}

function boardOf(
  gpu: Gpu,
  advertisedIds: number[],
): { board: BoardProfiles; matchedBy: GpuProfiles['matchedBy'] } | undefined {
  // A spoofed card (vgpu_unlock-rs) advertises another board's types: those win.
  const byTypes = advertisedIds.map((id) => boardOfTypeId(id)).find((b) => b !== undefined);
  const byDevice = boardByDeviceId(Number.parseInt(gpu.device.id, 16));
  if (byTypes !== undefined && byTypes !== byDevice) return { board: byTypes, matchedBy: 'advertised-types' };
  if (byDevice !== undefined) return { board: byDevice, matchedBy: 'device-id' };
  return undefined;
}

function toHostProfile(
  board: BoardProfiles,
  profile: VgpuProfile,
  file: VgpuConfigType | undefined,
  offered: boolean | null,
  available: number | null,
  overrides: Record<string, unknown> | undefined,
): HostProfile {
  const base = {
    name: file?.name ?? profile.name,
    framebufferMiB: file?.framebufferMiB ?? profile.framebufferMiB,
    numHeads: file?.numHeads ?? profile.numHeads,
    maxResolution: file?.maxResolution ?? profile.maxResolution,
    maxInstances: file?.maxInstances ?? profile.maxInstances,
    frlConfig: file?.frlConfig ?? profile.frlConfig,
  };
  const effective = applyOverrides(base, overrides === undefined ? undefined : profileOverrides(overrides, profile.id));
  const ecc = framebufferWithEcc(board, effective.framebufferMiB);
  return {
    id: profile.id,
    name: effective.name,
    short: profile.short,
    class: file?.class ?? profile.class,
    framebufferMiB: effective.framebufferMiB,
    eccFramebufferMiB: ecc.mib,
    eccEstimate: ecc.estimate,
    numHeads: effective.numHeads,
    maxResolution: effective.maxResolution,
    maxInstances: effective.maxInstances,
    frlConfig: effective.frlConfig,
    migSlices: profile.migSlices,
    from: file === undefined ? 'catalog' : 'vgpuConfig.xml',
    // The host's own file states its values: nothing left to estimate.
    estimates: file === undefined ? estimatedFields(profile) : [],
    offered,
    available,
    overridden: effective.changed,
  };
}
