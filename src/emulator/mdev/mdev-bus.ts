/**
 * The mdev bus type and mdev drivers: /sys/bus/mdev, /sys/module/mdev and
 * /sys/bus/mdev/drivers/<drv> (drivers/vfio/mdev/mdev_driver.c, drivers/base/bus.c).
 */
import { fail } from '../kernfs/errno-error.ts';
import { cString } from '../kstrto.ts';
import type { MdevCoreState } from './mdev-state.ts';
import { MDEV_BUS, MDEV_BUS_CLASS } from './mdev-state.ts';

/** Creates the mdev bus, its module and /sys/class/mdev_bus, once (module load of mdev.ko). */
export function ensureMdevBus(state: MdevCoreState): void {
  if (state.busLoaded) return;
  const tree = state.services().tree;
  tree.mkdir(`${MDEV_BUS}/devices`);
  tree.mkdir(`${MDEV_BUS}/drivers`);
  // drivers/base/bus.c: bus attributes every bus type has.
  let autoprobe = 1;
  tree.attr(`${MDEV_BUS}/drivers_autoprobe`, {
    mode: 0o644,
    show: () => `${autoprobe}\n`,
    store: (data) => {
      autoprobe = cString(data).startsWith('0') ? 0 : 1;
      return data.length;
    },
  });
  tree.attr(`${MDEV_BUS}/drivers_probe`, {
    mode: 0o200,
    store: (data) => {
      // bus_rescan_devices_helper: unknown device → ENODEV; mdev_match() never matches, so
      // a known device stays as it is.
      if (!state.devices.has(deviceName(data))) fail('ENODEV');
      return data.length;
    },
  });
  tree.attr(`${MDEV_BUS}/uevent`, { mode: 0o200, store: (data) => data.length });
  tree.mkdir('/sys/module/mdev/holders');
  tree.attr('/sys/module/mdev/initstate', { mode: 0o444, show: () => 'live\n' });
  tree.mkdir(MDEV_BUS_CLASS);
  state.busLoaded = true;
}

/** Registers an mdev driver (mdev_register_driver) with bind/unbind/uevent and its module link. */
export function ensureMdevDriver(
  state: MdevCoreState,
  name: string,
  module: string,
  unbind: (uuid: string) => void,
): void {
  if (state.drivers.has(name)) return;
  const tree = state.services().tree;
  const dir = `${MDEV_BUS}/drivers/${name}`;
  tree.mkdir(dir);
  // drivers/vfio/mdev/mdev_driver.c mdev_match() always returns 0, so bind_store finds no
  // match for any device and answers ENODEV (drivers/base/bus.c bind_store).
  tree.attr(`${dir}/bind`, { mode: 0o200, store: () => fail('ENODEV') });
  tree.attr(`${dir}/unbind`, {
    mode: 0o200,
    store: (data) => {
      // drivers/base/bus.c unbind_store: the device must exist and be bound to this driver.
      const uuid = deviceName(data);
      const mdev = state.devices.get(uuid);
      if (mdev === undefined || !mdev.bound || mdev.parent.ops.mdevDriver !== name) fail('ENODEV');
      unbind(uuid);
      return data.length;
    },
  });
  tree.attr(`${dir}/uevent`, { mode: 0o200, store: (data) => data.length });
  tree.mkdir(`/sys/module/${module}/drivers`);
  if (tree.find(`/sys/module/${module}/initstate`) === undefined) {
    tree.attr(`/sys/module/${module}/initstate`, { mode: 0o444, show: () => 'live\n' });
  }
  tree.link(`${dir}/module`, `/sys/module/${module}`);
  tree.link(`/sys/module/${module}/drivers/mdev:${name}`, dir);
  state.drivers.set(name, module);
}

/** bus_find_device_by_name: the written name, cut at NUL and one trailing newline (sysfs_streq). */
function deviceName(data: Buffer): string {
  const text = cString(data);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
