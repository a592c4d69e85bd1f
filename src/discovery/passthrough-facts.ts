/**
 * The facts passthrough needs beyond the GPUs themselves: every IOMMU group with all its
 * members, the processes holding GPU or VFIO nodes open, and the PCI drivers a device can
 * be bound to.
 */
import type { PciIds } from '../core/pci-ids.ts';
import { readDeviceUsers } from './device-users.ts';
import type { DeviceUser, IommuGroupInfo } from './inventory.ts';
import { readIommuGroups } from './iommu-groups.ts';
import type { PciFunctionFacts } from './pci-function.ts';
import type { SysfsReader } from './sysfs-reader.ts';

/** Reads IOMMU groups, device users and PCI drivers for the inventory. */
export async function readPassthroughFacts(
  sysfs: SysfsReader,
  functions: ReadonlyMap<string, PciFunctionFacts>,
  ids: PciIds,
  options: { deviceUsers: boolean; iommuGroups?: boolean },
): Promise<{ iommuGroups?: IommuGroupInfo[]; deviceUsers?: DeviceUser[]; pciDrivers: string[] }> {
  const [iommuGroups, deviceUsers, pciDrivers] = await Promise.all([
    options.iommuGroups === false ? undefined : readIommuGroups(sysfs, functions, ids),
    options.deviceUsers ? readDeviceUsers(sysfs) : undefined,
    sysfs.list('/sys/bus/pci/drivers'),
  ]);
  return {
    ...(iommuGroups === undefined ? {} : { iommuGroups }),
    ...(deviceUsers === undefined ? {} : { deviceUsers }),
    pciDrivers: pciDrivers.sort(),
  };
}
