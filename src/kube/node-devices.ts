/**
 * What a node offers to Kubernetes, in one pure shape both kubelet plugins use: one device per
 * GPU that can be passed through (with its IOMMU group's other functions), per creatable vGPU
 * slot (mdev) or per free VF and vendor-VFIO type, and per free plain SR-IOV VF. Each device
 * carries what preparing it takes (`target`), so that NodePrepareResources and Allocate act
 * on the same picture the ResourceSlice or ListAndWatch published.
 */
import type { Gpu, Inventory, VirtualFunction } from '../discovery/inventory.ts';
import { listVgpuTypes, type VgpuType } from '../ops/vgpu/list-types.ts';
import { parseNvidiaTypeName, shortTypeName } from '../ops/vgpu/nvidia-type-name.ts';
import { vgpuHosts } from '../ops/vgpu/vgpu-hosts.ts';
import { slotUuid } from './slot-uuid.ts';

type Mechanism = 'passthrough' | 'mdev' | 'vendor-vfio' | 'sriov';

/** What preparing a device does on the host. */
type DeviceTarget =
  | { kind: 'passthrough'; address: string; functions: string[]; iommuGroup: number | null }
  | { kind: 'mdev'; parent: string; typeId: string; uuid: string }
  | { kind: 'vendor-vfio'; vf: string; pf: string; typeId: number }
  | { kind: 'sriov'; vf: string; pf: string };

/** One device a node offers. */
export interface NodeDevice {
  /** DNS label, unique on the node and stable while the device can exist. */
  name: string;
  mechanism: Mechanism;
  /** The physical GPU (PCI address) or non-PCI mdev parent (`nvidia`) it lives on. */
  gpu: string;
  vendorId: string | null;
  deviceId: string | null;
  productName: string;
  /** `T4-1B` for NVIDIA types, the sysfs type id for others; null for whole GPUs and VFs. */
  profile: string | null;
  typeId: string | null;
  typeName: string | null;
  framebufferMiB: number | null;
  numaNode: number | null;
  iommuGroup: number | null;
  /** The PCI function a VM gets, where it is known before preparing (GPU, VF). */
  pciBusId: string | null;
  /** The mdev UUID the slot is created with. */
  mdevUuid: string | null;
  target: DeviceTarget;
  /** Framebuffer it takes from its GPU's `memory` counter (the whole GPU for passthrough). */
  consumesMemoryMiB: number | null;
  /** The VF counter it takes (vendor-VFIO). */
  consumesVf: string | null;
}

/** A GPU's shared capacity: the counters its devices draw on. */
interface GpuCounters {
  gpu: string;
  memoryMiB: number | null;
  /** VF counter names (`vf-4`) of free VFs. */
  vfs: string[];
}

/** What a node offers. */
export interface NodeOffer {
  devices: NodeDevice[];
  counters: GpuCounters[];
  /** Types left out (filtered, or over the per-GPU device limit), for the operator. */
  skipped: string[];
}

/** Options of {@link nodeDevices}. */
export interface NodeDeviceOptions {
  /** Node name: part of each slot's mdev UUID so that UUIDs differ across nodes. */
  nodeName: string;
  /** Only these vGPU types (ids, names or NVIDIA short names); all when empty. */
  types?: readonly string[];
  /** Devices this node's plugin has prepared: published even where they would not be offered now. */
  prepared?: ReadonlySet<string>;
  /** Most devices per GPU (a ResourceSlice holds at most 128). Default 128. */
  maxDevicesPerGpu?: number;
}

/** Counters per ResourceSlice are limited to 32: one for memory, the rest for VFs. */
const MAX_VF_COUNTERS = 31;

