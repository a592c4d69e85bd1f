/**
 * cloud-hypervisor arguments for a VM's GPU: `--device path=<sysfs dir>/` for VFIO devices
 * (all functions of an IOMMU group in one `--device`, docs/vfio.md) and `--gpu socket=` for
 * a software GPU served by a vhost-user virtio-gpu backend.
 */
import { needsVmUuid, type VmGpuConfig } from './vm-gpu.ts';

/** The vhost-user socket a software GPU backend listens on for this VM. */
function cloudHypervisorGpuSocket(config: VmGpuConfig): string {
  return `/run/vgpuctl/${config.vmName}-gpu.sock`;
}

/** The GPU-related arguments. */
export function cloudHypervisorArgs(config: VmGpuConfig): string[] {
  const gpu = config.device;
  // cloud-hypervisor has no -uuid; --platform uuid= sets the guest's SMBIOS UUID so the
  // VM UUID is at least consistent inside the guest (see the notes for NVIDIA).
  const platform = needsVmUuid(gpu) ? ['--platform', `uuid=${config.vmUuid}`] : [];
  switch (gpu.kind) {
    case 'pci':
      return [
        ...platform,
        '--device',
        ...gpu.functions.map((fn, i) => `path=/sys/bus/pci/devices/${fn}/,id=vgpuctl-gpu0${i === 0 ? '' : `-fn${i}`}`),
      ];
    case 'mdev':
      return [...platform, '--device', `path=/sys/bus/mdev/devices/${gpu.uuid}/,id=vgpuctl-gpu0`];
    case 'virtio-gpu':
      return ['--gpu', `socket=${cloudHypervisorGpuSocket(config)}`];
  }
}

/** Caveats of the cloud-hypervisor output. */
export function cloudHypervisorNotes(config: VmGpuConfig): string[] {
  const gpu = config.device;
  if (gpu.kind === 'virtio-gpu') {
    const backend =
      gpu.api === '2d'
        ? `crosvm device gpu --socket ${cloudHypervisorGpuSocket(config)}`
        : `vhost-device-gpu --socket-path ${cloudHypervisorGpuSocket(config)} --gpu-mode virglrenderer`;
    return [
      '--gpu needs a cloud-hypervisor build with the vhost-user GPU device (Spectrum patch) and --memory shared=on',
      `start the backend first, e.g.: ${backend}`,
      ...(gpu.api === 'venus' ? ['venus through vhost-user needs a backend with the venus capset'] : []),
    ];
  }
  if (needsVmUuid(gpu)) {
    return [
      'NVIDIA\'s vGPU manager looks for "-uuid <vm uuid>" on the VMM command line, which cloud-hypervisor does not have ' +
        '(cloud-hypervisor#5319): the vGPU may fail to start with "Failed to get VM UUID from QEMU command-line"',
    ];
  }
  return [];
}
