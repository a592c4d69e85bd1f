/**
 * Driver names: which drivers keep an IOMMU group usable by VFIO, and validation of a
 * driver name a user typed before it becomes part of a sysfs path.
 */
import { VgpuctlError } from '../../core/errors.ts';
import { clip } from '../../core/pci-address.ts';
import type { Inventory } from '../../discovery/inventory.ts';

/** The driver `vgpuctl bind` uses unless told otherwise. */
export const DEFAULT_BIND_DRIVER = 'vfio-pci';

/**
 * vfio-pci and its vendor variants (mlx5_vfio_pci, nvgrace_gpu_vfio_pci, hisi_acc_vfio_pci …
 * register as "<vendor>-vfio-pci" or "<vendor>_vfio_pci"): VFIO device drivers.
 */
export function isVfioDriver(name: string | null): boolean {
  return name !== null && /(^|[-_])vfio[-_]pci$/.test(name);
}

/**
 * Drivers that do not claim the kernel DMA API (`driver_managed_dma`): VFIO drivers and
 * pci-stub. A group stays viable only while every endpoint is on one of them or on none
 * (drivers/iommu/iommu.c DMA ownership; drivers/pci/pci-stub.c).
 */
export function isDmaSafeDriver(name: string | null): boolean {
  return name === null || name === 'pci-stub' || isVfioDriver(name);
}

/**
 * Checks a driver name for `vgpuctl bind`: a plain name (no `/`, no `..`) of a driver
 * registered on the PCI bus that parks devices for VFIO (a VFIO driver or pci-stub).
 * Throws INVALID_NAME, DRIVER_NOT_FOUND or INVALID_ARGUMENT.
 */
export function validateBindDriver(inventory: Inventory, name: string, address: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.includes('..') || name === '.') {
    throw new VgpuctlError('INVALID_NAME', `Cannot bind "${address}" to driver "${clip(name)}": not a driver name`, {
      hint: 'A driver name is letters, digits, "_", "-" and ".", as listed in /sys/bus/pci/drivers (e.g. vfio-pci)',
    });
  }
  const known = inventory.pciDrivers;
  if (known !== undefined && !known.includes(name)) {
    const module = name.replace(/-/g, '_');
    throw new VgpuctlError(
      'DRIVER_NOT_FOUND',
      `Cannot bind "${address}" to driver "${name}": no such driver in /sys/bus/pci/drivers`,
      {
        hint: `Load it first ("modprobe ${module}"); drivers registered now: ${known.join(', ') || 'none'}`,
      },
    );
  }
  if (!isDmaSafeDriver(name)) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot bind "${address}" to driver "${name}": it is not a VFIO or stub driver`,
      {
        hint: `Use --driver vfio-pci (or pci-stub); to give the device back to "${name}", run "vgpuctl unbind ${address}"`,
      },
    );
  }
  return name;
}
