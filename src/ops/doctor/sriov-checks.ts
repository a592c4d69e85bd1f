/** SR-IOV checks, per GPU with the capability: can its driver create VFs, and how many exist. */
import { fail, type GpuCheck, pass, warn } from './check.ts';

/** The PF's driver and VF state. */
const sriovCheck: GpuCheck = {
  id: 'sriov',
  section: 'sriov',
  applies: (gpu) => gpu.sriov !== null,
  run(gpu, { virt }) {
    const sriov = gpu.sriov;
    if (sriov === null) return pass('No SR-IOV capability');
    if (gpu.driver === null) {
      return fail(
        `No driver is bound: only the PF's driver creates VFs (${sriov.numVfs} of ${sriov.totalVfs} enabled)`,
        `Give it back to its driver: "vgpuctl unbind ${gpu.address}"`,
      );
    }
    // drivers/vfio/pci/vfio_pci.c: sriov_configure only with the enable_sriov module parameter.
    if (gpu.driver === 'vfio-pci' && virt.vfioParameters.enableSriov !== true && sriov.numVfs === 0) {
      return warn(
        `Bound to vfio-pci, which creates VFs only when loaded with enable_sriov=1 (${sriov.totalVfs} possible)`,
        'Reload it with "modprobe -r vfio-pci; modprobe vfio-pci enable_sriov=1", or return the GPU to its vendor driver',
      );
    }
    const autoprobe = sriov.driversAutoprobe === false ? 'autoprobe off' : 'autoprobe on';
    if (sriov.numVfs === 0) {
      return pass(
        `SR-IOV capable: 0 of ${sriov.totalVfs} VFs enabled (${autoprobe}); "vgpuctl sriov ${gpu.address} --vfs N" creates them`,
      );
    }
    const drivers = [...new Set(sriov.vfs.map((vf) => vf.driver ?? 'no driver'))].join(', ');
    return pass(`${sriov.numVfs} of ${sriov.totalVfs} VFs enabled (${autoprobe}); VF drivers: ${drivers}`);
  },
};

/** SR-IOV checks, in report order. */
export const SRIOV_CHECKS: readonly GpuCheck[] = [sriovCheck];
