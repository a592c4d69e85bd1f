/**
 * Candidates: every way this host could give a VM a GPU, with its verdict. An unavailable
 * candidate says why in `reasons`, so a user sees what to change, not just "no".
 */
import type { Gpu } from '../discovery/inventory.ts';
import type { GpuMode } from './modes.ts';

/** The OpenGL (virgl), Vulkan (venus) or unaccelerated (2d) flavour of virtio-gpu. */
export type SoftwareApi = 'virgl' | 'venus' | '2d';

/** What initializing a candidate works on, per mode. */
export type CandidateTarget =
  | {
      kind: 'passthrough';
      /** The GPU's address (the primary function). */
      gpu: string;
      groupId: number | null;
      /** Every endpoint of the IOMMU group, GPU first: they go to the VM together. */
      functions: string[];
      /** Functions not yet on vfio-pci. */
      toBind: string[];
    }
  | {
      kind: 'sriov';
      /** The physical function. */
      pf: string;
      /** The VF the VM gets: a free one, or the first one enabling VFs will create; null when unknown. */
      vf: string | null;
      /** VFs to enable first (sriov_numvfs), or null when VFs are enabled already. */
      enableVfs: number | null;
      /** Whether the VF must be bound to vfio-pci. */
      bind: boolean;
    }
  | {
      kind: 'mdev';
      /** The GPU's address, or the mdev parent's name when it is not a PCI GPU (`nvidia`, `mdpy`). */
      gpu: string;
      /** mdev (a UUID under /sys/bus/mdev/devices) or NVIDIA vendor-VFIO (a VF with a vGPU type). */
      mechanism: 'mdev' | 'vendor-vfio';
      typeId: string;
      typeName: string | null;
      framebufferMiB: number | null;
      availableInstances: number | null;
      /** PCI vendor of the GPU (null for virtual parents other than NVIDIA's fake). */
      vendorId: string | null;
      /** NVIDIA's vGPU manager: needs the VM UUID on the command line. */
      nvidia: boolean;
      /** Whether the type has a display (NVIDIA C-series compute profiles have none). */
      display: boolean;
    }
  | {
      kind: 'software';
      api: SoftwareApi;
      /** `/dev/dri/renderD128`; null for 2D. */
      renderNode: string | null;
      /** The GPU behind the render node, when it is a PCI device. */
      gpu: string | null;
      driver: string | null;
      /** virtio-gpu's host-memory budget: the "virtual VRAM" in system memory. */
      hostMemoryMiB: number;
    };

/** One way to give a VM a GPU, and whether it is possible now. */
export interface Candidate {
  /** Position in the candidate list: what `selectByIndex` and `select --list` use. */
  index: number;
  mode: GpuMode;
  /** The mode's priority (4 passthrough … 1 software); higher is preferred. */
  priority: number;
  /** What it uses: a GPU's PCI address, an mdev parent name, or null (the plain 2D software GPU). */
  device: string | null;
  /** One line for people: "NVIDIA GeForce RTX 4070 with 0000:01:00.1", "GRID T4-1B on NVIDIA Tesla T4". */
  label: string;
  available: boolean;
  /** Why it is unavailable; empty when available. */
  reasons: string[];
  /** What is worth knowing when it is chosen (a GPU already on vfio-pci, a slow TCG guest…). */
  notes: string[];
  target: CandidateTarget;
}

/** A candidate before the list gives it an index, with its order within its mode. */
export interface DraftCandidate extends Omit<Candidate, 'index' | 'priority'> {
  /** Sort key within the mode, compared element by element; lower sorts first. */
  order: number[];
}

/** "NVIDIA Tesla T4" from "TU104GL [Tesla T4]"; the ids when pci.ids has no name. */
export function shortGpuName(gpu: Gpu): string {
  const vendor =
    gpu.vendor.name === null
      ? null
      : gpu.vendor.name.replace(/\s+(Corporation|Corp\.|Inc\.|Co\.,? Ltd\.?|Limited|Ltd\.)$/i, '');
  const model = gpu.device.name === null ? null : (/\[(.+)\]/.exec(gpu.device.name)?.[1] ?? gpu.device.name);
  return model === null
    ? `${vendor ?? gpu.vendor.id} device ${gpu.device.id}`
    : `${vendor === null ? '' : `${vendor} `}${model}`;
}
