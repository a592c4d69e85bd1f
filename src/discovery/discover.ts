import { VgpuctlError } from '../core/errors.ts';
import { comparePciAddress } from '../core/pci-address.ts';
import { NO_PCI_IDS, type PciIds } from '../core/pci-ids.ts';
import { parseCreatableVgpuTypes, parseIntAttribute } from '../core/sysfs-formats.ts';
import { parseHeterogeneousMode } from '../formats/nvidia-smi-vgpu.ts';
import type { NvidiaSmiLog } from '../formats/nvidia-smi-xml.ts';
import { type HostPort, isHostError } from '../host/host-port.ts';
import { readRenderNodes } from './drm.ts';
import { readHostFacts } from './host-facts.ts';
import type { Gpu, Inventory, MdevParentInfo, VirtualFunction } from './inventory.ts';
import { listMdevParents, readMdevParent } from './mdev.ts';
import { readPassthroughFacts } from './passthrough-facts.ts';
import { describeFunction, hex4, type PciFunctionFacts, readPciFunction } from './pci-function.ts';
import { SysfsReader } from './sysfs-reader.ts';
import { queryNvidiaSmi, readVramInfo, type VramReport } from './vram.ts';

/** Inputs discovery needs besides the host. */
export interface DiscoverOptions {
  /** pci.ids database for names; without it names fall back to ids, as lspci does. */
  pciIds?: PciIds;
  /**
   * Whether to scan /proc/<pid>/fd for processes holding GPU and VFIO nodes (deviceUsers).
   * Default true, because planners refuse to take a device in use; read-only listings turn it
   * off, since the scan grows with the number of processes on the host.
   */
  deviceUsers?: boolean;
  /**
   * How much to read of each live mdev instance: 'full' (default) reads its `driver` and
   * `iommu_group` links; 'ids' only its UUID and type (driver and iommuGroup are null), which
   * is all vGPU planning needs and saves two reads per instance.
   */
  instances?: 'full' | 'ids';
  /**
   * Whether to walk every IOMMU group for `iommuGroups` (default true). vGPU planning does not
   * use it; without it the inventory has no `iommuGroups` key (each GPU's own group is still read).
   */
  iommuGroups?: boolean;
  /**
   * Whether to read each PCI function's `boot_vga`, `numa_node`, `resource` and PCIe link
   * (default true). Without them a GPU's bootVga is false, numaNode and link null, bars empty.
   */
  pciDetails?: boolean;
  /**
   * Whether to read PCI functions that are not display controllers (bridges, audio, NICs)
   * beyond their vendor, device and class (default true). vGPU planning and listing need
   * only GPUs and their VFs; without it the other functions have no driver, group or names.
   */
  otherFunctions?: boolean;
  /** What to read: every GPU and type (default), or only what one command needs. */
  scope?: DiscoveryScope;
}

/**
 * The part of the host a command needs, as data: read-only commands and vGPU operations pass
 * it so that one command does not read the whole host (sysfs reads dominate their cost).
 */
export interface DiscoveryScope {
  /**
   * Only these GPUs and mdev parents: PCI addresses (a VF stands for its PF), or mdev parent
   * names. The inventory then holds those GPUs with their VFs and mdev parents, and nothing
   * else; undefined reads every one.
   */
  gpus?: readonly string[];
  /**
   * Which mdev types to read whole (`name`, `description`, `device_api`,
   * `available_instances`): 'all' (default), or only types with live instances and those
   * named as `parent/type` in `inUse`; the others keep their id and instances, with those
   * four fields null.
   */
  types?: 'all' | { inUse: readonly string[] };
}

const PCI = '/sys/bus/pci/devices';
const DISPLAY_CLASS = 0x03;
const BRIDGE_CLASS = 0x0604;

/**
 * Builds the inventory of a host: every GPU (PCI display-class function that is not a VF)
 * with its identity, driver, IOMMU group, SR-IOV, mdev and vendor-VFIO vGPU state, VRAM,
 * plus host facts and DRM render nodes. The result has the shape of the {@link Inventory} schema
 * (checked by the tests, not at run time).
 *
 * @example
 * const inventory = await discover(new FsHost('/'), { pciIds });
 * for (const gpu of inventory.gpus) console.log(gpu.address, gpu.name);
 */
