/** Dynamic PCI ids added through `new_id` (drivers/pci/pci-driver.c pci_add_dynid, pci_match_one_device). */
import type { PciFunction } from '../kernel-api.ts';

/** PCI_ANY_ID. */
const PCI_ANY_ID = 0xffffffff;

/** struct pci_device_id as new_id fills it. */
export interface DynId {
  vendor: number;
  device: number;
  subvendor: number;
  subdevice: number;
  classCode: number;
  classMask: number;
  driverData: number;
}

/** pci_match_one_device. */
export function dynidMatches(
  id: DynId,
  dev: Pick<PciFunction, 'vendor' | 'device' | 'subsystemVendor' | 'subsystemDevice' | 'classCode'>,
): boolean {
  const field = (want: number, have: number): boolean => want === PCI_ANY_ID || want === have;
  return (
    field(id.vendor, dev.vendor) &&
    field(id.device, dev.device) &&
    field(id.subvendor, dev.subsystemVendor) &&
    field(id.subdevice, dev.subsystemDevice) &&
    ((id.classCode ^ dev.classCode) & id.classMask) === 0
  );
}

/** Builds the id from `sscanf("%x %x %x %x %x %x %lx")` fields; omitted sub ids are PCI_ANY_ID. */
export function dynidFromFields(fields: readonly number[]): DynId {
  return {
    vendor: fields[0] ?? 0,
    device: fields[1] ?? 0,
    subvendor: fields[2] ?? PCI_ANY_ID,
    subdevice: fields[3] ?? PCI_ANY_ID,
    classCode: fields[4] ?? 0,
    classMask: fields[5] ?? 0,
    driverData: fields[6] ?? 0,
  };
}
