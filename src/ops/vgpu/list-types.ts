/**
 * `vgpuctl types`: every vGPU type a host offers, mdev and NVIDIA vendor-VFIO alike, in one
 * shape. Values the host does not state are null, never guessed.
 */
import type { Inventory } from '../../discovery/inventory.ts';
import { parseNvidiaTypeName } from './nvidia-type-name.ts';
import { compareTypeIds, nvidiaTypeNumber, type VgpuHost, vgpuHosts } from './vgpu-hosts.ts';

/** One vGPU type on one GPU (or non-PCI mdev parent). */
export interface VgpuType {
  /** The physical GPU's PCI address, or the mdev parent's name when it is not a PCI GPU (`nvidia`, `mtty`). */
  gpu: string;
  mechanism: 'mdev' | 'vendor-vfio';
  /** The sysfs type id (`nvidia-222`, `i915-GVTg_V5_4`, `mtty-2`); vendor-VFIO types as `nvidia-<id>`. */
  id: string;
  /** NVIDIA's numeric type id (the number in `nvidia-222`, or in `creatable_vgpu_types`). */
  nvidiaTypeId: number | null;
  name: string | null;
  description: string | null;
  deviceApi: string | null;
  framebufferMiB: number | null;
  heads: number | null;
  maxResolution: string | null;
  frameRateLimit: number | null;
  /** As the type's description states it; null for vendor-VFIO, whose driver does not. */
  maxInstances: number | null;
  /**
   * How many more can be created now: the kernel's `available_instances` (summed over VFs
   * on SR-IOV + mdev); for vendor-VFIO, the free VFs offering the type, bounded by the
   * GPU's framebuffer while it hosts no vGPU.
   */
  availableInstances: number | null;
  /** Live vGPUs of this type. */
  instances: number;
  /** The mdev parents offering it (the GPU, or its VFs); the free VFs offering it for vendor-VFIO. */
  parents: string[];
}

/** Lists every vGPU type of every GPU and mdev parent, GPUs in address order, types by id. */
export function listVgpuTypes(inventory: Inventory): VgpuType[] {
  return vgpuHosts(inventory).flatMap((host) => (host.mechanism === 'mdev' ? mdevTypes(host) : vendorTypes(host)));
}

function mdevTypes(host: VgpuHost): VgpuType[] {
  const byId = new Map<string, VgpuType>();
  for (const parent of host.parents) {
    for (const type of parent.types) {
      const seen = byId.get(type.id);
      if (seen !== undefined) {
        seen.availableInstances =
          seen.availableInstances === null || type.availableInstances === null
            ? null
            : seen.availableInstances + type.availableInstances;
        seen.instances += type.instances.length;
        seen.parents.push(parent.name);
        continue;
      }
      byId.set(type.id, {
        gpu: host.gpu,
        mechanism: 'mdev',
        id: type.id,
        nvidiaTypeId: nvidiaTypeNumber(type.id),
        name: type.name,
        description: type.description,
        deviceApi: type.deviceApi,
        framebufferMiB: type.framebufferMiB,
        heads: type.heads,
        maxResolution: type.maxResolution,
        frameRateLimit: type.frameRateLimit,
        maxInstances: type.maxInstances,
        availableInstances: type.availableInstances,
        instances: type.instances.length,
        parents: [parent.name],
      });
    }
  }
  const types = [...byId.values()].sort((a, b) => compareTypeIds(a.id, b.id));
  if (host.parents.length > 1 && host.nvidia) {
    // SR-IOV + mdev: each VF says 1 while the GPU has room for one more vGPU of the size, so
    // the sum over VFs overstates; the GPU's own limit is max_instance less the live vGPUs.
    for (const type of types) {
      if (type.maxInstances === null || type.availableInstances === null) continue;
      const live = host.live.filter((v) => v.framebufferMiB === type.framebufferMiB).length;
      type.availableInstances = Math.max(0, Math.min(type.availableInstances, type.maxInstances - live));
    }
  }
  return types;
}

function vendorTypes(host: VgpuHost): VgpuType[] {
  const names = new Map<number, string>();
  const offeredBy = new Map<number, string[]>();
  for (const vf of host.vfs) {
    for (const type of vf.vgpu.creatable) {
      if (!names.has(type.id)) names.set(type.id, type.name);
      if (vf.vgpu.currentTypeId === null) offeredBy.set(type.id, [...(offeredBy.get(type.id) ?? []), vf.address]);
    }
  }
  for (const live of host.live) {
    const id = nvidiaTypeNumber(live.typeId ?? '');
    if (id !== null && !names.has(id)) names.set(id, live.typeName ?? `nvidia-${id}`);
  }
  // While the GPU hosts no vGPU every type is listed, so the largest one is the whole
  // framebuffer; it bounds how many of a smaller type fit (free VFs may be more).
  const sizes = [...names.values()].map((name) => parseNvidiaTypeName(name)?.framebufferMiB ?? 0);
  const boardMiB = host.live.length === 0 && sizes.length > 0 ? Math.max(...sizes) : null;
  return [...names.entries()]
    .sort(([a], [b]) => a - b)
    .map(([id, name]) => {
      const framebufferMiB = parseNvidiaTypeName(name)?.framebufferMiB ?? null;
      const free = offeredBy.get(id) ?? [];
      const fits = boardMiB !== null && framebufferMiB !== null ? Math.floor(boardMiB / framebufferMiB) : free.length;
      return {
        gpu: host.gpu,
        mechanism: 'vendor-vfio' as const,
        id: `nvidia-${id}`,
        nvidiaTypeId: id,
        name,
        description: null,
        deviceApi: 'vfio-pci',
        framebufferMiB,
        heads: null,
        maxResolution: null,
        frameRateLimit: null,
        maxInstances: null,
        availableInstances: Math.min(free.length, fits),
        instances: host.live.filter((v) => v.typeId === `nvidia-${id}`).length,
        parents: free,
      };
    });
}
