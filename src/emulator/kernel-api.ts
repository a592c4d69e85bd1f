/**
 * The contract between the emulated kernel's subsystems. The PCI core (devices, drivers,
 * binding, IOMMU groups, VFIO, SR-IOV) and the mdev core / vendor drivers (mdev, NVIDIA,
 * samples) are written against these interfaces, the way kernel subsystems meet at
 * `struct pci_driver`, `mdev_register_parent()` and `iommu_group_alloc()`.
 */
import type { Kernfs } from './kernfs/tree.ts';

/** Behaviour that differs between kernel versions (see kernel-semantics.md §4.7). */
export interface KernelVersion {
  /** e.g. "6.8.0-vgpuctl" — shown in /proc/sys/kernel/osrelease. */
  release: string;
  major: number;
  minor: number;
}

/** A uevent as the kernel would send it (kernel-semantics.md §7); kept in a log for tests. */
export interface Uevent {
  action: 'add' | 'remove' | 'change' | 'bind' | 'unbind' | 'move' | 'online' | 'offline';
  /** Path below /sys, e.g. /devices/pci0000:00/0000:00:01.0/0000:01:00.0 */
  devpath: string;
  env: Record<string, string>;
}

/** One PCI function as the PCI core tracks it (struct pci_dev). */
export interface PciFunction {
  /** Domain:bus:device.function, lower-case: 0000:01:00.0 */
  readonly address: string;
  /** Real sysfs directory: /sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0 */
  readonly path: string;
  readonly vendor: number;
  readonly device: number;
  readonly subsystemVendor: number;
  readonly subsystemDevice: number;
  /** 24-bit class code (base<<16 | sub<<8 | prog-if). */
  readonly classCode: number;
  readonly revision: number;
  /** 0 endpoint, 1 PCI-to-PCI bridge. */
  readonly headerType: number;
  /** The SR-IOV physical function, when this is a VF. */
  readonly physfn: PciFunction | undefined;
  /** Enabled VFs of a PF, in VF index order. */
  readonly vfs: readonly PciFunction[];
  /** The bound driver, or undefined. */
  readonly driver: PciDriver | undefined;
  /** driver_override, or undefined when unset (reads "(null)"). */
  readonly driverOverride: string | undefined;
  readonly iommuGroup: IommuGroup | undefined;
  /** The catalog model this function was built from. */
  readonly modelId: string;
  /** Per-driver state (e.g. the NVIDIA driver's vGPU bookkeeping), keyed by driver name. */
  readonly driverData: Map<string, unknown>;
}

/** A PCI driver (struct pci_driver) as the PCI core calls it. */
export interface PciDriver {
  readonly name: string;
  /** Module name for /sys/module/<module> and the driver's `module` link. */
  readonly module: string;
  /**
   * True for drivers that do not use the kernel DMA API (vfio-pci, pci-stub, pcieport):
   * they may bind while the IOMMU group is owned by a VFIO user (drivers/iommu/iommu.c).
   */
  readonly driverManagedDma: boolean;
  /** True for vfio-pci-style catch-all tables that match only through driver_override. */
  readonly overrideOnly: boolean;
  /** Match against the static id table (pci_match_id); dynids are handled by the core. */
  matchStatic(dev: PciFunction): boolean;
  /** Called when the core binds the device; throw KernelErrno to fail the probe. */
  probe(dev: PciFunction, kernel: KernelServices): void;
  /** Called when the device is unbound or removed. */
  remove(dev: PciFunction, kernel: KernelServices): void;
  /**
   * sriov_configure(): enable `numVfs` VFs (>0) or disable all (0). Absent → sriov_numvfs
   * writes fail with ENOENT (drivers/pci/iov.c).
   */
  sriovConfigure?(dev: PciFunction, numVfs: number, kernel: KernelServices): void;
  /**
   * Asked when vfio-pci probes a VF of a PF bound to this driver: true refuses the bind
   * with EINVAL (NVIDIA vendor-specific VFIO VFs, anchors.md §0). Absent = allowed.
   */
  rejectsVfioPciOnVf?(vf: PciFunction): boolean;
}

