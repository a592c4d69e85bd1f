/**
 * The inventory: one typed, schema-validated picture of a host's GPUs and what each can do.
 * `vgpuctl list --json` prints it; every later capability plans from it. Fields are null
 * when the host does not say — a value is never guessed.
 */
import { z } from 'zod';

const Id = z.object({ id: z.string().regex(/^[0-9a-f]{4}$/), name: z.string().nullable() });

export const MdevTypeInfo = z.object({
  /** Type id as sysfs names it: `nvidia-222`, `i915-GVTg_V5_4`, `mtty-2`. */
  id: z.string(),
  /** The `name` file; null where the driver has none (Intel GVT-g). */
  name: z.string().nullable(),
  description: z.string().nullable(),
  deviceApi: z.string().nullable(),
  availableInstances: z.number().int().nullable(),
  /** Facts parsed from the description, when it states them. */
  framebufferMiB: z.number().int().nullable(),
  heads: z.number().int().nullable(),
  maxResolution: z.string().nullable(),
  frameRateLimit: z.number().int().nullable(),
  maxInstances: z.number().int().nullable(),
  /** UUIDs of live instances of this type. */
  instances: z.array(z.string()),
});
export type MdevTypeInfo = z.infer<typeof MdevTypeInfo>;

export const MdevInstance = z.object({
  uuid: z.string(),
  type: z.string().nullable(),
  driver: z.string().nullable(),
  iommuGroup: z.number().int().nullable(),
});
export type MdevInstance = z.infer<typeof MdevInstance>;

export const MdevParentInfo = z.object({
  /** Name under /sys/class/mdev_bus (a PCI address, or a virtual name such as `nvidia`). */
  name: z.string(),
  path: z.string(),
  types: z.array(MdevTypeInfo),
  instances: z.array(MdevInstance),
});
export type MdevParentInfo = z.infer<typeof MdevParentInfo>;

const GroupMember = z.object({
  address: z.string(),
  classCode: z.string(),
  driver: z.string().nullable(),
  bridge: z.boolean(),
});

export const VirtualFunction = z.object({
  index: z.number().int(),
  address: z.string(),
  driver: z.string().nullable(),
  iommuGroup: z.number().int().nullable(),
  /** mdev parent on this VF (NVIDIA Ampere SR-IOV + mdev). */
  mdev: MdevParentInfo.nullable(),
  /** NVIDIA vendor-VFIO vGPU state (`nvidia/current_vgpu_type`), null where the VF has no `nvidia/` dir. */
  vgpu: z
    .object({
      currentTypeId: z.number().int().nullable(),
      currentTypeName: z.string().nullable(),
      creatable: z.array(z.object({ id: z.number().int(), name: z.string() })),
    })
    .nullable(),
});
export type VirtualFunction = z.infer<typeof VirtualFunction>;

export const Gpu = z.object({
  address: z.string(),
  /** A display name: pci.ids names when known, else the ids (as lspci does without pci.ids). */
  name: z.string(),
  vendor: Id,
  device: Id,
  subsystem: z.object({ vendorId: z.string(), deviceId: z.string(), name: z.string().nullable() }).nullable(),
  classCode: z.string(),
  className: z.string().nullable(),
  revision: z.string().nullable(),
  driver: z.string().nullable(),
  driverOverride: z.string().nullable(),
  bootVga: z.boolean(),
  numaNode: z.number().int().nullable(),
  link: z
    .object({
      currentSpeed: z.string().nullable(),
      currentWidth: z.number().int().nullable(),
      maxSpeed: z.string().nullable(),
      maxWidth: z.number().int().nullable(),
      generation: z.number().int().nullable(),
    })
    .nullable(),
  bars: z.array(
    z.object({
      index: z.number().int(),
      start: z.string(),
      sizeBytes: z.number().int(),
      kind: z.enum(['mem32', 'mem64', 'io']),
      prefetchable: z.boolean(),
    }),
  ),
  vram: z.object({
    totalMiB: z.number().int().nullable(),
    physicalMiB: z.number().int().nullable(),
    virtualMiB: z.number().int().nullable(),
    /** Where the numbers come from; `unknown` means the host did not say. */
    source: z.enum(['nvidia-smi', 'vram_info', 'unknown']),
  }),
  iommuGroup: z.object({ id: z.number().int(), members: z.array(GroupMember) }).nullable(),
  sriov: z
    .object({
      totalVfs: z.number().int(),
      numVfs: z.number().int(),
      vfDeviceId: z.string().nullable(),
      driversAutoprobe: z.boolean().nullable(),
      vfs: z.array(VirtualFunction),
    })
    .nullable(),
  mdev: MdevParentInfo.nullable(),
  /** MIG mode from nvidia-smi (read only); null when nvidia-smi does not report it. */
  mig: z.object({ current: z.string(), pending: z.string() }).nullable(),
  /** NVIDIA host vGPU mode from nvidia-smi: "Non SR-IOV" or "SR-IOV". */
  hostVgpuMode: z.string().nullable(),
  /**
   * NVIDIA mixed-size mode (vendor VFIO, `nvidia-smi vgpu -ghm`): vGPUs of different sizes may
   * share the GPU. Optional: absent where the host does not say.
   */
  vgpuMixedSize: z.boolean().nullable().optional(),
});
export type Gpu = z.infer<typeof Gpu>;

