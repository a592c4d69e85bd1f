/**
 * The public documents the catalog's values come from. Every profile value names one of
 * these; a value no public document states is marked `estimate` and shown as such.
 */

/** Where a catalog value comes from. */
export const SOURCES = {
  'vgpu-user-guide-types': {
    title: 'NVIDIA Virtual GPU Software User Guide',
    section: 'Virtual GPU Types for Supported GPUs (per-board tables: frame buffer, heads, resolution, vGPUs per GPU)',
  },
  'vgpu-user-guide-frl': {
    title: 'NVIDIA Virtual GPU Software User Guide',
    section: 'Frame Rate Limiter (FRL): 45 fps for B-series, 60 fps for other series',
  },
  'vgpu-user-guide-ecc': {
    title: 'NVIDIA Virtual GPU Software User Guide',
    section: 'Disabling and Enabling ECC Memory (ECC reduces the frame buffer available on GDDR boards)',
  },
  'vgpu-user-guide-mixed-size': {
    title: 'NVIDIA Virtual GPU Software User Guide',
    section:
      'Putting a GPU Into Mixed-Size Mode; Homogeneous and Mixed-Size vGPU Configurations; Placement IDs (vendor-specific VFIO)',
  },
  'vgpu-user-guide-mig': {
    title: 'NVIDIA Virtual GPU Software User Guide',
    section: 'MIG-Backed vGPU Types (profile <slices>-<GB><series>, ME suffix: media extensions)',
  },
  'mdev-description': {
    title: 'NVIDIA vGPU host driver sysfs',
    section:
      'mdev_supported_types/<type>/description: "num_heads=…, frl_config=…, framebuffer=…M, max_resolution=…, max_instance=…" (public mdevctl types captures)',
  },
  'creatable-vgpu-types': {
    title: 'NVIDIA vGPU host driver sysfs (vGPU 17+)',
    section:
      'VF nvidia/creatable_vgpu_types "<id> : <name>" rows, as NVIDIA/vgpu-device-manager pkg/vgpu/vfio reads them (public captures)',
  },
  'vgpu-device-manager-grammar': {
    title: 'NVIDIA/vgpu-device-manager',
    section: 'pkg/types: vGPU type grammar <GPU>-<GB><A|B|C|Q> and MIG-backed <GPU>-<G>-<GB><C>[ME|NOME|MEALL|GFX]',
  },
  'vgpu-unlock-capture': {
    title: "vgpu_unlock-rs users' mdevctl captures",
    section: 'GeForce cards spoofed as RTX A5500 by vgpu_unlock-rs list nvidia-760 "NVIDIA RTXA5500-1B" and up',
  },
  'pci-ids': {
    title: 'PCI ID Repository (pci.ids)',
    section: 'vendor 10de device ids of the boards',
  },
} as const;

export type SourceId = keyof typeof SOURCES;

/** Where one value came from, and whether a public document states it. */
export interface Provenance {
  readonly source: SourceId;
  /** True when no public document states the value: it is derived or assumed, and shown as an estimate. */
  readonly estimate: boolean;
  readonly note?: string;
}
