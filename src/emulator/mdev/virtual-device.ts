/**
 * A class device under /sys/devices/virtual (drivers/base/core.c device_create): the kind
 * of parent the vfio-mdev samples and KubeVirt's fake NVIDIA module register.
 */
import type { KernelServices } from '../kernel-api.ts';

/** Creates `/sys/devices/virtual/<class>/<name>` with `subsystem`, `uevent`, `power/` and the class link; returns its path. */
export function createVirtualDevice(kernel: KernelServices, className: string, name: string): string {
  const { tree } = kernel;
  const path = `/sys/devices/virtual/${className}/${name}`;
  tree.mkdir(path);
  tree.link(`${path}/subsystem`, `/sys/class/${className}`);
  // No bus, no driver and no devt: the uevent file prints nothing (drivers/base/core.c dev_uevent).
  tree.attr(`${path}/uevent`, { mode: 0o644, show: () => '', store: (data) => data.length });
  tree.mkdir(`${path}/power`);
  tree.attr(`${path}/power/control`, { mode: 0o644, show: () => 'auto\n', store: (data) => data.length });
  tree.attr(`${path}/power/runtime_status`, { mode: 0o444, show: () => 'unsupported\n' });
  tree.link(`/sys/class/${className}/${name}`, path);
  kernel.uevent({ action: 'add', devpath: path.slice(4), env: { SUBSYSTEM: className } });
  return path;
}

/** Marks a module as loaded: `/sys/module/<name>/initstate` reads `live`. */
export function loadModule(kernel: KernelServices, name: string): void {
  const { tree } = kernel;
  tree.mkdir(`/sys/module/${name}/holders`);
  tree.attr(`/sys/module/${name}/initstate`, { mode: 0o444, show: () => 'live\n' });
}
