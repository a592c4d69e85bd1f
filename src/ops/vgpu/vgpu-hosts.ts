/**
 * The places vGPUs live, in one shape for both mechanisms: a GPU (or non-PCI mdev parent)
 * with its mdev parents — the GPU itself, or its VFs on SR-IOV + mdev (NVIDIA Ampere) —
 * or with its vendor-VFIO VFs (NVIDIA Ada and later, vGPU 17+).
 */
import type { Inventory, MdevParentInfo, VirtualFunction } from '../../discovery/inventory.ts';
import { parseNvidiaTypeName } from './nvidia-type-name.ts';

/** One vGPU-capable GPU or mdev parent. */
export interface VgpuHost {
  /** The GPU's PCI address, or the mdev parent's name when it is not a PCI GPU (`nvidia`, `mtty`). */
  gpu: string;
  mechanism: 'mdev' | 'vendor-vfio';
  /** mdev parents (mechanism mdev). */
  parents: MdevParentInfo[];
  /** VFs with an `nvidia/` directory (mechanism vendor-vfio). */
  vfs: (VirtualFunction & { vgpu: NonNullable<VirtualFunction['vgpu']> })[];
  /** SR-IOV state, for vendor-VFIO GPUs whose VFs are not enabled. */
  totalVfs: number;
  /** Whether NVIDIA's one-framebuffer-size-per-GPU rule applies. */
  nvidia: boolean;
  /** Live vGPUs with their type and framebuffer (null when unknown). */
  live: LiveVgpu[];
}

/** A running vGPU as its host sees it. */
interface LiveVgpu {
  /** UUID (mdev) or VF address (vendor-VFIO). */
  id: string;
  /** mdev parent, or the VF's PF. */
  parent: string;
  typeId: string | null;
  typeName: string | null;
  framebufferMiB: number | null;
}

/** `nvidia-222` → 222; null for other drivers' ids. */
export function nvidiaTypeNumber(typeId: string): number | null {
  const m = /^nvidia-(\d+)$/.exec(typeId);
  return m === null ? null : Number.parseInt(m[1] as string, 10);
}

/** Every GPU and mdev parent that can host vGPUs, GPUs in address order, then other parents by name. */
export function vgpuHosts(inventory: Inventory): VgpuHost[] {
  const hosts: VgpuHost[] = [];
  for (const gpu of inventory.gpus) {
    const parents = [gpu.mdev, ...(gpu.sriov?.vfs ?? []).map((vf) => vf.mdev)].filter(
      (p): p is MdevParentInfo => p !== null,
    );
    if (parents.length > 0) {
      hosts.push(mdevHost(gpu.address, parents));
      continue;
    }
    const vfs = (gpu.sriov?.vfs ?? []).filter((vf): vf is VgpuHost['vfs'][number] => vf.vgpu !== null);
    // Vendor-VFIO GPUs show their nvidia/ files only on VFs; with no VFs enabled, a bound
    // NVIDIA SR-IOV GPU without mdev support is still a vendor-VFIO host (kernel-semantics.md §6.3).
    const vendorCapable =
      vfs.length > 0 || (gpu.sriov !== null && gpu.driver === 'nvidia' && gpu.hostVgpuMode === 'SR-IOV');
    if (!vendorCapable) continue;
    hosts.push({
      gpu: gpu.address,
      mechanism: 'vendor-vfio',
      parents: [],
      vfs,
      totalVfs: gpu.sriov?.totalVfs ?? 0,
      nvidia: true,
      live: vfs
        .filter((vf) => vf.vgpu.currentTypeId !== null)
        .map((vf) => ({
          id: vf.address,
          parent: gpu.address,
          typeId: `nvidia-${vf.vgpu.currentTypeId}`,
          typeName: vf.vgpu.currentTypeName,
          framebufferMiB:
            vf.vgpu.currentTypeName === null
              ? null
              : (parseNvidiaTypeName(vf.vgpu.currentTypeName)?.framebufferMiB ?? null),
        })),
    });
  }
  for (const parent of inventory.otherMdevParents) hosts.push(mdevHost(parent.name, [parent]));
  return hosts;
}

function mdevHost(gpu: string, parents: MdevParentInfo[]): VgpuHost {
  const live: LiveVgpu[] = [];
  for (const parent of parents) {
    for (const instance of parent.instances) {
      const type = parent.types.find((t) => t.id === instance.type);
      live.push({
        id: instance.uuid,
        parent: parent.name,
        typeId: instance.type,
        typeName: type?.name ?? null,
        framebufferMiB: type?.framebufferMiB ?? null,
      });
    }
  }
  return {
    gpu,
    mechanism: 'mdev',
    parents,
    vfs: [],
    totalVfs: 0,
    nvidia: parents.some((p) => p.types.some((t) => nvidiaTypeNumber(t.id) !== null)),
    live,
  };
}

/** The framebuffer sizes of a host's live vGPUs (NVIDIA allows one at a time). */
export function liveFramebufferSizes(host: VgpuHost): number[] {
  return [...new Set(host.live.map((v) => v.framebufferMiB).filter((fb): fb is number => fb !== null))];
}

/** Orders type ids naturally: `nvidia-63` before `nvidia-222`. */
export function compareTypeIds(a: string, b: string): number {
  // Ids of one family (`nvidia-<n>`, `mtty-<n>`) share their text before a trailing number:
  // compared by that number, which is what the collator does with an equal prefix. Anything
  // else (and equal numbers written differently) goes to the collator.
  const x = TRAILING_NUMBER.exec(a);
  const y = TRAILING_NUMBER.exec(b);
  if (x !== null && y !== null && x[1] === y[1]) {
    const d = Number(x[2]) - Number(y[2]);
    if (d !== 0) return d;
  }
  typeIdOrder ??= new Intl.Collator('en', { numeric: true });
  return typeIdOrder.compare(a, b);
}

const TRAILING_NUMBER = /^(\D*)(\d{1,15})$/;

/**
 * The order of `localeCompare(b, 'en', { numeric: true })`, built once and only when needed:
 * localeCompare builds a collator per call, and building one costs milliseconds (ICU data).
 */
let typeIdOrder: Intl.Collator | undefined;
