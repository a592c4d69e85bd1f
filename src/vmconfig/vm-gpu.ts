/**
 * What a VM is given, independent of the hypervisor: the input of every emitter in this
 * folder. The manager builds it from a selection; emitters turn it into QEMU arguments,
 * libvirt XML, cloud-hypervisor arguments and KubeVirt YAML. Emitters are pure functions
 * of this value, so the same selection always prints the same configuration.
 */

/** How KubeVirt names and permits the device (anchors §5, §7). */
export interface KubevirtDevice {
  /** `nvidia.com/GRID_T4-1B`, `nvidia.com/TU104GL_TESLA_T4`. */
  resourceName: string;
  /** `pci`: permittedHostDevices.pciHostDevices with `pciVendorSelector`; `mdev`: mediatedDevices. */
  selector: { kind: 'pci'; pciVendorSelector: string } | { kind: 'mdev'; mdevNameSelector: string };
}

/** The device a VM gets. */
export type VmGpuDevice =
  | {
      /** Whole GPU (all endpoints of its IOMMU group), an SR-IOV VF, or an NVIDIA vendor-VFIO vGPU VF. */
      kind: 'pci';
      /** Host PCI addresses, the primary function first; more functions (the GPU's audio) share its guest slot. */
      functions: string[];
      /** An NVIDIA vGPU (vendor-VFIO VF): the VM UUID must be on the command line. */
      nvidiaVgpu: boolean;
    }
  | {
      /** A mediated device: `/sys/bus/mdev/devices/<uuid>`. */
      kind: 'mdev';
      uuid: string;
      /** Expose the vGPU's display (vfio display region or dmabuf). */
      display: boolean;
      /** Boot display through ramfb until the guest driver takes over (needs `display`). */
      ramfb: boolean;
      /** NVIDIA's vGPU manager reads the VM UUID from the command line. */
      nvidiaVgpu: boolean;
    }
  | {
      /** virtio-gpu: the software GPU. */
      kind: 'virtio-gpu';
      /** `virgl` (OpenGL via virglrenderer), `venus` (Vulkan), `2d` (no acceleration). */
      api: 'virgl' | 'venus' | '2d';
      /** The host render node for virgl/venus (`/dev/dri/renderD128`); null for 2d. */
      renderNode: string | null;
      /** Host memory the device may use for guest resources: the "virtual VRAM" in system memory. */
      hostMemoryMiB: number;
      heads: number;
    };

/** Everything an emitter needs. */
export interface VmGpuConfig {
  /** The VM's name in complete configurations (`-name`, `<name>`, `metadata.name`). */
  vmName: string;
  /** The VM UUID (`-uuid`, `<uuid>`); NVIDIA's vGPU manager refuses to start without it. */
  vmUuid: string;
  /** Guest memory and vCPUs of complete configurations. */
  memoryMiB: number;
  vcpus: number;
  device: VmGpuDevice;
  /** Null when KubeVirt cannot express the device (software GPUs). */
  kubevirt: KubevirtDevice | null;
  /** One line saying what was selected, for comments in the emitted files. */
  summary: string;
}

/** Default guest size of complete configurations. */
export const DEFAULT_VM = { vmName: 'vgpuctl-vm', memoryMiB: 4096, vcpus: 2 } as const;

/** True when the configuration must carry the VM UUID for NVIDIA's vGPU manager. */
export function needsVmUuid(device: VmGpuDevice): boolean {
  return device.kind !== 'virtio-gpu' && device.nvidiaVgpu;
}
