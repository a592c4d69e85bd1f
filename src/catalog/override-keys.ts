/**
 * The keys vgpu_unlock-rs reads from each `[profile.nvidia-N]`, `[mdev.<uuid>]` and
 * `[vm.<id>]` table of profile_override.toml, with the TOML type it deserialises them to and
 * the vGPU config field it patches (mbilker/vgpu_unlock-rs src/lib.rs:
 * `VgpuProfileOverride` and `apply_profile_override`). docs/profile-overrides.md explains each.
 * Pure data: vgpuctl checks files against it and the emulator applies it.
 */

/** How vgpu_unlock-rs reads a key. */
type OverrideKeyKind =
  /** An unsigned 32-bit integer. */
  | 'u32'
  /** An unsigned 64-bit integer. */
  | 'u64'
  /** A u32 used as a flag (0 or 1). */
  | 'flag'
  /** A byte count: an integer (hex allowed) or a string with a K/M/G/T suffix (binary units). */
  | 'size'
  /** A string copied into a fixed-size NUL-terminated field. */
  | 'string';

export interface OverrideKeySpec {
  kind: OverrideKeyKind;
  /** The vGPU config field patched. */
  field: string;
  /** Longest string in bytes (the field's size minus its NUL). */
  maxBytes?: number;
  doc: string;
}

export const OVERRIDE_KEYS: Readonly<Record<string, OverrideKeySpec>> = {
  gpu_type: { kind: 'u32', field: 'vgpu_type', doc: 'the vGPU type id the profile reports' },
  card_name: {
    kind: 'string',
    field: 'vgpu_name',
    maxBytes: 31,
    doc: 'the type name (sysfs `name`), e.g. "GRID P40-2Q"',
  },
  vgpu_type: {
    kind: 'string',
    field: 'vgpu_class',
    maxBytes: 31,
    doc: 'the class: "NVS" (B), "Quadro" (Q), "Compute" (C)…',
  },
  features: { kind: 'string', field: 'features', maxBytes: 127, doc: 'the licensed feature string' },
  max_instances: { kind: 'u32', field: 'max_instances', doc: 'vGPUs of the type per GPU' },
  num_displays: { kind: 'u32', field: 'num_heads', doc: 'virtual display heads (1–4)' },
  display_width: { kind: 'u32', field: 'max_resolution_x', doc: 'maximum horizontal resolution' },
  display_height: { kind: 'u32', field: 'max_resolution_y', doc: 'maximum vertical resolution' },
  max_pixels: { kind: 'u32', field: 'max_pixels', doc: 'pixels over all heads (width × height for one head)' },
  frl_config: { kind: 'u32', field: 'frl_config', doc: 'frame-rate limit in fps' },
  cuda_enabled: { kind: 'flag', field: 'cuda_enabled', doc: 'CUDA in the guest' },
  ecc_supported: { kind: 'flag', field: 'ecc_supported', doc: 'ECC reported to the guest' },
  mig_instance_size: { kind: 'u32', field: 'mig_instance_size', doc: 'MIG instance size of MIG-backed types' },
  multi_vgpu_supported: { kind: 'flag', field: 'multi_vgpu_supported', doc: 'several vGPUs in one VM' },
  pci_id: { kind: 'u64', field: 'vdev_id', doc: "the vGPU's PCI vendor/device/subsystem ids, packed" },
  pci_device_id: { kind: 'u64', field: 'pdev_id', doc: "the physical GPU's PCI device id the type is for" },
  framebuffer: { kind: 'size', field: 'fb_length', doc: 'framebuffer given to the guest (without the reservation)' },
  mappable_video_size: { kind: 'size', field: 'mappable_video_size', doc: 'BAR-mappable video memory' },
  framebuffer_reservation: { kind: 'size', field: 'fb_reservation', doc: 'framebuffer the host keeps for the vGPU' },
  encoder_capacity: { kind: 'u32', field: 'encoder_capacity', doc: 'NVENC capacity share' },
  bar1_length: { kind: 'u64', field: 'bar1_length', doc: 'BAR1 size' },
  frl_enabled: { kind: 'flag', field: 'frl_enable', doc: 'frame-rate limiter on' },
  adapter_name: { kind: 'string', field: 'adapter_name', maxBytes: 63, doc: 'adapter name shown in the guest' },
  short_gpu_name: { kind: 'string', field: 'short_gpu_name_string', maxBytes: 63, doc: 'short GPU name' },
  license_type: { kind: 'string', field: 'licensed_product_name', maxBytes: 127, doc: 'licensed product name' },
};

/** The tables vgpu_unlock-rs reads, in the order it applies them. */
export const OVERRIDE_TABLES = ['profile', 'mdev', 'vm'] as const;

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** A size value in bytes, or undefined when it is not one. */
export function sizeInBytes(value: unknown): number | undefined {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(value);
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * (UNITS[(m[2] as string).toUpperCase()] ?? 1));
}
