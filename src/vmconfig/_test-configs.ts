/**
 * One emitter input per kind of device, as the manager builds them on the emulated `lab`
 * host (and its SR-IOV and render-node variants), with fixed UUIDs: the golden files and the
 * QEMU and libvirt acceptance tests all run on these.
 */
import type { VmGpuConfig, VmGpuDevice } from './vm-gpu.ts';

/** The VM UUID of every fixture (NVIDIA's vGPU manager needs one). */
export const VM_UUID = '6a1f3c2e-8d4b-4e0a-9b7c-2f5e1d3a4b6c';
/** The mdev UUID of the mdev fixtures. */
export const MDEV_UUID = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';

function config(summary: string, device: VmGpuDevice, kubevirt: VmGpuConfig['kubevirt']): VmGpuConfig {
  return { vmName: 'vgpuctl-vm', vmUuid: VM_UUID, memoryMiB: 4096, vcpus: 2, device, kubevirt, summary };
}

/** Fixture name → emitter input. */
export const FIXTURE_CONFIGS: Readonly<Record<string, VmGpuConfig>> = {
  passthrough: config(
    'mode passthrough: NVIDIA GeForce RTX 4070 with 0000:01:00.1 (0000:01:00.0)',
    { kind: 'pci', functions: ['0000:01:00.0', '0000:01:00.1'], nvidiaVgpu: false },
    { resourceName: 'nvidia.com/AD104_GEFORCE_RTX_4070', selector: { kind: 'pci', pciVendorSelector: '10DE:2786' } },
  ),
  sriov: config(
    'mode sriov: VF 0000:41:00.4 of NVIDIA A10 (0000:41:00.0)',
    { kind: 'pci', functions: ['0000:41:00.4'], nvidiaVgpu: false },
    { resourceName: 'nvidia.com/GA102GL_A10M', selector: { kind: 'pci', pciVendorSelector: '10DE:2238' } },
  ),
  'mdev-nvidia': config(
    'mode mdev: GRID T4-1B on NVIDIA Tesla T4 (0000:3b:00.0)',
    { kind: 'mdev', uuid: MDEV_UUID, display: true, ramfb: true, nvidiaVgpu: true },
    { resourceName: 'nvidia.com/GRID_T4-1B', selector: { kind: 'mdev', mdevNameSelector: 'GRID T4-1B' } },
  ),
  'mdev-compute': config(
    'mode mdev: GRID T4-4C on NVIDIA Tesla T4 (0000:3b:00.0)',
    { kind: 'mdev', uuid: MDEV_UUID, display: false, ramfb: false, nvidiaVgpu: true },
    { resourceName: 'nvidia.com/GRID_T4-4C', selector: { kind: 'mdev', mdevNameSelector: 'GRID T4-4C' } },
  ),
  'mdev-gvt-g': config(
    'mode mdev: i915-GVTg_V5_4 on Intel UHD Graphics 630 (0000:00:02.0)',
    { kind: 'mdev', uuid: MDEV_UUID, display: true, ramfb: true, nvidiaVgpu: false },
    { resourceName: 'intel.com/i915-GVTg_V5_4', selector: { kind: 'mdev', mdevNameSelector: 'i915-GVTg_V5_4' } },
  ),
  'mdev-vendor-vfio': config(
    'mode mdev: NVIDIA L40S-4Q on NVIDIA device 26b9 (0000:41:00.0)',
    { kind: 'pci', functions: ['0000:41:00.4'], nvidiaVgpu: true },
    { resourceName: 'nvidia.com/NVIDIA_L40S-4Q', selector: { kind: 'pci', pciVendorSelector: '10DE:26B9' } },
  ),
  'software-2d': config(
    'mode software: virtio-vga, 2D (no host GPU needed)',
    { kind: 'virtio-gpu', api: '2d', renderNode: null, hostMemoryMiB: 256, heads: 1 },
    null,
  ),
  'software-virgl': config(
    'mode software: virgl on /dev/dri/renderD128 (NVIDIA GeForce RTX 4070, nvidia)',
    { kind: 'virtio-gpu', api: 'virgl', renderNode: '/dev/dri/renderD128', hostMemoryMiB: 2048, heads: 1 },
    null,
  ),
  'software-venus': config(
    'mode software: venus on /dev/dri/renderD128 (Intel UHD Graphics 630, i915)',
    { kind: 'virtio-gpu', api: 'venus', renderNode: '/dev/dri/renderD128', hostMemoryMiB: 1024, heads: 1 },
    null,
  ),
};
