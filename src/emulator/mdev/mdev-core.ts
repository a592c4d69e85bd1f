/**
 * The emulated mdev core (drivers/vfio/mdev/mdev_core.c, ≥6.1): parent registration,
 * the global UUID registry and the mdev bus. Vendor drivers call it through {@link MdevCore}.
 */
import { posix } from 'node:path';
import type { KernelServices, MdevCore, MdevParentHandle, MdevParentOps } from '../kernel-api.ts';
import { fail } from '../kernfs/errno-error.ts';
import { ensureMdevBus, ensureMdevDriver } from './mdev-bus.ts';
import { removeDevice, unbindDevice } from './mdev-device.ts';
import type { MdevCoreState, MdevParentRecord } from './mdev-state.ts';
import { emit, MDEV_BUS_CLASS } from './mdev-state.ts';
import { addType, typesDirOf } from './mdev-types.ts';

/** Creates the mdev core; `services` is resolved lazily because the kernel builds both together. */
export function createMdevCore(services: () => KernelServices): MdevCore {
  const state: MdevCoreState = {
    services,
    parents: new Map(),
    devices: new Map(),
    drivers: new Map(),
    busLoaded: false,
  };

  const unbindByUuid = (uuid: string): void => {
    const mdev = state.devices.get(uuid);
    if (mdev !== undefined) unbindDevice(state, mdev);
  };

  return {
    registerParent(parentName: string, parentPath: string, ops: MdevParentOps): MdevParentHandle {
      // Registering the same parent twice is refused (mdev_register_device: -EEXIST).
      if (state.parents.has(parentName)) fail('EEXIST', parentName);
      ensureMdevBus(state);
      ensureMdevDriver(
        state,
        ops.mdevDriver,
        ops.mdevDriverModule ?? ops.mdevDriver.replaceAll('-', '_'),
        unbindByUuid,
      );
      const { tree } = services();
      const parent: MdevParentRecord = {
        name: parentName,
        path: parentPath,
        ops,
        types: new Map(),
        devices: new Set(),
        subsystem: subsystemOf(parentPath),
      };
      state.parents.set(parentName, parent);
      tree.mkdir(typesDirOf(parentPath));
      for (const model of ops.types) {
        const type = addType(state, parent, model);
        parent.types.set(type.id, type);
      }
      // class_compat_create_link(mdev_bus_compat_class, dev, NULL)
      tree.link(`${MDEV_BUS_CLASS}/${parentName}`, parentPath);
      if (hasMdevStateUevents(services())) {
        emit(state, 'change', parentPath, parent.subsystem, { MDEV_STATE: 'registered' });
      }
      return { name: parentName, path: parentPath };
    },

    unregisterParent(handle: MdevParentHandle): void {
      const parent = state.parents.get(handle.name);
      if (parent === undefined) return;
      const { tree } = services();
      // mdev_unregister_parent: class link, then every child, then the types, then the uevent.
      tree.remove(`${MDEV_BUS_CLASS}/${parent.name}`);
      for (const uuid of [...parent.devices]) {
        const mdev = state.devices.get(uuid);
        if (mdev !== undefined) removeDevice(state, mdev);
      }
      tree.remove(typesDirOf(parent.path));
      state.parents.delete(parent.name);
      if (hasMdevStateUevents(services())) {
        emit(state, 'change', parent.path, parent.subsystem, { MDEV_STATE: 'unregistered' });
      }
    },

    devicesOf(handle: MdevParentHandle): string[] {
      return [...(state.parents.get(handle.name)?.devices ?? [])];
    },
  };
}

/** MDEV_STATE change uevents arrived around v5.4 (kernel-semantics.md §4.7 ⚠). */
function hasMdevStateUevents(services: KernelServices): boolean {
  const { major, minor } = services.version;
  return major > 5 || (major === 5 && minor >= 4);
}

/** SUBSYSTEM of the parent: the basename of its `subsystem` link (pci, mtty, nvidia …). */
function subsystemOf(parentPath: string): string {
  return parentPath.includes('/devices/virtual/')
    ? posix.basename(posix.dirname(parentPath))
    : parentPath.startsWith('/sys/devices/pci')
      ? 'pci'
      : 'unknown';
}
