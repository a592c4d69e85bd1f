/**
 * Which processes use the devices of an IOMMU group: the "in use" test of bind and unbind.
 * Unbinding nvidia under an open /dev/nvidiaN fails or hangs; unbinding vfio-pci from a
 * device a VM holds blocks until the VM lets go (drivers/vfio/vfio_main.c
 * vfio_unregister_group_dev sends the "request" notification every 10 s).
 */
import type { DeviceUser, Inventory, IommuGroupInfo } from '../../discovery/inventory.ts';

/** Processes holding a device node of the group's devices, or the group's VFIO node. */
export function usersOfGroup(inventory: Inventory, group: IommuGroupInfo): DeviceUser[] {
  const addresses = new Set(group.devices.map((d) => d.address));
  const onNvidia = group.devices.some((d) => d.driver === 'nvidia');
  return (inventory.deviceUsers ?? []).filter(
    (user) =>
      user.iommuGroup === group.id ||
      (user.address !== null && addresses.has(user.address)) ||
      // A /dev/nvidiaN the host did not tie to a GPU (no /proc/driver/nvidia): it may be this one.
      (user.address === null && user.iommuGroup === null && onNvidia && /^\/dev\/nvidia\d+$/.test(user.node)),
  );
}

/** Processes holding the group's VFIO nodes: the group is owned by a VFIO user (a VM). */
export function vfioUsersOfGroup(inventory: Inventory, group: IommuGroupInfo): DeviceUser[] {
  return usersOfGroup(inventory, group).filter((user) => user.node.startsWith('/dev/vfio/'));
}

/** "nvidia-persistenced (pid 812) holds /dev/nvidia0, qemu-system-x86 (pid 4242) holds /dev/vfio/2". */
export function describeUsers(users: readonly DeviceUser[]): string {
  return users.map((u) => `${u.command ?? 'a process'} (pid ${u.pid}) holds ${u.node}`).join(', ');
}