export async function discover(host: HostPort, options: DiscoverOptions = {}): Promise<Inventory> {
  const ids = options.pciIds ?? NO_PCI_IDS;
  const sysfs = new SysfsReader(host);
  if (!(await host.exists('/sys'))) {
    throw new VgpuctlError('ROOT_UNREADABLE', `Cannot read host ${host.description}: it has no /sys directory`, {
      hint: 'Point --root at a directory holding a sysfs tree (sys/bus/pci/devices/...), or use --emulate',
    });
  }

  let addresses = (await sysfs.list(PCI)).sort(comparePciAddress);
  const scope = options.scope?.gpus === undefined ? undefined : await scopedAddresses(sysfs, options.scope.gpus);
  if (scope !== undefined) addresses = addresses.filter((a) => scope.has(a));
  const functions = new Map<string, PciFunctionFacts>();
  await Promise.all(
    addresses.map(async (address) => {
      const facts = await readPciFunction(sysfs, address, {
        details: options.pciDetails ?? true,
        displayOnly: options.otherFunctions === false,
      });
      if (facts !== null) functions.set(address, facts);
    }),
  );

  const [allParentNames, smi, vramReports, renderNodes] = await Promise.all([
    listMdevParents(sysfs),
    queryNvidiaSmi(sysfs),
    readVramInfo(sysfs),
    readRenderNodes(sysfs),
  ]);
  const parentNames = scope === undefined ? allParentNames : allParentNames.filter((name) => scope.has(name));
  const parents = new Map<string, MdevParentInfo>();
  const instances = options.instances ?? 'full';
  const types = options.scope?.types ?? 'all';
  const inUse = types === 'all' ? undefined : new Set(types.inUse);
  await Promise.all(
    parentNames.map(async (name) =>
      parents.set(
        name,
        await readMdevParent(sysfs, name, {
          instances,
          ...(inUse === undefined ? {} : { readType: (id: string) => inUse.has(`${name}/${id}`) }),
        }),
      ),
    ),
  );

  const gpuAddresses = addresses.filter((a) => {
    const f = functions.get(a);
    return f !== undefined && f.classCode >> 16 === DISPLAY_CLASS && !f.isVf;
  });
  const claimed = new Set<string>();
  const gpus = await Promise.all(
    gpuAddresses.map((address) =>
      readGpu(sysfs, functions.get(address) as PciFunctionFacts, {
        ids,
        functions,
        parents,
        smi,
        vramReports,
        claimed,
      }),
    ),
  );

  if (smi !== null) await readMixedSizeMode(sysfs, gpus);
  const host_ = await readHostFacts(sysfs, { mdevParents: parents.size, nvidiaSmi: smi !== null });
  const otherMdevParents = [...parents.values()]
    .filter((p) => !claimed.has(p.name))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const passthrough = await readPassthroughFacts(sysfs, functions, ids, {
    deviceUsers: options.deviceUsers ?? true,
    iommuGroups: options.iommuGroups ?? true,
  });
  // Built to the Inventory schema, in its key order, and not parsed here: parsing our own output
  // cost more than the reads on big hosts and loaded zod into every command. discover.test.ts
  // checks that the schema accepts the result of every built-in scenario unchanged.
  return {
    schemaVersion: 1,
    host: host_,
    gpus,
    otherMdevParents,
    drm: { renderNodes },
    ...passthrough,
  };
}

/**
 * The PCI functions and mdev parent names a scope covers: each named GPU (a VF's PF instead
 * of the VF), its VFs, and names that are not PCI addresses (non-PCI mdev parents).
 */
async function scopedAddresses(sysfs: SysfsReader, gpus: readonly string[]): Promise<Set<string>> {
  const keep = new Set<string>();
  await Promise.all(
    gpus.map(async (name) => {
      keep.add(name);
      const physfn = await sysfs.linkName(`${PCI}/${name}/physfn`);
      const pf = physfn ?? name;
      keep.add(pf);
      const entries = await sysfs.list(`${PCI}/${pf}`);
      const vfs = await Promise.all(
        entries.filter((e) => /^virtfn\d+$/.test(e)).map((e) => sysfs.linkName(`${PCI}/${pf}/${e}`)),
      );
      for (const vf of vfs) if (vf !== null) keep.add(vf);
    }),
  );
  return keep;
}

