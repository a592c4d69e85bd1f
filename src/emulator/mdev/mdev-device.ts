/**
 * Life cycle of one mdev: creation through a type's `create`, binding to the parent's
 * mdev driver, unbinding, and removal (drivers/vfio/mdev/mdev_core.c, mdev_sysfs.c).
 */
import { fail } from '../kernfs/errno-error.ts';
import { kstrtoul } from '../kstrto.ts';
import type { MdevCoreState, MdevDeviceRecord, MdevParentRecord, MdevTypeRecord } from './mdev-state.ts';
import { emit, MDEV_BUS } from './mdev-state.ts';
import { isValidUuid, UUID_STRING_LEN } from './uuid.ts';

/**
 * `create` store (mdev_sysfs.c create_store, ≥6.1): 36 or 37 bytes, guid_parse of the
 * first 36, then mdev_device_create(). Returns the byte count.
 */
export function createStore(
  state: MdevCoreState,
  parent: MdevParentRecord,
  type: MdevTypeRecord,
  data: Buffer,
): number {
  // create_store: `if ((count < UUID_STRING_LEN) || (count > UUID_STRING_LEN + 1)) return -EINVAL;`
  if (data.length < UUID_STRING_LEN || data.length > UUID_STRING_LEN + 1) fail('EINVAL', 'uuid length');
  const text = data.toString('latin1', 0, UUID_STRING_LEN);
  if (!isValidUuid(text)) fail('EINVAL', 'guid_parse');
  createDevice(state, parent, type, text.toLowerCase());
  return data.length;
}

/** mdev_device_create(): the global EEXIST check, vendor probe, device nodes and links. */
function createDevice(
  state: MdevCoreState,
  parent: MdevParentRecord,
  type: MdevTypeRecord,
  uuid: string,
): MdevDeviceRecord {
  // mdev_core.c: the UUID must be unique across all parents and types (compared with
  // guid_equal, so case never matters: the device is named %pUl, lower case).
  if (state.devices.has(uuid)) fail('EEXIST', uuid);
  if (!state.parents.has(parent.name)) fail('ENODEV', 'parent unregistered');
  const tree = state.services().tree;
  // The vendor refuses (ENOSPC for mtty/mbochs/NVIDIA, EUSERS for max_instances drivers)
  // before any node exists. In the kernel the probe runs after device_add(), so a refused
  // create also emits add+remove uevents; this model skips that pair.
  parent.ops.create(type.model, uuid);
  const path = `${parent.path}/${uuid}`;
  const mdev: MdevDeviceRecord = { uuid, parent, type, path, bound: false, group: undefined, vendorNodes: [] };
  tree.mkdir(path);
  tree.link(`${path}/subsystem`, MDEV_BUS);
  tree.attr(`${path}/uevent`, {
    mode: 0o644,
    // mdev_driver.c: the mdev bus has no uevent callback, so only DRIVER= is printed.
    show: () => (mdev.bound ? `DRIVER=${parent.ops.mdevDriver}\n` : ''),
    store: (buf) => synthUevent(state, mdev, buf),
  });
  tree.attr(`${path}/remove`, { mode: 0o200, store: (buf) => removeStore(state, mdev, buf) });
  tree.mkdir(`${path}/power`);
  tree.attr(`${path}/power/control`, { mode: 0o644, show: () => 'auto\n', store: (buf) => buf.length });
  tree.attr(`${path}/power/runtime_status`, { mode: 0o444, show: () => 'unsupported\n' });
  tree.link(`${MDEV_BUS}/devices/${uuid}`, path);
  state.devices.set(uuid, mdev);
  parent.devices.add(uuid);
  emit(state, 'add', path, 'mdev');
  bindDevice(state, mdev);
  // mdev_create_sysfs_files() runs after device_driver_attach().
  tree.link(`${type.path}/devices/${uuid}`, path);
  tree.link(`${path}/mdev_type`, type.path);
  return mdev;
}

/**
 * Binds the parent's mdev driver (device_driver_attach → vendor probe): the VFIO
 * registration allocates a new single-device IOMMU group (drivers/vfio/group.c
 * vfio_register_emulated_iommu_dev), then the driver links and the `bind` uevent.
 */
