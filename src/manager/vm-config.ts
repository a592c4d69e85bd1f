/**
 * From a selected candidate and its device to the hypervisor-neutral {@link VmGpuConfig}
 * the emitters of vmconfig/ print: names, the VM UUID, and how KubeVirt would name it.
 */
import { VgpuctlError } from '../core/errors.ts';
import { clip } from '../core/pci-address.ts';
import type { PciIds } from '../core/pci-ids.ts';
import type { Inventory } from '../discovery/inventory.ts';
import { kubevirtMdevDevice, kubevirtPciDevice, kubevirtVendorVfioDevice } from '../vmconfig/kubevirt-names.ts';
import { DEFAULT_VM, type KubevirtDevice, type VmGpuConfig, type VmGpuDevice } from '../vmconfig/vm-gpu.ts';
import type { Candidate } from './candidate.ts';

/** The VM the configuration is for. `vmUuid` is an input so that emitters stay pure. */
export interface VmOptions {
  vmUuid: string;
  vmName?: string;
  memoryMiB?: number;
  vcpus?: number;
}

/** The pci.ids name of a device id of `vendorId` (a VF's id differs from its PF's). */
function deviceName(pciIds: PciIds | undefined, vendorId: string, deviceId: string): string | null {
  return pciIds?.names(Number.parseInt(vendorId, 16), Number.parseInt(deviceId, 16)).device ?? null;
}

function kubevirtOf(inventory: Inventory, candidate: Candidate, pciIds: PciIds | undefined): KubevirtDevice | null {
  const t = candidate.target;
  switch (t.kind) {
    case 'passthrough': {
      const gpu = inventory.gpus.find((g) => g.address === t.gpu);
      return gpu === undefined ? null : kubevirtPciDevice(gpu.vendor.id, gpu.device.id, gpu.device.name);
    }
    case 'sriov': {
      const gpu = inventory.gpus.find((g) => g.address === t.pf);
      if (gpu === undefined) return null;
      const vfId = gpu.sriov?.vfDeviceId ?? gpu.device.id;
      return kubevirtPciDevice(
        gpu.vendor.id,
        vfId,
        vfId === gpu.device.id ? gpu.device.name : deviceName(pciIds, gpu.vendor.id, vfId),
      );
    }
    case 'mdev': {
      if (t.mechanism === 'vendor-vfio') {
        const gpu = inventory.gpus.find((g) => g.address === t.gpu);
        const vfId = gpu?.sriov?.vfDeviceId ?? gpu?.device.id ?? '0000';
        return kubevirtVendorVfioDevice(t.vendorId ?? '10de', vfId, t.typeName ?? t.typeId);
      }
      return kubevirtMdevDevice(t.vendorId, t.typeName, t.typeId);
    }
    case 'software':
      return null;
  }
}

/** "mode mdev: GRID T4-1B on NVIDIA Tesla T4 (0000:3b:00.0)". */
function summaryOf(candidate: Candidate): string {
  // A software GPU's label names its render node already; a hardware one gets its address.
  const bare = candidate.mode === 'software' || candidate.device === null || candidate.label.includes(candidate.device);
  return `mode ${candidate.mode}: ${candidate.label}${bare ? '' : ` (${candidate.device})`}`;
}

// The name lands in file paths (cloud-hypervisor's socket), XML, YAML (a Kubernetes object
// name: DNS-1123) and QEMU's -name: allow only what is safe in all of them.
const VM_NAME = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/;

/** Checks a VM name: lower-case letters, digits, `-` and `.`, as a Kubernetes object name. */
export function checkVmName(name: string): string {
  if (!VM_NAME.test(name) || name.includes('..')) {
    throw new VgpuctlError(
      'INVALID_NAME',
      `Cannot use VM name "${clip(name)}": expected lower-case letters, digits, "-" and "." (at most 63)`,
      {
        hint: 'Use a name such as win11-desktop; it becomes a Kubernetes object name, a file name and a libvirt domain name',
      },
    );
  }
  return name;
}

/** Builds the emitters' input for a selected candidate and the device it gives the VM. */
export function buildVmConfig(
  inventory: Inventory,
  candidate: Candidate,
  device: VmGpuDevice,
  vm: VmOptions,
  pciIds?: PciIds,
): VmGpuConfig {
  return {
    vmName: checkVmName(vm.vmName ?? DEFAULT_VM.vmName),
    vmUuid: vm.vmUuid,
    memoryMiB: vm.memoryMiB ?? DEFAULT_VM.memoryMiB,
    vcpus: vm.vcpus ?? DEFAULT_VM.vcpus,
    device,
    kubevirt: kubevirtOf(inventory, candidate, pciIds),
    summary: summaryOf(candidate),
  };
}
