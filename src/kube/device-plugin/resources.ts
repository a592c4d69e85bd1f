/**
 * The device plugin's resources, named as KubeVirt and NVIDIA's KubeVirt GPU device plugin
 * name them (vmconfig/kubevirt-names.ts): one per passthrough model (GPUs bound to a VFIO
 * driver: `nvidia.com/TU104GL_TESLA_T4`), one per mdev type with live instances
 * (`nvidia.com/GRID_T4-1B`) and one per vendor-VFIO profile with typed VFs. Only GPU
 * functions are devices: a GPU's audio function travels with it and is never counted.
 * Pure: one reading of the host in, resources out.
 */
import type { Gpu, Inventory } from '../../discovery/inventory.ts';
import { isVfioDriver } from '../../ops/passthrough/driver-name.ts';
import { kubevirtMdevDevice, kubevirtPciDevice, kubevirtVendorVfioDevice } from '../../vmconfig/kubevirt-names.ts';

type ResourceKind = 'pci' | 'mdev';

/** One allocatable device of a resource. */
export interface PluginDevice {
  /** PCI address or mdev UUID (the kubelet's device ID). */
  id: string;
  /** The physical GPU (or mdev parent) it is on. */
  gpu: string;
  numaNode: number | null;
  iommuGroup: number | null;
  /** Every PCI function a VM gets with it (the GPU and its audio function); [] for mdevs. */
  functions: string[];
  /** How its health is checked between readings: the mdev exists, the function is on VFIO, the VF exists. */
  check: 'mdev' | 'vfio-bound' | 'present';
}

export interface PluginResource {
  /** `nvidia.com/TU104GL_TESLA_T4`. */
  name: string;
  kind: ResourceKind;
  /** What `permittedHostDevices` selects it by. */
  selector: { pciVendorSelector: string } | { mdevNameSelector: string };
  devices: PluginDevice[];
}

/** Derives the resources from a reading; `aliases` maps a resource name to an extra name it is also offered as. */
export function pluginResources(
  inventory: Inventory,
  aliases: Readonly<Record<string, string>> = {},
): PluginResource[] {
  const byName = new Map<string, PluginResource>();
  const add = (resource: Omit<PluginResource, 'devices'>, device: PluginDevice) => {
    for (const name of [resource.name, aliases[resource.name]].filter((n): n is string => n !== undefined)) {
      const entry = byName.get(name) ?? { ...resource, name, devices: [] };
      entry.devices.push(device);
      byName.set(name, entry);
    }
  };
  for (const gpu of inventory.gpus) {
    if (isVfioDriver(gpu.driver) && !gpu.bootVga) {
      const k = kubevirtPciDevice(gpu.vendor.id, gpu.device.id, gpu.device.name);
      add({ name: k.resourceName, kind: 'pci', selector: pciSelector(k.selector) }, pciDevice(gpu));
    }
    for (const vf of gpu.sriov?.vfs ?? []) {
      if (vf.vgpu?.currentTypeName == null) continue;
      const deviceId = gpu.sriov?.vfDeviceId ?? gpu.device.id;
      const k = kubevirtVendorVfioDevice(gpu.vendor.id, deviceId, vf.vgpu.currentTypeName);
      add(
        { name: k.resourceName, kind: 'pci', selector: pciSelector(k.selector) },
        {
          id: vf.address,
          gpu: gpu.address,
          numaNode: gpu.numaNode,
          iommuGroup: vf.iommuGroup,
          functions: [vf.address],
          check: 'present',
        },
      );
    }
    for (const parent of [gpu.mdev, ...(gpu.sriov?.vfs ?? []).map((v) => v.mdev)]) {
      if (parent === null) continue;
      for (const instance of parent.instances) addMdev(add, gpu.vendor.id, gpu, parent.types, instance);
    }
  }
  for (const parent of inventory.otherMdevParents) {
    for (const instance of parent.instances)
      addMdev(add, parent.name === 'nvidia' ? '10de' : null, parent.name, parent.types, instance);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function addMdev(
  add: (resource: Omit<PluginResource, 'devices'>, device: PluginDevice) => void,
  vendorId: string | null,
  gpu: Gpu | string,
  types: Inventory['otherMdevParents'][number]['types'],
  instance: Inventory['otherMdevParents'][number]['instances'][number],
): void {
  const type = types.find((t) => t.id === instance.type);
  if (instance.type === null) return;
  const k = kubevirtMdevDevice(vendorId, type?.name ?? null, instance.type);
  const selector =
    k.selector.kind === 'mdev'
      ? { mdevNameSelector: k.selector.mdevNameSelector }
      : { mdevNameSelector: instance.type };
  add(
    { name: k.resourceName, kind: 'mdev', selector },
    {
      id: instance.uuid,
      gpu: typeof gpu === 'string' ? gpu : gpu.address,
      numaNode: typeof gpu === 'string' ? null : gpu.numaNode,
      iommuGroup: instance.iommuGroup,
      functions: [],
      check: 'mdev',
    },
  );
}

function pciSelector(
  selector: { kind: 'pci'; pciVendorSelector: string } | { kind: 'mdev'; mdevNameSelector: string },
) {
  return selector.kind === 'pci'
    ? { pciVendorSelector: selector.pciVendorSelector }
    : { mdevNameSelector: selector.mdevNameSelector };
}

function pciDevice(gpu: Gpu): PluginDevice {
  return {
    id: gpu.address,
    gpu: gpu.address,
    numaNode: gpu.numaNode,
    iommuGroup: gpu.iommuGroup?.id ?? null,
    functions: (gpu.iommuGroup?.members ?? []).filter((m) => !m.bridge).map((m) => m.address),
    check: 'vfio-bound',
  };
}

/** KubeVirt's variable for a resource: `PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4`, `MDEV_PCI_RESOURCE_…`. */
export function resourceEnv(resource: Pick<PluginResource, 'name' | 'kind'>): string {
  const suffix = resource.name.toUpperCase().replace(/[./]/g, '_');
  return `${resource.kind === 'mdev' ? 'MDEV_PCI_RESOURCE' : 'PCI_RESOURCE'}_${suffix}`;
}
