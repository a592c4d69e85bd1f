/**
 * IOMMU group viability for VFIO (kernel-semantics.md §3.2): a group can be handed to a VM
 * only when every endpoint is on a VFIO driver, on pci-stub, or on no driver. PCI bridges do
 * not count (≤5.18 vfio_dev_viable skips non-zero header types; ≥5.19 pcieport is
 * driver_managed_dma). A device another driver registered with VFIO itself (NVIDIA's
 * vendor-VFIO VFs stay on nvidia, anchors.md §0) counts as VFIO-owned.
 */
import { VgpuctlError } from '../../core/errors.ts';
import type { GroupDevice, Inventory, IommuGroupInfo } from '../../discovery/inventory.ts';
import { isDmaSafeDriver } from './driver-name.ts';
import { groupById, listGroups } from './inventory-groups.ts';

/** A device that keeps a group from being viable, and why. */
export interface ViabilityBlocker {
  address: string;
  driver: string | null;
  reason: string;
}

/** Whether a group is viable for VFIO, and every device that blocks it. */
export interface GroupViability {
  viable: boolean;
  blockers: ViabilityBlocker[];
}

/**
 * Whether IOMMU group `groupId` is viable for VFIO and, if not, which devices block it and
 * why. Throws NOT_FOUND when the inventory has no such group.
 */
export function groupViability(inventory: Inventory, groupId: number): GroupViability {
  const group = groupById(inventory, groupId);
  if (group === undefined) {
    const ids = listGroups(inventory).map((g) => g.id);
    throw new VgpuctlError(
      'NOT_FOUND',
      `Cannot check IOMMU group "${groupId}": no such group on ${inventory.host.source}`,
      {
        hint:
          ids.length === 0
            ? 'This host has no IOMMU groups: the IOMMU is off'
            : `Groups on this host: ${ids.join(', ')}`,
      },
    );
  }
  return viabilityOf(group);
}

/** Viability of a group already in hand. */
export function viabilityOf(group: IommuGroupInfo): GroupViability {
  const blockers = group.devices.flatMap((device) => {
    const reason = blockReason(device);
    return reason === null ? [] : [{ address: device.address, driver: device.driver, reason }];
  });
  return { viable: blockers.length === 0, blockers };
}

/** Why one device blocks its group, or null when it does not. */
function blockReason(device: GroupDevice): string | null {
  if (device.kind !== 'pci') return null; // mdevs get groups of their own, owned by vfio_mdev
  if (device.bridge) return null;
  if (isDmaSafeDriver(device.driver) || device.vfioDevice) return null;
  return `bound to host driver "${device.driver}", which uses the kernel DMA API`;
}
