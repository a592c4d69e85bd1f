/**
 * `<parent>/mdev_supported_types/<type-id>/` as the ≥6.1 core provides it
 * (drivers/vfio/mdev/mdev_sysfs.c mdev_type_add, mdev_types_core_is_visible).
 */
import type { MdevTypeModel } from '../kernel-api.ts';
import { createStore } from './mdev-device.ts';
import type { MdevCoreState, MdevParentRecord, MdevTypeRecord } from './mdev-state.ts';

/** Directory holding a parent's types. */
export function typesDirOf(parentPath: string): string {
  return `${parentPath}/mdev_supported_types`;
}

/** Adds one type directory with create, name, device_api, available_instances, description, devices/. */
export function addType(state: MdevCoreState, parent: MdevParentRecord, model: MdevTypeModel): MdevTypeRecord {
  const { tree } = state.services();
  const id = `${parent.ops.typePrefix}-${model.sysfsName}`;
  const path = `${typesDirOf(parent.path)}/${id}`;
  const type: MdevTypeRecord = { id, model, path };
  tree.mkdir(`${path}/devices`);
  tree.attr(`${path}/create`, { mode: 0o200, store: (data) => createStore(state, parent, type, data) });
  // The brief models drivers without a pretty name (GVT-g) with no `name` file, as ≤6.0
  // vendor attribute groups did; the ≥6.1 core would fall back to sysfs_name.
  if (model.prettyName !== undefined) {
    // Read at show time: a driver may change a type's name while loaded (NVIDIA with vgpu_unlock-rs overrides).
    tree.attr(`${path}/name`, { mode: 0o444, show: () => `${model.prettyName ?? ''}\n` });
  }
  tree.attr(`${path}/device_api`, { mode: 0o444, show: () => `${model.deviceApi}\n` });
  // available_instances_show: "%u\n" of get_available() (or the max_instances counter).
  tree.attr(`${path}/available_instances`, { mode: 0o444, show: () => `${Math.max(0, model.available())}\n` });
  if (model.description !== undefined) {
    // description_show prints the driver's text as is (it carries its own newline(s)).
    tree.attr(`${path}/description`, {
      mode: 0o444,
      show: () => {
        const text = model.description ?? '';
        return text.endsWith('\n') ? text : `${text}\n`;
      },
    });
  }
  return type;
}