interface Context {
  ids: PciIds;
  functions: Map<string, PciFunctionFacts>;
  parents: Map<string, MdevParentInfo>;
  smi: NvidiaSmiLog | null;
  vramReports: VramReport[];
  /** mdev parent names attached to a GPU or VF. */
  claimed: Set<string>;
}

async function readGpu(sysfs: SysfsReader, facts: PciFunctionFacts, ctx: Context): Promise<Gpu> {
  const names = describeFunction(facts, ctx.ids);
  const smiGpu = ctx.smi?.gpus.find((g) => g.address === facts.address);
  const mdev = ctx.parents.get(facts.address) ?? null;
  if (mdev !== null) ctx.claimed.add(facts.address);
  return {
    address: facts.address,
    name: names.name,
    vendor: { id: hex4(facts.vendor), name: names.vendorName },
    device: { id: hex4(facts.device), name: names.deviceName },
    subsystem:
      facts.subsystemVendor === null || facts.subsystemDevice === null
        ? null
        : { vendorId: hex4(facts.subsystemVendor), deviceId: hex4(facts.subsystemDevice), name: names.subsystemName },
    classCode: `0x${facts.classCode.toString(16).padStart(6, '0')}`,
    className: names.className,
    revision: facts.revision === null ? null : `0x${facts.revision.toString(16).padStart(2, '0')}`,
    driver: facts.driver,
    driverOverride: facts.driverOverride,
    bootVga: facts.bootVga,
    numaNode: facts.numaNode,
    link: facts.link,
    bars: facts.bars,
    vram: readVram(facts, smiGpu?.fbTotalMiB, ctx.vramReports, names.deviceName),
    iommuGroup: facts.iommuGroup === null ? null : await readGroup(sysfs, facts.iommuGroup, ctx),
    sriov: await readSriov(sysfs, facts.address, ctx),
    mdev,
    mig:
      smiGpu?.migCurrent === undefined
        ? null
        : { current: smiGpu.migCurrent, pending: smiGpu.migPending ?? smiGpu.migCurrent },
    hostVgpuMode: smiGpu?.hostVgpuMode ?? null,
  };
}

/**
 * Mixed-size mode of vendor-VFIO GPUs with VFs (`nvidia-smi vgpu -ghm`), asked only when
 * there is such a GPU; left unset where the tool does not say.
 */
async function readMixedSizeMode(sysfs: SysfsReader, gpus: Gpu[]): Promise<void> {
  const vendor = gpus.filter((g) => g.sriov?.vfs.some((vf) => vf.vgpu !== null) === true);
  if (vendor.length === 0) return;
  try {
    const result = await sysfs.host.exec('nvidia-smi', ['vgpu', '-ghm']);
    if (result.status !== 0) return;
    const modes = parseHeterogeneousMode(result.stdout);
    for (const gpu of vendor) {
      const mode = modes.get(gpu.address);
      if (mode !== undefined) gpu.vgpuMixedSize = mode;
    }
  } catch (error) {
    if (!isHostError(error)) throw error;
  }
}

function readVram(
  facts: PciFunctionFacts,
  smiTotal: number | undefined,
  reports: VramReport[],
  deviceName: string | null,
): Gpu['vram'] {
  // A vram_info report belongs to this GPU when it names the address, or — when it names
  // none — when exactly one report exists and its GPU name matches this device's name.
  const report =
    reports.find((r) => r.address === facts.address) ??
    (reports.length === 1 && reports[0]?.address === null && nameMatches(reports[0].gpuName, deviceName)
      ? reports[0]
      : undefined);
  if (report !== undefined && report.totalMiB !== undefined) {
    return {
      totalMiB: report.totalMiB,
      physicalMiB: report.physicalMiB ?? smiTotal ?? null,
      virtualMiB: report.virtualMiB ?? null,
      source: 'vram_info',
    };
  }
  if (smiTotal !== undefined)
    return { totalMiB: smiTotal, physicalMiB: smiTotal, virtualMiB: null, source: 'nvidia-smi' };
  return { totalMiB: null, physicalMiB: null, virtualMiB: null, source: 'unknown' };
}

