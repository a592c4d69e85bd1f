/**
 * Turns the kernel's terse answer to a failed driver or SR-IOV write (EBUSY, ENODEV, EINVAL
 * …) into what it means for that file, from the store functions that return it
 * (drivers/base/bus.c bind_store/unbind_store, drivers/pci/iov.c sriov_numvfs_store,
 * drivers/vfio/pci/vfio_pci.c probe).
 */
import type { Step } from '../../core/plan.ts';
import type { Errno } from '../../host/errno.ts';

/** What an errno from writing `step` means, or undefined when there is nothing specific to say. */
export function explainFailure(step: Step, errno: Errno | undefined): string | undefined {
  const path = step.path;
  if (step.kind === 'waitFor') {
    const bound = /\/drivers\/([^/]+)\/[^/]+$/.exec(path);
    if (bound !== null && step.gone !== true) {
      return `The probe did not attach ${bound[1]}: the driver refused the device (look for its message in dmesg)`;
    }
    return undefined;
  }
  if (errno === undefined) return undefined;
  if (path.endsWith('/sriov_numvfs')) {
    switch (errno) {
      case 'ENOENT':
        return "The PF's driver cannot create VFs: it has no sriov_configure (vfio-pci needs enable_sriov=1)";
      case 'EBUSY':
        return 'VFs are already enabled: the kernel changes a non-zero count only through 0';
      case 'ERANGE':
        return 'The count is above sriov_totalvfs';
      default:
        return undefined;
    }
  }
  if (path.endsWith('/bind')) {
    switch (errno) {
      case 'EBUSY':
        return 'The device already has a driver, or its IOMMU group is owned by a VFIO user (a running VM) and the driver uses kernel DMA';
      case 'ENODEV':
        return 'The driver does not match the device: driver_override names another driver, or it is a VF whose PF has sriov_drivers_autoprobe=0';
      case 'EINVAL':
        return 'The driver refused the device: vfio-pci rejects bridges, devices without an IOMMU group and vendor-VFIO VFs';
      default:
        return undefined;
    }
  }
  if (path.endsWith('/unbind') && errno === 'ENODEV') return 'The device is no longer bound to that driver';
  if (path.endsWith('/drivers_probe') && errno === 'ENODEV') return 'The device no longer exists';
  if (path.endsWith('/driver_override') && errno === 'EINVAL') return 'The override is too long for the kernel';
  return undefined;
}