export const HostFacts = z.object({
  /** What was inspected: "this host", "the tree at /x", "emulated host \"lab\"". */
  source: z.string(),
  kernelRelease: z.string().nullable(),
  cmdline: z.string().nullable(),
  /** IOMMU-related kernel parameters present on the command line. */
  cmdlineFlags: z.record(z.string(), z.string()),
  iommu: z.object({
    enabled: z.boolean(),
    /** `intel` (DMAR), `amd` (AMD-Vi), or null when none is registered. */
    driver: z.enum(['intel', 'amd', 'other']).nullable(),
    groups: z.number().int(),
  }),
  vfio: z.object({ loaded: z.boolean(), modules: z.array(z.string()), container: z.boolean() }),
  mdev: z.object({ available: z.boolean(), parents: z.number().int() }),
  kvm: z.object({ available: z.boolean() }),
  nvidiaSmi: z.boolean(),
});
export type HostFacts = z.infer<typeof HostFacts>;

export const DrmRenderNode = z.object({
  /** `renderD128` and up, as /sys/class/drm names it. */
  name: z.string(),
  /** The device node a renderer opens: `/dev/dri/renderD128`. */
  devNode: z.string(),
  /** Whether the device node exists (udev created it; a container may not have it). */
  devNodeExists: z.boolean(),
  /** The PCI function behind the node; null for virtual DRM devices (vgem, vkms). */
  pciAddress: z.string().nullable(),
  /** The DRM driver (`i915`, `amdgpu`, `nvidia`), or null when the host does not say. */
  driver: z.string().nullable(),
});
export type DrmRenderNode = z.infer<typeof DrmRenderNode>;

/** One device of an IOMMU group, as `vgpuctl groups` lists it. */
export const GroupDevice = z.object({
  /** PCI address, or the name of a non-PCI member (an mdev UUID). */
  address: z.string(),
  kind: z.enum(['pci', 'mdev', 'other']),
  /** Display name from pci.ids (lspci's fallbacks where unknown); null for non-PCI members. */
  name: z.string().nullable(),
  classCode: z.string().nullable(),
  className: z.string().nullable(),
  driver: z.string().nullable(),
  driverOverride: z.string().nullable(),
  /** A PCI-to-PCI bridge (class 0x0604): VFIO does not count it for viability. */
  bridge: z.boolean(),
  bootVga: z.boolean(),
  /** The PF of a virtual function; null for other devices. */
  physfn: z.string().nullable(),
  /** Registered with VFIO (`<dev>/vfio-dev/` exists): vfio-pci, or a vendor VFIO driver such as nvidia on VFs. */
  vfioDevice: z.boolean(),
});
export type GroupDevice = z.infer<typeof GroupDevice>;

/** An IOMMU group (`/sys/kernel/iommu_groups/<id>`) with all its devices. */
export const IommuGroupInfo = z.object({
  id: z.number().int(),
  /** Default-domain type (`type`): DMA, DMA-FQ, identity …; null when absent. */
  type: z.string().nullable(),
  /** `/dev/vfio/<id>` exists: a device of the group is registered with VFIO. */
  vfioNode: z.boolean(),
  devices: z.array(GroupDevice),
});
export type IommuGroupInfo = z.infer<typeof IommuGroupInfo>;

/** A process holding a GPU's device node or an IOMMU group's VFIO node open. */
export const DeviceUser = z.object({
  pid: z.number().int(),
  command: z.string().nullable(),
  /** The open node: `/dev/nvidia0`, `/dev/dri/card1`, `/dev/vfio/12`, `/dev/vfio/devices/vfio0`. */
  node: z.string(),
  /** The PCI function behind the node, when the host says (NVIDIA minor, DRM or VFIO device link). */
  address: z.string().nullable(),
  /** The IOMMU group of a VFIO node. */
  iommuGroup: z.number().int().nullable(),
});
export type DeviceUser = z.infer<typeof DeviceUser>;

export const Inventory = z.object({
  schemaVersion: z.literal(1),
  host: HostFacts,
  gpus: z.array(Gpu),
  /** mdev parents that are not PCI GPUs on this host (samples, KubeVirt's fake `nvidia`). */
  otherMdevParents: z.array(MdevParentInfo),
  /**
   * DRM render nodes (software GPUs render on them). Optional so that inventories built by
   * hand before this field existed stay valid; discover() always fills it.
   */
  drm: z.object({ renderNodes: z.array(DrmRenderNode) }).optional(),
  /** Every IOMMU group with all its devices (bridges, audio functions, other endpoints). Optional like `drm`. */
  iommuGroups: z.array(IommuGroupInfo).optional(),
  /** Processes holding GPU or VFIO device nodes open (from /proc/<pid>/fd). Optional like `drm`. */
  deviceUsers: z.array(DeviceUser).optional(),
  /** Drivers registered on the PCI bus (`/sys/bus/pci/drivers`). Optional like `drm`. */
  pciDrivers: z.array(z.string()).optional(),
});
export type Inventory = z.infer<typeof Inventory>;
