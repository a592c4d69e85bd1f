/**
 * Every IOMMU group with every device in it (drivers/iommu/iommu.c: one symlink per member
 * in `/sys/kernel/iommu_groups/<N>/devices`), including bridges, audio functions and other
 * endpoints that are not GPUs: VFIO assigns whole groups, so all of them matter.
 */
import { comparePciAddress } from '../core/pci-address.ts';
import type { PciIds } from '../core/pci-ids.ts';
import type { GroupDevice, IommuGroupInfo } from './inventory.ts';
import { describeFunction, type PciFunctionFacts } from './pci-function.ts';
import type { SysfsReader } from './sysfs-reader.ts';

const GROUPS = '/sys/kernel/iommu_groups';
const BRIDGE_CLASS = 0x0604;

/** Reads all IOMMU groups, ordered by id, members ordered by address. */
export async function readIommuGroups(
  sysfs: SysfsReader,
  functions: ReadonlyMap<string, PciFunctionFacts>,
  ids: PciIds,
): Promise<IommuGroupInfo[]> {
  const groupIds = (await sysfs.list(GROUPS))
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  return Promise.all(
    groupIds.map(async (id) => {
      const [names, type, vfioNode] = await Promise.all([
        sysfs.list(`${GROUPS}/${id}/devices`),
        sysfs.text(`${GROUPS}/${id}/type`),
        sysfs.exists(`/dev/vfio/${id}`),
      ]);
      const devices = await Promise.all(
        names.sort(comparePciAddress).map((name) => readMember(sysfs, name, functions, ids)),
      );
      return { id, type, vfioNode, devices };
    }),
  );
}

async function readMember(
  sysfs: SysfsReader,
  name: string,
  functions: ReadonlyMap<string, PciFunctionFacts>,
  ids: PciIds,
): Promise<GroupDevice> {
  const facts = functions.get(name);
  if (facts === undefined) {
    // An mdev that got its own group (vfio_mdev's iommu_group), or a device on another bus.
    const isMdev = await sysfs.exists(`/sys/bus/mdev/devices/${name}`);
    const driver = isMdev ? await sysfs.linkName(`/sys/bus/mdev/devices/${name}/driver`) : null;
    return {
      address: name,
      kind: isMdev ? 'mdev' : 'other',
      name: null,
      classCode: null,
      className: null,
      driver,
      driverOverride: null,
      bridge: false,
      bootVga: false,
      physfn: null,
      vfioDevice: false,
    };
  }
  const dir = `/sys/bus/pci/devices/${name}`;
  const [physfn, vfioDevice] = await Promise.all([
    facts.isVf ? sysfs.linkName(`${dir}/physfn`) : Promise.resolve(null),
    sysfs.exists(`${dir}/vfio-dev`),
  ]);
  const names = describeFunction(facts, ids);
  return {
    address: name,
    kind: 'pci',
    name: names.name,
    classCode: `0x${facts.classCode.toString(16).padStart(6, '0')}`,
    className: names.className,
    driver: facts.driver,
    driverOverride: facts.driverOverride,
    bridge: facts.classCode >> 8 === BRIDGE_CLASS,
    bootVga: facts.bootVga,
    physfn,
    vfioDevice,
  };
}
