/**
 * Bookkeeping shared by the parts of the emulated mdev core (drivers/vfio/mdev): the
 * registered parents, the global list of mdevs and the loaded mdev drivers.
 */
import type {
  IommuGroup,
  KernelServices,
  MdevParentHandle,
  MdevParentOps,
  MdevTypeModel,
  Uevent,
} from '../kernel-api.ts';

/** One supported type of a parent (struct mdev_type). */
export interface MdevTypeRecord {
  /** `<prefix>-<sysfsName>`, the directory name below mdev_supported_types. */
  readonly id: string;
  readonly model: MdevTypeModel;
  /** Absolute path of the type directory. */
  readonly path: string;
}

/** A registered parent (struct mdev_parent). */
export interface MdevParentRecord extends MdevParentHandle {
  readonly ops: MdevParentOps;
  readonly types: Map<string, MdevTypeRecord>;
  /** UUIDs of the parent's live mdevs, in creation order. */
  readonly devices: Set<string>;
  /** SUBSYSTEM of the parent device for its change uevents (pci, mtty, nvidia …). */
  readonly subsystem: string;
}

/** One mdev (struct mdev_device). */
export interface MdevDeviceRecord {
  /** Lower-case UUID, the device name (%pUl). */
  readonly uuid: string;
  readonly parent: MdevParentRecord;
  readonly type: MdevTypeRecord;
  /** Absolute path: `<parent>/<uuid>`. */
  readonly path: string;
  /** Bound to the parent's mdev driver (false after an unbind through the driver). */
  bound: boolean;
  /** The IOMMU group allocated at VFIO registration while bound. */
  group: IommuGroup | undefined;
  /** Names the vendor's populateDevice() added, removed again at unbind (driver dev_groups). */
  vendorNodes: string[];
}

/** The whole mdev core state. */
export interface MdevCoreState {
  readonly services: () => KernelServices;
  readonly parents: Map<string, MdevParentRecord>;
  /** Every live mdev by lower-case UUID: the global list mdev_device_create checks (EEXIST). */
  readonly devices: Map<string, MdevDeviceRecord>;
  /** Loaded mdev drivers: name → module. */
  readonly drivers: Map<string, string>;
  busLoaded: boolean;
}

/** Path of the mdev bus. */
export const MDEV_BUS = '/sys/bus/mdev';
/** Path of the mdev_bus class (class_compat links to parents). */
export const MDEV_BUS_CLASS = '/sys/class/mdev_bus';

/** DEVPATH of a uevent: the device path below /sys. */
function devpathOf(path: string): string {
  return path.startsWith('/sys/') ? path.slice(4) : path;
}

/** Sends a uevent for the device at `path` with SUBSYSTEM and extra variables. */
export function emit(
  state: MdevCoreState,
  action: Uevent['action'],
  path: string,
  subsystem: string,
  extra: Record<string, string> = {},
): void {
  state.services().uevent({ action, devpath: devpathOf(path), env: { SUBSYSTEM: subsystem, ...extra } });
}