/** `0000:3b:00.0` → `0000-3b-00-0`; other names lower-cased with runs of other characters as `-`. */
export function labelPart(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Derives every device the node offers from one reading of the host. */
export function nodeDevices(inventory: Inventory, options: NodeDeviceOptions): NodeOffer {
  const prepared = options.prepared ?? new Set<string>();
  const limit = options.maxDevicesPerGpu ?? 128;
  const types = listVgpuTypes(inventory);
  const devices: NodeDevice[] = [];
  const counters: GpuCounters[] = [];
  const skipped: string[] = [];
  const hosts = new Map(vgpuHosts(inventory).map((h) => [h.gpu, h]));

  const gpuKeys = [...inventory.gpus.map((g) => g.address), ...inventory.otherMdevParents.map((p) => p.name)];
  for (const key of gpuKeys) {
    const gpu = inventory.gpus.find((g) => g.address === key);
    const host = hosts.get(key);
    const gpuTypes = types.filter((t) => t.gpu === key && wanted(t, options.types));
    const live = host?.live ?? [];
    const liveSizes = new Set(live.map((v) => v.framebufferMiB).filter((fb): fb is number => fb !== null));
    const own: NodeDevice[] = [];
    let memoryMiB: number | null = null;
    const vfCounters: string[] = [];

    if (host?.mechanism === 'mdev') {
      memoryMiB = mdevMemory(gpuTypes, gpu);
      for (const type of gpuTypes) {
        // NVIDIA runs one framebuffer size per GPU at a time: while vGPUs live, offer only their size.
        if (host.nvidia && liveSizes.size > 0 && !liveSizes.has(type.framebufferMiB ?? -1)) continue;
        const slots = type.maxInstances ?? (type.availableInstances ?? 0) + type.instances;
        const parent = type.parents[0] ?? key;
        for (let i = 0; i < slots; i++) {
          const name = `vgpu-${labelPart(key)}-${labelPart(type.id)}-${i}`;
          own.push({
            ...common(key, gpu, inventory),
            name,
            mechanism: 'mdev',
            profile: profileOf(type),
            typeId: type.id,
            typeName: type.name,
            framebufferMiB: type.framebufferMiB,
            pciBusId: null,
            mdevUuid: slotUuid(options.nodeName, name),
            target: { kind: 'mdev', parent, typeId: type.id, uuid: slotUuid(options.nodeName, name) },
            consumesMemoryMiB: type.framebufferMiB,
            consumesVf: null,
          });
        }
      }
    } else if (host?.mechanism === 'vendor-vfio' && gpu !== undefined) {
      memoryMiB = gpu.vram.physicalMiB ?? gpu.vram.totalMiB;
      const freeVfs = host.vfs.filter((vf) => vf.vgpu.currentTypeId === null).slice(0, MAX_VF_COUNTERS);
      const ownVfs = host.vfs.filter(
        (vf) =>
          vf.vgpu.currentTypeId !== null && prepared.has(vendorName(vf.address, `nvidia-${vf.vgpu.currentTypeId}`)),
      );
      for (const vf of [...freeVfs, ...ownVfs]) {
        const counter = `vf-${vf.index}`;
        vfCounters.push(counter);
        const offered =
          vf.vgpu.currentTypeId === null
            ? gpuTypes.filter((t) => vf.vgpu.creatable.some((c) => `nvidia-${c.id}` === t.id))
            : gpuTypes.filter((t) => t.id === `nvidia-${vf.vgpu.currentTypeId}`);
        for (const type of offered) {
          if (host.nvidia && liveSizes.size > 0 && !liveSizes.has(type.framebufferMiB ?? -1)) continue;
          own.push({
            ...common(key, gpu, inventory),
            name: vendorName(vf.address, type.id),
            mechanism: 'vendor-vfio',
            profile: profileOf(type),
            typeId: type.id,
            typeName: type.name,
            framebufferMiB: type.framebufferMiB,
            iommuGroup: vf.iommuGroup,
            pciBusId: vf.address,
            mdevUuid: null,
            target: { kind: 'vendor-vfio', vf: vf.address, pf: key, typeId: type.nvidiaTypeId ?? 0 },
            consumesMemoryMiB: type.framebufferMiB,
            consumesVf: counter,
          });
        }
      }
    }
    if (gpu !== undefined) {
      for (const vf of plainVfs(gpu)) own.push(sriovDevice(gpu, vf, inventory));
      const passthrough = passthroughDevice(gpu, inventory, live.length > 0, prepared);
      if (passthrough !== undefined) {
        memoryMiB ??= gpu.vram.physicalMiB ?? gpu.vram.totalMiB;
        passthrough.consumesMemoryMiB = memoryMiB;
        own.unshift(passthrough);
      }
    }
    if (own.length > limit) {
      const kept = keepWithinLimit(own, limit);
      for (const id of new Set(own.filter((d) => !kept.includes(d)).map((d) => d.typeId ?? d.name)))
        skipped.push(`${key} ${id}`);
      own.splice(0, own.length, ...kept);
    }
    if (own.length === 0) continue;
    devices.push(...own);
    counters.push({ gpu: key, memoryMiB, vfs: vfCounters });
  }
  return { devices, counters, skipped };
}

function vendorName(vf: string, typeId: string): string {
  return `vgpu-${labelPart(vf)}-${labelPart(typeId)}`;
}

function wanted(type: VgpuType, filter: readonly string[] | undefined): boolean {
  if (filter === undefined || filter.length === 0) return true;
  return filter.some((f) => f === type.id || f === type.name || (type.name !== null && shortTypeName(type.name) === f));
}

function profileOf(type: VgpuType): string {
  return type.name === null ? type.id : (parseNvidiaTypeName(type.name)?.short ?? type.name);
}

/** The framebuffer a GPU shares among its slots: the most any one type fills it with. */
function mdevMemory(types: readonly VgpuType[], gpu: Gpu | undefined): number | null {
  let most = 0;
  for (const t of types) {
    const slots = t.maxInstances ?? (t.availableInstances ?? 0) + t.instances;
    if (t.framebufferMiB !== null) most = Math.max(most, slots * t.framebufferMiB);
  }
  return most > 0 ? most : (gpu?.vram.physicalMiB ?? gpu?.vram.totalMiB ?? null);
}

function common(
  key: string,
  gpu: Gpu | undefined,
  inventory: Inventory,
): Pick<NodeDevice, 'gpu' | 'vendorId' | 'deviceId' | 'productName' | 'numaNode' | 'iommuGroup'> {
  const parent = inventory.otherMdevParents.find((p) => p.name === key);
  return {
    gpu: key,
    vendorId: gpu?.vendor.id ?? null,
    deviceId: gpu?.device.id ?? null,
    productName: gpu?.name ?? `mdev parent ${parent?.name ?? key}`,
    numaNode: gpu?.numaNode ?? null,
    iommuGroup: gpu?.iommuGroup?.id ?? null,
  };
}

/** VFs that are plain PCI functions (no vGPU interface): handed over whole, bound to vfio-pci. */
function plainVfs(gpu: Gpu): VirtualFunction[] {
  return (gpu.sriov?.vfs ?? []).filter((vf) => vf.vgpu === null && vf.mdev === null);
}

function sriovDevice(gpu: Gpu, vf: VirtualFunction, inventory: Inventory): NodeDevice {
  return {
    ...common(gpu.address, gpu, inventory),
    name: `vf-${labelPart(vf.address)}`,
    mechanism: 'sriov',
    profile: null,
    typeId: null,
    typeName: null,
    framebufferMiB: null,
    iommuGroup: vf.iommuGroup,
    pciBusId: vf.address,
    mdevUuid: null,
    target: { kind: 'sriov', vf: vf.address, pf: gpu.address },
    consumesMemoryMiB: null,
    consumesVf: null,
  };
}

/**
 * The whole GPU, when it can be handed over: not the boot display, no vGPUs or VFs on it,
 * and every other endpoint of its IOMMU group a function of the same card (its audio
 * function), which preparing binds along (bridges stay).
 */
function passthroughDevice(
  gpu: Gpu,
  inventory: Inventory,
  hasVgpus: boolean,
  prepared: ReadonlySet<string>,
): NodeDevice | undefined {
  const name = `gpu-${labelPart(gpu.address)}`;
  if (!prepared.has(name)) {
    if (gpu.bootVga || hasVgpus || (gpu.sriov?.numVfs ?? 0) > 0 || gpu.iommuGroup === null) return undefined;
    const slot = gpu.address.slice(0, -2);
    const others = gpu.iommuGroup.members.filter((m) => !m.bridge && m.address !== gpu.address);
    if (others.some((m) => !m.address.startsWith(slot))) return undefined;
    const users = (inventory.deviceUsers ?? []).filter(
      (u) => u.iommuGroup === gpu.iommuGroup?.id || u.address === gpu.address,
    );
    if (users.length > 0) return undefined;
  }
  const functions = (gpu.iommuGroup?.members ?? []).filter((m) => !m.bridge).map((m) => m.address);
  return {
    ...common(gpu.address, gpu, inventory),
    name,
    mechanism: 'passthrough',
    profile: null,
    typeId: null,
    typeName: null,
    framebufferMiB: gpu.vram.physicalMiB ?? gpu.vram.totalMiB,
    pciBusId: gpu.address,
    mdevUuid: null,
    target: { kind: 'passthrough', address: gpu.address, functions, iommuGroup: gpu.iommuGroup?.id ?? null },
    consumesMemoryMiB: null,
    consumesVf: null,
  };
}

/** Keeps whole types, in order, while they fit; the passthrough and VF devices first. */
function keepWithinLimit(devices: NodeDevice[], limit: number): NodeDevice[] {
  const kept: NodeDevice[] = [];
  const groups = new Map<string, NodeDevice[]>();
  for (const d of devices) {
    const key = d.typeId ?? d.name;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  for (const group of groups.values()) if (kept.length + group.length <= limit) kept.push(...group);
  return kept;
}
