/**
 * KubeVirt resource names and selectors as the NVIDIA KubeVirt GPU device plugin and
 * KubeVirt's own device plugins derive them (anchors §5, §7), so that a name vgpuctl prints
 * is the name a node advertises.
 */
import type { KubevirtDevice } from './vm-gpu.ts';

/** Resource-name domains by PCI vendor id. */
const VENDOR_DOMAINS: Readonly<Record<string, string>> = {
  '10de': 'nvidia.com',
  '8086': 'intel.com',
  '1002': 'amd.com',
};
const FALLBACK_DOMAIN = 'devices.kubevirt.io';

/** `nvidia.com` for 10de, `intel.com` for 8086, `amd.com` for 1002, else `devices.kubevirt.io`. */
export function resourceDomain(vendorId: string | null): string {
  return (vendorId === null ? undefined : VENDOR_DOMAINS[vendorId.toLowerCase()]) ?? FALLBACK_DOMAIN;
}

/**
 * The device part of a PCI resource name, as kubevirt-gpu-device-plugin's getDeviceName()
 * sanitizes the pci.ids device name: upper case, `/` and `.` to `_`, blanks to `_`, then
 * only `[A-Za-z0-9_.]` kept. Without a pci.ids name the plugin uses the device id.
 *
 * @example
 * pciResourceSuffix('TU104GL [Tesla T4]', '1eb8'); // 'TU104GL_TESLA_T4'
 */
export function pciResourceSuffix(deviceName: string | null, deviceId: string): string {
  const sanitized = (deviceName ?? '')
    .trim()
    .toUpperCase()
    .replace(/[/.]/g, '_')
    .replace(/\s+/g, '_')
    .replace(/[^A-Za-z0-9_.]+/g, '');
  return sanitized === '' ? deviceId.toLowerCase() : sanitized;
}

/**
 * The device part of an mdev resource name, as both plugins read `mdev_type/name`: blanks
 * to `_`. Types without a name (Intel GVT-g) go by their type id, as KubeVirt does.
 *
 * @example
 * mdevResourceSuffix('GRID T4-1B', 'nvidia-222'); // 'GRID_T4-1B'
 */
export function mdevResourceSuffix(typeName: string | null, typeId: string): string {
  return (typeName ?? typeId).trim().replace(/ /g, '_');
}

/** The KubeVirt description of a PCI device (a whole GPU, a VF). */
export function kubevirtPciDevice(vendorId: string, deviceId: string, deviceName: string | null): KubevirtDevice {
  return {
    resourceName: `${resourceDomain(vendorId)}/${pciResourceSuffix(deviceName, deviceId)}`,
    selector: { kind: 'pci', pciVendorSelector: `${vendorId}:${deviceId}`.toUpperCase() },
  };
}

/** The KubeVirt description of an mdev type. */
export function kubevirtMdevDevice(vendorId: string | null, typeName: string | null, typeId: string): KubevirtDevice {
  return {
    resourceName: `${resourceDomain(vendorId)}/${mdevResourceSuffix(typeName, typeId)}`,
    selector: { kind: 'mdev', mdevNameSelector: typeName ?? typeId },
  };
}

/**
 * An NVIDIA vendor-VFIO vGPU (a VF with a vGPU type): KubeVirt permits it as a PCI host device
 * (kubevirt/kubevirt#16890); the resource is named per profile, as the plugin's pending
 * vendor-VFIO support does (NVIDIA/kubevirt-gpu-device-plugin#192).
 */
export function kubevirtVendorVfioDevice(vendorId: string, deviceId: string, typeName: string): KubevirtDevice {
  return {
    resourceName: `${resourceDomain(vendorId)}/${mdevResourceSuffix(typeName, typeName)}`,
    selector: { kind: 'pci', pciVendorSelector: `${vendorId}:${deviceId}`.toUpperCase() },
  };
}
