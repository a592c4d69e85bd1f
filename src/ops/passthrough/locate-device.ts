/**
 * Finds the device a passthrough or SR-IOV request names: a GPU, or a virtual function of
 * one, with the IOMMU group it sits in. Errors say what the address is instead.
 */
import { VgpuctlError } from '../../core/errors.ts';
import { clip, isPciAddress, type PciAddress, parsePciAddress } from '../../core/pci-address.ts';
import type { Gpu, Inventory, IommuGroupInfo, VirtualFunction } from '../../discovery/inventory.ts';
import { groupDevice, groupOf } from './inventory-groups.ts';

/** A located device: the GPU it belongs to, the VF when it is one, and its IOMMU group. */
export interface LocatedDevice {
  address: PciAddress;
  gpu: Gpu;
  vf: VirtualFunction | null;
  group: IommuGroupInfo | null;
}

/**
 * Locates a GPU or a VF of a GPU by address. `action` completes "Cannot <action> …" in
 * errors (`bind "0000:01:00.0" to vfio-pci`). Throws INVALID_PCI_ADDRESS, NOT_A_GPU or
 * DEVICE_NOT_FOUND.
 */
export function locateGpuDevice(
  inventory: Inventory,
  input: string,
  action: (address: string) => string,
): LocatedDevice {
  const address = parsePciAddress(input);
  const gpu = inventory.gpus.find((g) => g.address === address);
  if (gpu !== undefined) return { address, gpu, vf: null, group: groupOf(inventory, address) ?? null };
  for (const owner of inventory.gpus) {
    const vf = owner.sriov?.vfs.find((v) => v.address === address);
    if (vf !== undefined) return { address, gpu: owner, vf, group: groupOf(inventory, address) ?? null };
  }
  throw notAGpu(inventory, address, action(address));
}

/** NOT_A_GPU for a known non-GPU device, DEVICE_NOT_FOUND otherwise. */
export function notAGpu(inventory: Inventory, address: string, action: string): VgpuctlError {
  const device = groupDevice(inventory, address);
  if (device !== undefined) {
    const klass =
      device.className === null
        ? `class ${device.classCode ?? 'unknown'}`
        : `${device.className}, class ${device.classCode}`;
    return new VgpuctlError('NOT_A_GPU', `Cannot ${action}: it is not a GPU (${klass})`, {
      hint: 'Name the GPU itself; vgpuctl moves its audio function and the rest of its IOMMU group with it',
    });
  }
  const gpus = inventory.gpus.map((g) => g.address).join(', ') || 'none';
  const shown = isPciAddress(address) ? address : clip(address);
  return new VgpuctlError(
    'DEVICE_NOT_FOUND',
    `Cannot ${action.replace(address, shown)}: no such PCI device on ${inventory.host.source}`,
    {
      hint: `GPUs on this host: ${gpus}`,
    },
  );
}
