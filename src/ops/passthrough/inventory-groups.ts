/**
 * IOMMU groups of an inventory. discover() lists every group; an inventory built without
 * that list (by hand, or by an older producer) still has each GPU's own group, which is
 * rebuilt here so that planners work on both.
 */
import type { GroupDevice, Inventory, IommuGroupInfo } from '../../discovery/inventory.ts';

/** Every IOMMU group the inventory knows, ordered by id. */
export function listGroups(inventory: Inventory): IommuGroupInfo[] {
  if (inventory.iommuGroups !== undefined) return inventory.iommuGroups;
  const groups = new Map<number, IommuGroupInfo>();
  for (const gpu of inventory.gpus) {
    if (gpu.iommuGroup === null || groups.has(gpu.iommuGroup.id)) continue;
    groups.set(gpu.iommuGroup.id, {
      id: gpu.iommuGroup.id,
      type: null,
      vfioNode: false,
      devices: gpu.iommuGroup.members.map(
        (m): GroupDevice => ({
          address: m.address,
          kind: 'pci',
          name: null,
          classCode: m.classCode,
          className: null,
          driver: m.driver,
          driverOverride: m.address === gpu.address ? gpu.driverOverride : null,
          bridge: m.bridge,
          bootVga: m.address === gpu.address && gpu.bootVga,
          physfn: null,
          vfioDevice: false,
        }),
      ),
    });
  }
  return [...groups.values()].sort((a, b) => a.id - b.id);
}

/** The group with this id. */
export function groupById(inventory: Inventory, id: number): IommuGroupInfo | undefined {
  return listGroups(inventory).find((g) => g.id === id);
}

/** The group holding the device `address`. */
export function groupOf(inventory: Inventory, address: string): IommuGroupInfo | undefined {
  return listGroups(inventory).find((g) => g.devices.some((d) => d.address === address));
}

/** The group entry of the device `address`. */
export function groupDevice(inventory: Inventory, address: string): GroupDevice | undefined {
  return groupOf(inventory, address)?.devices.find((d) => d.address === address);
}
