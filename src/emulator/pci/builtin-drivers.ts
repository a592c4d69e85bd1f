/**
 * In-kernel PCI drivers the emulator always provides: vfio-pci, pci-stub, pcieport and
 * snd_hda_intel. Vendor GPU drivers live in ../drivers.
 */
import type { KernelServices, PciDriver, PciFunction } from '../kernel-api.ts';
import { fail } from '../kernfs/errno-error.ts';

/**
 * vfio-pci (drivers/vfio/pci/vfio_pci.c): a single override-only PCI_ANY_ID entry, so it
 * binds through driver_override or new_id. Probe refuses bridges (EINVAL), PFs with VFs
 * enabled (EBUSY), devices without an IOMMU group (EINVAL), and VFs whose PF driver
 * provides its own VFIO device (vendor VFIO: anchors §0, EINVAL). No sriov_configure
 * without the enable_sriov module parameter.
 */
export function createVfioPciDriver(): PciDriver {
  return {
    name: 'vfio-pci',
    module: 'vfio_pci',
    driverManagedDma: true,
    overrideOnly: true,
    matchStatic: () => false,
    probe(dev: PciFunction, kernel: KernelServices): void {
      if (dev.headerType !== 0) fail('EINVAL', 'not a normal header type');
      if (dev.vfs.length > 0) fail('EBUSY', 'PF has VFs enabled');
      const pfDriver = dev.physfn?.driver;
      if (dev.physfn !== undefined && pfDriver?.rejectsVfioPciOnVf?.(dev) === true) fail('EINVAL');
      const group = dev.iommuGroup;
      if (group === undefined) fail('EINVAL', 'no IOMMU group');
      kernel.vfioRegister(dev.address, dev.path, group);
    },
    remove(dev: PciFunction, kernel: KernelServices): void {
      if (dev.iommuGroup !== undefined) kernel.vfioUnregister(dev.address, dev.path, dev.iommuGroup);
    },
  };
}

/** pci-stub (drivers/pci/pci-stub.c): no id table (ids= or new_id), claims no DMA. */
export function createPciStubDriver(): PciDriver {
  return {
    name: 'pci-stub',
    module: 'pci_stub',
    driverManagedDma: true,
    overrideOnly: false,
    matchStatic: () => false,
    probe: () => undefined,
    remove: () => undefined,
  };
}

/** pcieport (drivers/pci/pcie/portdrv.c): PCI-to-PCI bridges of class 0x0604. */
export function createPcieportDriver(): PciDriver {
  return {
    name: 'pcieport',
    module: 'pcieportdrv',
    driverManagedDma: true,
    overrideOnly: false,
    matchStatic: (dev) => dev.classCode >> 8 === 0x0604 && dev.headerType === 1,
    probe: () => undefined,
    remove: () => undefined,
  };
}

/** snd_hda_intel (sound/pci/hda/hda_intel.c): HD audio controllers, class 0x0403. */
export function createSndHdaIntelDriver(): PciDriver {
  return {
    name: 'snd_hda_intel',
    module: 'snd_hda_intel',
    driverManagedDma: false,
    overrideOnly: false,
    matchStatic: (dev) => dev.classCode >> 8 === 0x0403,
    probe: () => undefined,
    remove: () => undefined,
  };
}
