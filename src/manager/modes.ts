/**
 * The ways vgpuctl can give a VM a GPU, best first (seed 002): the whole GPU, an SR-IOV VF,
 * a mediated device or NVIDIA vendor-VFIO vGPU, and a software GPU that runs anywhere.
 */
import { VgpuctlError } from '../core/errors.ts';
import { clip } from '../core/pci-address.ts';

/** Every mode, highest priority first. */
export const GPU_MODES = ['passthrough', 'sriov', 'mdev', 'software'] as const;

/** A way to give a VM a GPU. */
export type GpuMode = (typeof GPU_MODES)[number];

/** Priority of each mode: higher is preferred (passthrough 4 … software 1). */
export const MODE_PRIORITY: Readonly<Record<GpuMode, number>> = { passthrough: 4, sriov: 3, mdev: 2, software: 1 };

/** One line per mode, for help texts and listings. */
const MODE_DESCRIPTIONS: Readonly<Record<GpuMode, string>> = {
  passthrough: 'the whole GPU (and its IOMMU group) through vfio-pci',
  sriov: 'an SR-IOV virtual function through vfio-pci',
  mdev: 'a mediated device or NVIDIA vendor-VFIO vGPU (shares the GPU)',
  software: 'virtio-gpu: virgl/venus on a host render node, or plain 2D',
};

/**
 * Other names users type for a mode: VM tools built on the WGPU library call their software GPU mode `wgpu`
 * (`--gpu-mode wgpu`), which is what `software` is here.
 */
const GPU_MODE_ALIASES: Readonly<Record<string, GpuMode>> = { wgpu: 'software' };

/** True when `text` names a mode. */
function isGpuMode(text: string): text is GpuMode {
  return (GPU_MODES as readonly string[]).includes(text);
}

/**
 * Parses a mode a user typed (`--gpu-mode`, `--prefer`); `auto` only where `allowAuto`.
 *
 * @example
 * parseGpuMode('mdev'); // 'mdev'
 */
export function parseGpuMode(text: string, options: { allowAuto: true; option?: string }): GpuMode | 'auto';
export function parseGpuMode(text: string, options?: { allowAuto?: false; option?: string }): GpuMode;
export function parseGpuMode(text: string, options: { allowAuto?: boolean; option?: string } = {}): GpuMode | 'auto' {
  const value = text.trim().toLowerCase();
  if (isGpuMode(value)) return value;
  const alias = GPU_MODE_ALIASES[value];
  if (alias !== undefined) return alias;
  if (value === 'auto' && options.allowAuto === true) return 'auto';
  const choices = [...(options.allowAuto === true ? ['auto'] : []), ...GPU_MODES];
  throw new VgpuctlError(
    'INVALID_ARGUMENT',
    `Cannot use GPU mode "${clip(text)}": it is not one of ${choices.join(', ')}`,
    {
      hint: `Modes: ${GPU_MODES.map((m) => `${m} (${MODE_DESCRIPTIONS[m]})`).join('; ')}`,
    },
  );
}

/** Modes below `mode`, best first: where a preference falls back to. */
export function modesBelow(mode: GpuMode): GpuMode[] {
  return GPU_MODES.slice(GPU_MODES.indexOf(mode) + 1);
}
