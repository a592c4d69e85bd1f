/**
 * Allocate for one container: the variables KubeVirt's virt-launcher reads
 * (`PCI_RESOURCE_<RESOURCE>` = PCI addresses, `MDEV_PCI_RESOURCE_<RESOURCE>` = mdev UUIDs,
 * comma-separated) and the VFIO device nodes the VM process opens: the container node,
 * each IOMMU group's node, and, where the host has iommufd, /dev/iommu and each device's
 * `/dev/vfio/devices/vfioN` cdev (kubevirt/kubevirt#18300).
 */
import type { HostPort } from '../../host/host-port.ts';
import type { ContainerAllocateResponse } from '../generated/v1beta1/ContainerAllocateResponse.ts';
import type { DeviceSpec } from '../generated/v1beta1/DeviceSpec.ts';
import { type PluginDevice, type PluginResource, resourceEnv } from './resources.ts';

export async function allocateContainer(
  host: HostPort,
  resource: PluginResource,
  known: ReadonlyMap<string, PluginDevice>,
  healthy: ReadonlySet<string>,
  ids: readonly string[],
): Promise<ContainerAllocateResponse> {
  if (ids.length === 0) throw new Error(`Cannot allocate ${resource.name}: the request names no devices`);
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new Error(`Cannot allocate ${resource.name}: no device ${unknown.join(', ')} in this resource`);
  const gone = ids.filter((id) => !healthy.has(id));
  if (gone.length > 0)
    throw new Error(`Cannot allocate ${resource.name}: ${gone.join(', ')} is Unhealthy (no longer on the host)`);

  const devices: DeviceSpec[] = [{ container_path: '/dev/vfio/vfio', host_path: '/dev/vfio/vfio', permissions: 'rw' }];
  const add = (path: string) => {
    if (!devices.some((d) => d.host_path === path))
      devices.push({ container_path: path, host_path: path, permissions: 'rw' });
  };
  let iommufd = false;
  for (const id of ids) {
    const device = known.get(id) as PluginDevice;
    if (device.iommuGroup !== null) add(`/dev/vfio/${device.iommuGroup}`);
    for (const address of device.functions) {
      const dir = `/sys/bus/pci/devices/${address}/vfio-dev`;
      if (!(await host.exists(dir))) continue;
      for (const cdev of await host.list(dir)) {
        if (!(await host.exists(`/dev/vfio/devices/${cdev}`))) continue;
        add(`/dev/vfio/devices/${cdev}`);
        iommufd = true;
      }
    }
  }
  if (iommufd && (await host.exists('/dev/iommu'))) add('/dev/iommu');
  return { envs: { [resourceEnv(resource)]: ids.join(',') }, devices };
}
