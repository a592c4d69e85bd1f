/**
 * Device users: processes that hold a GPU's device nodes or an IOMMU group's VFIO node open.
 * Unbinding a driver under them blocks or fails (an open /dev/nvidiaN keeps nvidia.ko busy;
 * vfio-pci's remove waits for the VFIO user, drivers/vfio/vfio_main.c
 * vfio_unregister_group_dev), so bind and unbind refuse while they exist.
 */
import { isPciAddress } from '../core/pci-address.ts';
import type { DeviceUser } from './inventory.ts';
import { readProcessTable } from './process-table.ts';
import type { SysfsReader } from './sysfs-reader.ts';

/** Reads the device users of the host, each node resolved to its PCI function or IOMMU group. */
export async function readDeviceUsers(sysfs: SysfsReader): Promise<DeviceUser[]> {
  const processes = await readProcessTable(sysfs);
  if (processes.length === 0) return [];
  const nvidiaMinors = await readNvidiaMinors(sysfs);
  const users: DeviceUser[] = [];
  for (const process of processes) {
    for (const node of process.nodes) {
      const where = await resolveNode(sysfs, node, nvidiaMinors);
      users.push({ pid: process.pid, command: process.command, node, ...where });
    }
  }
  return users;
}

/**
 * NVIDIA device minors by PCI address, from `/proc/driver/nvidia/gpus/<BDF>/information`
 * ("Device Minor: 0"); /dev/nvidia<minor> is that GPU's node.
 */
async function readNvidiaMinors(sysfs: SysfsReader): Promise<Map<number, string>> {
  const minors = new Map<number, string>();
  for (const address of await sysfs.list('/proc/driver/nvidia/gpus')) {
    const info = await sysfs.text(`/proc/driver/nvidia/gpus/${address}/information`);
    const minor = /^Device Minor:\s*(\d+)/m.exec(info ?? '')?.[1];
    if (minor !== undefined && isPciAddress(address)) minors.set(Number(minor), address);
  }
  return minors;
}

async function resolveNode(
  sysfs: SysfsReader,
  node: string,
  nvidiaMinors: Map<number, string>,
): Promise<{ address: string | null; iommuGroup: number | null }> {
  const nvidia = /^\/dev\/nvidia(\d+)$/.exec(node);
  if (nvidia !== null) return { address: nvidiaMinors.get(Number(nvidia[1])) ?? null, iommuGroup: null };
  const group = /^\/dev\/vfio\/(?:noiommu-)?(\d+)$/.exec(node);
  if (group !== null) return { address: null, iommuGroup: Number(group[1]) };
  // DRM minors and VFIO device cdevs link back to their device in sysfs.
  const name = node.slice(node.lastIndexOf('/') + 1);
  const classDir = node.startsWith('/dev/dri/') ? `/sys/class/drm/${name}` : `/sys/class/vfio-dev/${name}`;
  const device = await sysfs.linkName(`${classDir}/device`);
  const address = device !== null && isPciAddress(device) ? device : null;
  const groupName = address === null ? null : await sysfs.linkName(`/sys/bus/pci/devices/${address}/iommu_group`);
  return { address, iommuGroup: groupName === null || !/^\d+$/.test(groupName) ? null : Number(groupName) };
}
