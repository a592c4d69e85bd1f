import { parseIntAttribute } from '../core/sysfs-formats.ts';
import { parseVgpuDescription } from '../core/vgpu-description.ts';
import type { MdevInstance, MdevParentInfo, MdevTypeInfo } from './inventory.ts';
import type { SysfsReader } from './sysfs-reader.ts';

const MDEV_BUS_CLASS = '/sys/class/mdev_bus';

/** Names of registered mdev parents (what mdevctl enumerates: /sys/class/mdev_bus). */
export async function listMdevParents(sysfs: SysfsReader): Promise<string[]> {
  return sysfs.list(MDEV_BUS_CLASS);
}

/**
 * Reads one mdev parent: its types (drivers/vfio/mdev/mdev_sysfs.c) and live instances.
 * `name` and `description` are optional, as the kernel made them before 6.1 and as
 * Intel GVT-g still shows; `available_instances` and `device_api` are required by mdevctl
 * but read tolerantly here so one broken type does not hide the rest.
 */
export async function readMdevParent(
  sysfs: SysfsReader,
  name: string,
  options: {
    instances?: 'full' | 'ids';
    /** Which types without live instances to read whole (default: every one). */
    readType?: (typeId: string) => boolean;
  } = {},
): Promise<MdevParentInfo> {
  const full = options.instances !== 'ids';
  const path = await sysfs.host.realpath(`${MDEV_BUS_CLASS}/${name}`);
  const typeIds = await sysfs.list(`${path}/mdev_supported_types`);
  const types = await Promise.all(
    typeIds.map((id) => readType(sysfs, `${path}/mdev_supported_types/${id}`, id, options.readType)),
  );
  const instances: MdevInstance[] = full
    ? (
        await Promise.all(
          types.map((type) => Promise.all(type.instances.map((uuid) => readInstance(sysfs, path, uuid, type.id)))),
        )
      ).flat()
    : types.flatMap((type) => type.instances.map((uuid) => ({ uuid, type: type.id, driver: null, iommuGroup: null })));
  instances.sort((a, b) => (a.uuid < b.uuid ? -1 : 1));
  return { name, path, types, instances };
}

async function readType(
  sysfs: SysfsReader,
  dir: string,
  id: string,
  wanted: ((typeId: string) => boolean) | undefined,
): Promise<MdevTypeInfo> {
  // Scoped: list the instances first, then read the attributes only of a type in use.
  const known = wanted === undefined ? undefined : await sysfs.list(`${dir}/devices`);
  if (known !== undefined && known.length === 0 && wanted?.(id) !== true) {
    return { id, ...UNREAD_TYPE, instances: known };
  }
  const [name, description, deviceApi, available, devices] = await Promise.all([
    sysfs.text(`${dir}/name`),
    sysfs.text(`${dir}/description`),
    sysfs.text(`${dir}/device_api`),
    sysfs.text(`${dir}/available_instances`),
    known ?? sysfs.list(`${dir}/devices`),
  ]);
  const facts = parseVgpuDescription(description ?? '');
  return {
    id,
    name,
    description,
    deviceApi,
    availableInstances: parseIntAttribute(available ?? '') ?? null,
    framebufferMiB: facts.framebufferMiB ?? null,
    heads: facts.heads ?? null,
    maxResolution: facts.maxResolution ?? null,
    frameRateLimit: facts.frameRateLimit ?? null,
    maxInstances: facts.maxInstances ?? null,
    instances: devices,
  };
}

/** A type whose attributes were not read (not in the discovery's scope). */
const UNREAD_TYPE: Omit<MdevTypeInfo, 'id' | 'instances'> = {
  name: null,
  description: null,
  deviceApi: null,
  availableInstances: null,
  framebufferMiB: null,
  heads: null,
  maxResolution: null,
  frameRateLimit: null,
  maxInstances: null,
};

async function readInstance(sysfs: SysfsReader, parentPath: string, uuid: string, type: string): Promise<MdevInstance> {
  const dir = `${parentPath}/${uuid}`;
  const [driver, group] = await Promise.all([sysfs.linkName(`${dir}/driver`), sysfs.linkName(`${dir}/iommu_group`)]);
  return { uuid, type, driver, iommuGroup: group === null ? null : (parseIntAttribute(group) ?? null) };
}
