/**
 * KubeVirt's `permittedHostDevices` for what this host can offer through vgpuctl's device
 * plugin: every passthrough-capable GPU model, every mdev type and every vendor-VFIO
 * profile, with the resource names the plugin registers and `externalResourceProvider: true`
 * (the device plugin, not KubeVirt's own, provides them). Pure: a reading in, data and YAML out.
 */
import type { Inventory } from '../discovery/inventory.ts';
import { listVgpuTypes } from '../ops/vgpu/list-types.ts';
import { kubevirtMdevDevice, kubevirtPciDevice, kubevirtVendorVfioDevice } from '../vmconfig/kubevirt-names.ts';

export interface PermittedHostDevices {
  pciHostDevices: { pciVendorSelector: string; resourceName: string; externalResourceProvider: true }[];
  mediatedDevices: { mdevNameSelector: string; resourceName: string; externalResourceProvider: true }[];
}

export function permittedHostDevices(inventory: Inventory): PermittedHostDevices {
  const pci = new Map<string, PermittedHostDevices['pciHostDevices'][number]>();
  const mdev = new Map<string, PermittedHostDevices['mediatedDevices'][number]>();
  for (const gpu of inventory.gpus) {
    if (gpu.bootVga) continue;
    const k = kubevirtPciDevice(gpu.vendor.id, gpu.device.id, gpu.device.name);
    if (k.selector.kind === 'pci')
      pci.set(k.resourceName, {
        pciVendorSelector: k.selector.pciVendorSelector,
        resourceName: k.resourceName,
        externalResourceProvider: true,
      });
  }
  for (const type of listVgpuTypes(inventory)) {
    const gpu = inventory.gpus.find((g) => g.address === type.gpu);
    const vendorId = gpu?.vendor.id ?? (type.id.startsWith('nvidia-') ? '10de' : null);
    if (type.mechanism === 'vendor-vfio' && gpu !== undefined && type.name !== null) {
      const k = kubevirtVendorVfioDevice(gpu.vendor.id, gpu.sriov?.vfDeviceId ?? gpu.device.id, type.name);
      if (k.selector.kind === 'pci')
        pci.set(k.resourceName, {
          pciVendorSelector: k.selector.pciVendorSelector,
          resourceName: k.resourceName,
          externalResourceProvider: true,
        });
      continue;
    }
    const k = kubevirtMdevDevice(vendorId, type.name, type.id);
    if (k.selector.kind === 'mdev')
      mdev.set(k.resourceName, {
        mdevNameSelector: k.selector.mdevNameSelector,
        resourceName: k.resourceName,
        externalResourceProvider: true,
      });
  }
  return {
    pciHostDevices: [...pci.values()].sort((a, b) => a.resourceName.localeCompare(b.resourceName)),
    mediatedDevices: [...mdev.values()].sort((a, b) => a.resourceName.localeCompare(b.resourceName)),
  };
}

/** The snippet for the KubeVirt CR's `spec.configuration`. */
export function permittedHostDevicesYaml(devices: PermittedHostDevices): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = ['permittedHostDevices:', '  pciHostDevices:'];
  if (devices.pciHostDevices.length === 0) lines[1] = '  pciHostDevices: []';
  for (const d of devices.pciHostDevices)
    lines.push(
      `    - pciVendorSelector: ${q(d.pciVendorSelector)}`,
      `      resourceName: ${q(d.resourceName)}`,
      '      externalResourceProvider: true',
    );
  lines.push(devices.mediatedDevices.length === 0 ? '  mediatedDevices: []' : '  mediatedDevices:');
  for (const d of devices.mediatedDevices)
    lines.push(
      `    - mdevNameSelector: ${q(d.mdevNameSelector)}`,
      `      resourceName: ${q(d.resourceName)}`,
      '      externalResourceProvider: true',
    );
  return lines.join('\n');
}