function nameMatches(reported: string | undefined, deviceName: string | null): boolean {
  if (reported === undefined || deviceName === null) return false;
  const model = /\[(.+)\]/.exec(deviceName)?.[1] ?? deviceName;
  return reported.toLowerCase().includes(model.replace(/^GeForce /i, '').toLowerCase());
}

async function readGroup(sysfs: SysfsReader, id: number, ctx: Context): Promise<NonNullable<Gpu['iommuGroup']>> {
  const members = await sysfs.list(`/sys/kernel/iommu_groups/${id}/devices`);
  return {
    id,
    members: members.sort(comparePciAddress).map((address) => {
      const f = ctx.functions.get(address);
      return {
        address,
        classCode: f === undefined ? 'unknown' : `0x${f.classCode.toString(16).padStart(6, '0')}`,
        driver: f?.driver ?? null,
        bridge: f !== undefined && f.classCode >> 8 === BRIDGE_CLASS,
      };
    }),
  };
}

async function readSriov(sysfs: SysfsReader, address: string, ctx: Context): Promise<Gpu['sriov']> {
  const dir = `${PCI}/${address}`;
  const total = parseIntAttribute((await sysfs.text(`${dir}/sriov_totalvfs`)) ?? '');
  if (total === undefined) return null;
  const [num, vfDevice, autoprobe, entries] = await Promise.all([
    sysfs.text(`${dir}/sriov_numvfs`),
    sysfs.text(`${dir}/sriov_vf_device`),
    sysfs.text(`${dir}/sriov_drivers_autoprobe`),
    sysfs.list(dir),
  ]);
  const indices = entries
    .map((e) => /^virtfn(\d+)$/.exec(e)?.[1])
    .filter((i): i is string => i !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const vfs = await Promise.all(indices.map((index) => readVf(sysfs, dir, index, ctx)));
  // A VF's own type is no longer in its creatable list; name it from its siblings' lists.
  const typeNames = new Map<number, string>();
  for (const vf of vfs) for (const t of vf?.vgpu?.creatable ?? []) typeNames.set(t.id, t.name);
  for (const vf of vfs) {
    if (vf?.vgpu?.currentTypeId != null) vf.vgpu.currentTypeName = typeNames.get(vf.vgpu.currentTypeId) ?? null;
  }
  return {
    totalVfs: total,
    numVfs: parseIntAttribute(num ?? '') ?? vfs.length,
    // iov.c sriov_vf_device_show prints "%x" without 0x.
    vfDeviceId: vfDevice !== null && /^[0-9a-f]+$/.test(vfDevice) ? vfDevice.padStart(4, '0') : null,
    driversAutoprobe: autoprobe === null ? null : autoprobe === '1',
    vfs: vfs.filter((vf): vf is VirtualFunction => vf !== null),
  };
}

async function readVf(sysfs: SysfsReader, pfDir: string, index: number, ctx: Context): Promise<VirtualFunction | null> {
  const address = await sysfs.linkName(`${pfDir}/virtfn${index}`);
  if (address === null) return null;
  const facts = ctx.functions.get(address);
  const mdev = ctx.parents.get(address) ?? null;
  if (mdev !== null) ctx.claimed.add(address);
  const vfDir = `${PCI}/${address}`;
  const current = await sysfs.text(`${vfDir}/nvidia/current_vgpu_type`);
  let vgpu: VirtualFunction['vgpu'] = null;
  if (current !== null) {
    const creatable = parseCreatableVgpuTypes((await sysfs.text(`${vfDir}/nvidia/creatable_vgpu_types`)) ?? '');
    const currentId = parseIntAttribute(current) ?? null;
    vgpu = {
      currentTypeId: currentId === 0 ? null : currentId,
      currentTypeName: null,
      creatable,
    };
  }
  return {
    index,
    address,
    driver: facts?.driver ?? null,
    iommuGroup: facts?.iommuGroup ?? null,
    mdev,
    vgpu,
  };
}
