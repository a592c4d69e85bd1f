/**
 * VFIO's device nodes: /dev/vfio/vfio, /dev/vfio/<group> while a device of the group is
 * registered, and the per-device cdev /dev/vfio/devices/vfio<X> with its sysfs twin
 * <dev>/vfio-dev/vfio<X> (drivers/vfio/group.c vfio_create_group, vfio_main.c).
 */
import type { Uevent } from '../kernel-api.ts';
import type { Kernfs } from '../kernfs/tree.ts';
import { IdAllocator } from './id-allocator.ts';
import type { IommuGroupImpl } from './iommu-groups.ts';

/** Dynamic majors as a typical x86 host assigns them. */
const VFIO_GROUP_MAJOR = 243;
const VFIO_DEVICE_MAJOR = 237;

/** VFIO registrations of the emulated host. */
export class Vfio {
  private readonly tree: Kernfs;
  private readonly uevent: (event: Uevent) => void;
  private readonly groupMinors = new IdAllocator();
  private readonly deviceIds = new IdAllocator();
  private readonly groupState = new Map<number, { minor: number; count: number }>();
  private readonly devices = new Map<string, number>();

  constructor(tree: Kernfs, uevent: (event: Uevent) => void) {
    this.tree = tree;
    this.uevent = uevent;
    tree.chardev('/dev/vfio/vfio', 10, 196, 0o666);
    tree.mkdir('/dev/vfio/devices');
    tree.mkdir('/sys/class/vfio');
    tree.mkdir('/sys/class/vfio-dev');
  }

  /** The vfio<X> index of a registered device. */
  deviceIndex(devName: string): number | undefined {
    return this.devices.get(devName);
  }

  /** True when /dev/vfio/<group> exists. */
  groupRegistered(groupId: number): boolean {
    return this.groupState.has(groupId);
  }

  /** __vfio_register_dev: group cdev on first device, then the device cdev. */
  register(devName: string, devPath: string, group: IommuGroupImpl): void {
    if (this.devices.has(devName)) return;
    let state = this.groupState.get(group.id);
    if (state === undefined) {
      state = { minor: this.groupMinors.alloc(), count: 0 };
      this.groupState.set(group.id, state);
      const sysPath = `/sys/devices/virtual/vfio/${group.id}`;
      this.tree.attr(`${sysPath}/dev`, { mode: 0o444, show: () => `${VFIO_GROUP_MAJOR}:${state?.minor}\n` });
      this.tree.link(`${sysPath}/subsystem`, '/sys/class/vfio');
      this.tree.link(`/sys/class/vfio/${group.id}`, sysPath);
      this.tree.chardev(`/dev/vfio/${group.id}`, VFIO_GROUP_MAJOR, state.minor, 0o600);
      this.uevent({
        action: 'add',
        devpath: sysPath.slice(4),
        env: {
          SUBSYSTEM: 'vfio',
          MAJOR: String(VFIO_GROUP_MAJOR),
          MINOR: String(state.minor),
          DEVNAME: `vfio/${group.id}`,
        },
      });
    }
    state.count++;
    const index = this.deviceIds.alloc();
    this.devices.set(devName, index);
    const dir = `${devPath}/vfio-dev/vfio${index}`;
    const devnum = `${VFIO_DEVICE_MAJOR}:${index}`;
    this.tree.attr(`${dir}/dev`, { mode: 0o444, show: () => `${devnum}\n` });
    this.tree.attr(`${dir}/uevent`, {
      mode: 0o644,
      show: () => `MAJOR=${VFIO_DEVICE_MAJOR}\nMINOR=${index}\nDEVNAME=vfio/devices/vfio${index}\n`,
      store: (data) => data.length,
    });
    this.tree.link(`${dir}/device`, devPath);
    this.tree.link(`${dir}/subsystem`, '/sys/class/vfio-dev');
    this.tree.link(`/sys/class/vfio-dev/vfio${index}`, dir);
    this.tree.chardev(`/dev/vfio/devices/vfio${index}`, VFIO_DEVICE_MAJOR, index, 0o600);
    this.uevent({
      action: 'add',
      devpath: dir.slice(4),
      env: {
        SUBSYSTEM: 'vfio-dev',
        MAJOR: String(VFIO_DEVICE_MAJOR),
        MINOR: String(index),
        DEVNAME: `vfio/devices/vfio${index}`,
      },
    });
  }

  /** vfio_unregister_group_dev: device cdev, then the group cdev with its last device. */
  unregister(devName: string, devPath: string, group: IommuGroupImpl): void {
    const index = this.devices.get(devName);
    if (index === undefined) return;
    this.devices.delete(devName);
    const dir = `${devPath}/vfio-dev/vfio${index}`;
    this.uevent({ action: 'remove', devpath: dir.slice(4), env: { SUBSYSTEM: 'vfio-dev' } });
    this.tree.remove(`${devPath}/vfio-dev`);
    this.tree.remove(`/sys/class/vfio-dev/vfio${index}`);
    this.tree.remove(`/dev/vfio/devices/vfio${index}`);
    this.deviceIds.free(index);
    const state = this.groupState.get(group.id);
    if (state === undefined) return;
    state.count--;
    if (state.count > 0) return;
    this.groupState.delete(group.id);
    this.groupMinors.free(state.minor);
    const sysPath = `/sys/devices/virtual/vfio/${group.id}`;
    this.uevent({
      action: 'remove',
      devpath: sysPath.slice(4),
      env: { SUBSYSTEM: 'vfio', DEVNAME: `vfio/${group.id}` },
    });
    this.tree.remove(sysPath);
    this.tree.remove(`/sys/class/vfio/${group.id}`);
    this.tree.remove(`/dev/vfio/${group.id}`);
  }
}