/** An IOMMU group (/sys/kernel/iommu_groups/<id>). */
export interface IommuGroup {
  readonly id: number;
  /** dev_names of members: PCI addresses or mdev UUIDs. */
  readonly members: readonly string[];
}

/** Services the PCI core offers to drivers and to the mdev core. */
export interface KernelServices {
  readonly tree: Kernfs;
  readonly version: KernelVersion;
  uevent(event: Uevent): void;
  /** Looks up a PCI function by address. */
  pciDevice(address: string): PciFunction | undefined;
  /**
   * Enables `numVfs` VFs on a PF (pci_enable_sriov): creates VF functions with their
   * links and probes them if sriov_drivers_autoprobe is 1. Used by sriovConfigure().
   */
  enableVfs(pf: PciFunction, numVfs: number): void;
  /** pci_disable_sriov(): unbinds and removes all VFs. */
  disableVfs(pf: PciFunction): void;
  /** Allocates a new IOMMU group (lowest free id) for an emulated-IOMMU device such as an mdev. */
  allocIommuGroup(memberName: string, memberPath: string, options?: { name?: string }): IommuGroup;
  /** Removes a device from its group; frees the group when it becomes empty. */
  releaseIommuGroup(group: IommuGroup, memberName: string): void;
  /**
   * Registers a device with VFIO: creates /dev/vfio/<group> (first device of the group),
   * <dev>/vfio-dev/vfio<X> and /dev/vfio/devices/vfio<X>.
   */
  vfioRegister(devName: string, devPath: string, group: IommuGroup): void;
  /** Undoes {@link vfioRegister}. */
  vfioUnregister(devName: string, devPath: string, group: IommuGroup): void;
  /** The mdev core. */
  readonly mdev: MdevCore;
}

/** One mdev type a parent offers (struct mdev_type, ≥6.1). */
export interface MdevTypeModel {
  /** Driver-supplied part of the type id; the id is `<driver name>-<sysfsName>`. */
  readonly sysfsName: string;
  /** `name` file; absent (undefined) on drivers that provide none (≤6.0 vendor attrs, GVT-g). */
  readonly prettyName: string | undefined;
  /** `description` file; absent when undefined. */
  readonly description: string | undefined;
  readonly deviceApi: string;
  /** available_instances, recomputed on every read. */
  available(): number;
}

/** What a vendor driver supplies when it registers an mdev parent (mdev_register_parent). */
export interface MdevParentOps {
  /** Name of the mdev driver bound to children (`mtty`, `nvidia-vgpu-vfio`). */
  readonly mdevDriver: string;
  /**
   * Module owning the mdev driver, for `/sys/bus/mdev/drivers/<drv>/module` (`kvmgt` for
   * `intel_vgpu_mdev`); default: the driver name with `-` replaced by `_`.
   */
  readonly mdevDriverModule?: string;
  /** Prefix of type ids: the parent's driver name (`nvidia`, `i915`) or class name (`mtty`). */
  readonly typePrefix: string;
  readonly types: readonly MdevTypeModel[];
  /** Creates the vendor state for a new mdev; throw KernelErrno (ENOSPC, EUSERS…) to refuse. */
  create(type: MdevTypeModel, uuid: string): void;
  /** Releases the vendor state of a removed mdev. */
  remove(type: MdevTypeModel, uuid: string): void;
  /** Extra vendor attributes in the mdev's directory (e.g. `vendor/`, `nvidia/`). */
  populateDevice?(type: MdevTypeModel, uuid: string, devPath: string, tree: Kernfs): void;
}

/** A registered parent. */
export interface MdevParentHandle {
  readonly name: string;
  readonly path: string;
}

/** The mdev core (drivers/vfio/mdev). */
export interface MdevCore {
  /** mdev_register_parent(): types dir, /sys/class/mdev_bus/<name> link, change uevent. */
  registerParent(parentName: string, parentPath: string, ops: MdevParentOps): MdevParentHandle;
  /** mdev_unregister_parent(): removes every child mdev, the types and the class link. */
  unregisterParent(parent: MdevParentHandle): void;
  /** UUIDs of live mdevs below a parent. */
  devicesOf(parent: MdevParentHandle): string[];
}
