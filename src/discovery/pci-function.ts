import type { PciIds } from '../core/pci-ids.ts';
import {
  type PciBar,
  parseHexAttribute,
  parseIntAttribute,
  parseLinkSpeed,
  parseResourceFile,
  pcieGeneration,
} from '../core/sysfs-formats.ts';
import type { SysfsReader } from './sysfs-reader.ts';

/** Identity and state of one PCI function, as its sysfs directory states them. */
export interface PciFunctionFacts {
  address: string;
  vendor: number;
  device: number;
  subsystemVendor: number | null;
  subsystemDevice: number | null;
  classCode: number;
  revision: number | null;
  driver: string | null;
  driverOverride: string | null;
  bootVga: boolean;
  numaNode: number | null;
  iommuGroup: number | null;
  isVf: boolean;
  link: {
    currentSpeed: string | null;
    currentWidth: number | null;
    maxSpeed: string | null;
    maxWidth: number | null;
    generation: number | null;
  } | null;
  bars: PciBar[];
}

const PCI = '/sys/bus/pci/devices';

/**
 * Reads the identity attributes of a PCI function; null when the function does not exist.
 * With `details: false` the attributes only listings show — `boot_vga`, `numa_node`,
 * `resource` and the PCIe link — are not read (bootVga false, numaNode and link null, no bars).
 * With `displayOnly`, a function that is not a display controller is read no further than its
 * vendor, device and class.
 */
export async function readPciFunction(
  sysfs: SysfsReader,
  address: string,
  options: { details?: boolean; displayOnly?: boolean } = {},
): Promise<PciFunctionFacts | null> {
  const details = options.details !== false;
  const dir = `${PCI}/${address}`;
  const [vendor, device, classCode] = await Promise.all(
    ['vendor', 'device', 'class'].map(async (name) => parseHexAttribute((await sysfs.text(`${dir}/${name}`)) ?? '')),
  );
  if (vendor === undefined || device === undefined || classCode === undefined) return null;
  if (options.displayOnly === true && classCode >> 16 !== DISPLAY_CLASS)
    return identityOnly(address, vendor, device, classCode);
  const [subVendor, subDevice, revision, driver, override, bootVga, numa, group, physfn, resource] = await Promise.all([
    sysfs.text(`${dir}/subsystem_vendor`),
    sysfs.text(`${dir}/subsystem_device`),
    sysfs.text(`${dir}/revision`),
    sysfs.linkName(`${dir}/driver`),
    sysfs.text(`${dir}/driver_override`),
    details ? sysfs.text(`${dir}/boot_vga`) : null,
    details ? sysfs.text(`${dir}/numa_node`) : null,
    sysfs.linkName(`${dir}/iommu_group`),
    sysfs.linkName(`${dir}/physfn`),
    details ? sysfs.text(`${dir}/resource`) : null,
  ]);
  const numaNode = parseIntAttribute(numa ?? '');
  const groupId = group === null ? undefined : parseIntAttribute(group);
  return {
    address,
    vendor,
    device,
    subsystemVendor: parseHexAttribute(subVendor ?? '') ?? null,
    subsystemDevice: parseHexAttribute(subDevice ?? '') ?? null,
    classCode,
    revision: parseHexAttribute(revision ?? '') ?? null,
    driver,
    // pci-sysfs.c driver_override_show prints "(null)" when unset.
    driverOverride: override === null || override === '(null)' || override === '' ? null : override,
    bootVga: bootVga === '1',
    numaNode: numaNode === undefined || numaNode < 0 ? null : numaNode,
    iommuGroup: groupId ?? null,
    isVf: physfn !== null,
    link: details ? await readLink(sysfs, dir) : null,
    bars: resource === null ? [] : parseResourceFile(resource),
  };
}

const DISPLAY_CLASS = 0x03;

/** A function known only by its identity: what `displayOnly` keeps of bridges, audio and NICs. */
function identityOnly(address: string, vendor: number, device: number, classCode: number): PciFunctionFacts {
  return {
    address,
    vendor,
    device,
    subsystemVendor: null,
    subsystemDevice: null,
    classCode,
    revision: null,
    driver: null,
    driverOverride: null,
    bootVga: false,
    numaNode: null,
    iommuGroup: null,
    isVf: false,
    link: null,
    bars: [],
  };
}

async function readLink(sysfs: SysfsReader, dir: string): Promise<PciFunctionFacts['link']> {
  const [currentSpeed, currentWidth, maxSpeed, maxWidth] = await Promise.all(
    ['current_link_speed', 'current_link_width', 'max_link_speed', 'max_link_width'].map((name) =>
      sysfs.text(`${dir}/${name}`),
    ),
  );
  // The link attributes exist only for PCIe functions (pci-sysfs.c pcie_dev_attrs_are_visible).
  if (currentSpeed === null && maxSpeed === null) return null;
  const gts = parseLinkSpeed(currentSpeed ?? '') ?? parseLinkSpeed(maxSpeed ?? '');
  return {
    currentSpeed: currentSpeed === 'Unknown' ? null : (currentSpeed ?? null),
    currentWidth: parseIntAttribute(currentWidth ?? '') ?? null,
    maxSpeed: maxSpeed === 'Unknown' ? null : (maxSpeed ?? null),
    maxWidth: parseIntAttribute(maxWidth ?? '') ?? null,
    generation: gts === undefined ? null : (pcieGeneration(gts) ?? null),
  };
}

/** Names of a function from pci.ids, with lspci's fallbacks ("Device 1eb8") where unknown. */
export function describeFunction(facts: PciFunctionFacts, ids: PciIds) {
  const names = ids.names(
    facts.vendor,
    facts.device,
    facts.subsystemVendor ?? undefined,
    facts.subsystemDevice ?? undefined,
  );
  const vendorText = names.vendor ?? `Vendor ${hex4(facts.vendor)}`;
  const deviceText = names.device ?? `Device ${hex4(facts.device)}`;
  const klass = ids.className(facts.classCode);
  return {
    name: `${vendorText} ${deviceText}`,
    vendorName: names.vendor ?? null,
    deviceName: names.device ?? null,
    subsystemName: names.subsystem ?? null,
    className: klass.sub ?? klass.base ?? null,
  };
}

/** Four lower-case hex digits. */
export function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}