function bindDevice(state: MdevCoreState, mdev: MdevDeviceRecord): void {
  const services = state.services();
  const { tree } = services;
  const ops = mdev.parent.ops;
  const group = services.allocIommuGroup(mdev.uuid, mdev.path);
  mdev.group = group;
  tree.link(`${mdev.path}/iommu_group`, `/sys/kernel/iommu_groups/${group.id}`);
  services.vfioRegister(mdev.uuid, mdev.path, group);
  if (ops.populateDevice !== undefined) {
    const before = new Set(tree.dir(mdev.path).children.keys());
    ops.populateDevice(mdev.type.model, mdev.uuid, mdev.path, tree);
    mdev.vendorNodes = [...tree.dir(mdev.path).children.keys()].filter((name) => !before.has(name));
  }
  const driverDir = `${MDEV_BUS}/drivers/${ops.mdevDriver}`;
  tree.link(`${mdev.path}/driver`, driverDir);
  tree.link(`${driverDir}/${mdev.uuid}`, mdev.path);
  mdev.bound = true;
  emit(state, 'bind', mdev.path, 'mdev', { DRIVER: ops.mdevDriver });
}

/**
 * Unbinds the mdev driver (__device_release_driver → vendor remove): vendor state and
 * attributes go, VFIO unregisters and frees the group, `unbind` uevent. The device stays.
 */
export function unbindDevice(state: MdevCoreState, mdev: MdevDeviceRecord): void {
  if (!mdev.bound) return;
  const services = state.services();
  const { tree } = services;
  const ops = mdev.parent.ops;
  const driverDir = `${MDEV_BUS}/drivers/${ops.mdevDriver}`;
  tree.remove(`${driverDir}/${mdev.uuid}`);
  tree.remove(`${mdev.path}/driver`);
  for (const name of mdev.vendorNodes) tree.remove(`${mdev.path}/${name}`);
  mdev.vendorNodes = [];
  if (mdev.group !== undefined) {
    services.vfioUnregister(mdev.uuid, mdev.path, mdev.group);
    tree.remove(`${mdev.path}/iommu_group`);
    services.releaseIommuGroup(mdev.group, mdev.uuid);
    mdev.group = undefined;
  }
  ops.remove(mdev.type.model, mdev.uuid);
  mdev.bound = false;
  emit(state, 'unbind', mdev.path, 'mdev');
}

/** mdev_device_remove(): links first, then device_del (unbind, then the `remove` uevent). */
export function removeDevice(state: MdevCoreState, mdev: MdevDeviceRecord): void {
  const { tree } = state.services();
  tree.remove(`${mdev.type.path}/devices/${mdev.uuid}`);
  tree.remove(`${mdev.path}/mdev_type`);
  unbindDevice(state, mdev);
  tree.remove(`${MDEV_BUS}/devices/${mdev.uuid}`);
  tree.remove(mdev.path);
  state.devices.delete(mdev.uuid);
  mdev.parent.devices.delete(mdev.uuid);
  emit(state, 'remove', mdev.path, 'mdev');
}

/** `remove` store (mdev_sysfs.c remove_store): kstrtoul failure → EINVAL; 0 is a no-op. */
function removeStore(state: MdevCoreState, mdev: MdevDeviceRecord, data: Buffer): number {
  let value: number;
  try {
    value = kstrtoul(data);
  } catch {
    // remove_store maps every kstrtoul error (ERANGE included) to -EINVAL.
    fail('EINVAL', 'remove');
  }
  if (value !== 0) {
    // A concurrent remove lost the race: the kernel answers ENODEV (mdev_device_remove).
    if (!state.devices.has(mdev.uuid)) fail('ENODEV');
    removeDevice(state, mdev);
  }
  return data.length;
}

const SYNTH_ACTIONS = new Set(['add', 'remove', 'change', 'move', 'online', 'offline', 'bind', 'unbind']);

/** Writing an action name to `uevent` re-sends that uevent (lib/kobject_uevent.c kobject_synth_uevent). */
function synthUevent(state: MdevCoreState, mdev: MdevDeviceRecord, data: Buffer): number {
  const action = data.toString('latin1').replace(/\n$/, '').split(' ')[0] ?? '';
  if (!SYNTH_ACTIONS.has(action)) fail('EINVAL', 'uevent action');
  // A synthetic event without a UUID argument carries SYNTH_UUID=0 (kobject_synth_uevent).
  const driver = mdev.bound ? { DRIVER: mdev.parent.ops.mdevDriver } : {};
  emit(state, action as 'add', mdev.path, 'mdev', { ...driver, SYNTH_UUID: '0' });
  return data.length;
}
