/**
 * DRM render nodes: what a software GPU (virtio-gpu with virgl or venus) can render on.
 * drivers/gpu/drm/drm_drv.c registers a minor `renderD<128+n>` per GPU driver that supports
 * rendering; its sysfs class entry links to the device (`/sys/class/drm/renderD128/device`)
 * and udev creates `/dev/dri/renderD128`.
 */
import { isPciAddress } from '../core/pci-address.ts';
import { isHostError } from '../host/host-port.ts';
import type { DrmRenderNode } from './inventory.ts';
import type { SysfsReader } from './sysfs-reader.ts';

const RENDER_NODE = /^renderD(\d+)$/;

/** Lists the render nodes in `/sys/class/drm`, ordered by minor number. */
export async function readRenderNodes(sysfs: SysfsReader): Promise<DrmRenderNode[]> {
  const names = (await sysfs.list('/sys/class/drm'))
    .filter((name) => RENDER_NODE.test(name))
    .sort((a, b) => minorOf(a) - minorOf(b));
  return Promise.all(
    names.map(async (name) => {
      const dir = `/sys/class/drm/${name}`;
      const [device, driver, devNodeExists] = await Promise.all([
        deviceName(sysfs, `${dir}/device`),
        sysfs.linkName(`${dir}/device/driver`),
        sysfs.exists(`/dev/dri/${name}`),
      ]);
      // Virtual DRM drivers (vgem, vkms) hang off platform devices: no PCI address.
      return {
        name,
        devNode: `/dev/dri/${name}`,
        devNodeExists,
        pciAddress: device !== null && isPciAddress(device) ? device : null,
        driver,
      };
    }),
  );
}

/**
 * The name of the device a `device` link points at. Resolved rather than read: the link of
 * a node under its own device is relative (`../../..`), so its text does not name it.
 */
async function deviceName(sysfs: SysfsReader, link: string): Promise<string | null> {
  try {
    const target = await sysfs.host.realpath(link);
    return target.slice(target.lastIndexOf('/') + 1);
  } catch (error) {
    if (isHostError(error)) return null;
    throw error;
  }
}

function minorOf(name: string): number {
  return Number(RENDER_NODE.exec(name)?.[1] ?? 0);
}
