/** The shape of a catalog entry: a PCI function model described as data. */

/** One Base Address Register as the device decodes it. */
export interface BarModel {
  /** BAR index 0–5; a 64-bit BAR also occupies index + 1. */
  index: number;
  kind: 'mem32' | 'mem64' | 'io';
  prefetchable: boolean;
  /** Length in bytes, a power of two. */
  size: number;
}

/** PCI Express capability contents. */
interface PcieModel {
  portType: 'endpoint' | 'root-port';
  /** Link generation 1–6 (2.5 … 64 GT/s). */
  maxGen: number;
  maxWidth: number;
  /** Negotiated link; defaults to the maximum. */
  currentGen?: number;
  currentWidth?: number;
}

/** SR-IOV extended capability of a physical function. */
interface SriovModel {
  totalVfs: number;
  vfDevice: number;
  offset: number;
  stride: number;
  /** BARs of one VF (the SR-IOV BARs hold `size * totalVfs`). */
  vfBars: BarModel[];
  /** MSI-X vectors shared among VFs (sriov_vf_total_msix). */
  vfTotalMsix: number;
}

/** A PCI function model. */
export interface PciModel {
  id: string;
  marketingName: string;
  vendor: number;
  device: number;
  subsystemVendor: number;
  subsystemDevice: number;
  /** 24-bit class code. */
  classCode: number;
  revision: number;
  /** 0 endpoint, 1 PCI-to-PCI bridge. */
  headerType: 0 | 1;
  bars: BarModel[];
  /** Expansion ROM size in bytes, when the device has one. */
  romSize?: number;
  pcie: PcieModel;
  /** MSI vectors (log2 multiple-message capable); absent = no MSI capability. */
  msi?: { vectors: number; is64: boolean };
  msix?: { tableSize: number; bar: number; tableOffset: number; pbaOffset: number };
  interruptPin: number;
  sriov?: SriovModel;
  /** Dedicated video memory in MiB (GPUs). */
  vramMiB?: number;
  /** Driver bound when a scenario does not say. */
  defaultDriver: string | null;
  /** Other functions in the same slot, by model id and function number. */
  companions?: { function: number; model: string }[];
  /** vGPU modes this model supports (besides 'none'). */
  vgpuModes: readonly ('mdev' | 'sriov-mdev' | 'vendor-vfio' | 'gvt-g')[];
  dmaMaskBits: number;
}
