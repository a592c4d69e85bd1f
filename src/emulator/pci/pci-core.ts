/**
 * The PCI core: the device list of the pci bus, driver registration and binding
 * (drivers/base/{bus,dd}.c, drivers/pci/pci-driver.c), hot removal and rescan
 * (drivers/pci/remove.c, probe.c) and SR-IOV VF creation (drivers/pci/iov.c).
 */
import { posix } from 'node:path';
import { vfAddress } from '../../core/pci-address.ts';
import type { KernelServices, PciDriver, PciFunction, Uevent } from '../kernel-api.ts';
import { fail, KernelErrno } from '../kernfs/errno-error.ts';
import type { Kernfs } from '../kernfs/tree.ts';
import { cString, kstrtou16, kstrtoul, scanHexFields, sysfsStreq } from '../kstrto.ts';
import { addDeviceAttrs, pciUeventEnv } from './device-attrs.ts';
import type { DynId } from './dynid.ts';
import { dynidFromFields, dynidMatches } from './dynid.ts';
import type { IommuGroups } from './iommu-groups.ts';
import type { PciDevSpec } from './pci-dev.ts';
import { PciDev } from './pci-dev.ts';
import type { PciResource } from './resource.ts';
import { barFlags, PCI_IOV_RESOURCES } from './resource.ts';
import type { Vfio } from './vfio.ts';

const BUS = '/sys/bus/pci';
const MiB = 0x10_0000n;

/** A registered driver with its dynamic ids. */
export interface DriverEntry {
  driver: PciDriver;
  dynids: DynId[];
}

/** Construction parameters of the PCI core. */
export interface PciCoreOptions {
  tree: Kernfs;
  services: () => KernelServices;
  uevent: (event: Uevent) => void;
  /** Undefined when the host has no IOMMU. */
  iommu: IommuGroups | undefined;
  vfio: Vfio;
}

/** The emulated PCI subsystem. */
export class PciCore {
  readonly tree: Kernfs;
  readonly iommu: IommuGroups | undefined;
  readonly vfio: Vfio;
  readonly devices = new Map<string, PciDev>();
  readonly drivers = new Map<string, DriverEntry>();
  /** /sys/bus/pci/drivers_autoprobe. */
  autoprobe = true;
  private readonly servicesOf: () => KernelServices;
  private readonly emit: (event: Uevent) => void;
  /** The device whose driver's probe() is running, and that driver. */
  probing: { address: string; driver: string } | undefined;
  /** Specs of hot-removed functions, re-added by rescan. */
  private removed: PciDevSpec[] = [];

  constructor(options: PciCoreOptions) {
    this.tree = options.tree;
    this.iommu = options.iommu;
    this.vfio = options.vfio;
    this.servicesOf = options.services;
    this.emit = options.uevent;
    const tree = this.tree;
    tree.mkdir(`${BUS}/devices`);
    tree.mkdir(`${BUS}/drivers`);
    tree.mkdir(`${BUS}/slots`);
    // drivers/base/bus.c drivers_probe_store: bus_find_device_by_name, then attach if unbound.
    tree.attr(`${BUS}/drivers_probe`, {
      mode: 0o200,
      store: (data) => {
        const dev = this.findByName(data);
        if (dev === undefined) fail('ENODEV');
        this.deviceAttach(dev);
        return data.length;
      },
    });
    tree.attr(`${BUS}/drivers_autoprobe`, {
      mode: 0o644,
      show: () => `${this.autoprobe ? 1 : 0}\n`,
      store: (data) => {
        this.autoprobe = data[0] !== 0x30; // drivers/base/bus.c: only a leading '0' disables
        return data.length;
      },
    });
    // drivers/pci/pci-sysfs.c rescan_store (BUS_ATTR_WO)
    tree.attr(`${BUS}/rescan`, {
      mode: 0o200,
      store: (data) => {
        if (kstrtoul(data) !== 0) this.rescan();
        return data.length;
      },
    });
    tree.attr(`${BUS}/uevent`, { mode: 0o200, store: (data) => data.length });
  }

  /** Services handed to drivers. */
  get services(): KernelServices {
    return this.servicesOf();
  }

  /** Records a uevent. */
  uevent(event: Uevent): void {
    this.emit(event);
  }

  /** Looks a device up by the name written to a bus or driver file (sysfs_streq). */
  findByName(data: Buffer | string): PciDev | undefined {
    const text = cString(data);
    const name = text.endsWith('\n') ? text.slice(0, -1) : text;
    const dev = this.devices.get(name);
    return dev !== undefined && sysfsStreq(dev.address, text) ? dev : undefined;
  }

  // ---- devices -------------------------------------------------------------------------

  /** pci_device_add + device_add: the sysfs directory, bus link, IOMMU group and `add` uevent. No probing. */
  addDevice(spec: PciDevSpec, physfn?: PciDev, vfIndex?: number): PciDev {
    const dev = new PciDev(spec, physfn, vfIndex);
    this.devices.set(dev.address, dev);
    addDeviceAttrs(this, dev);
    this.tree.link(`${BUS}/devices/${dev.address}`, dev.path);
    if (this.iommu !== undefined) {
      const group = this.iommu.obtain(spec.groupId);
      spec.groupId = group.id;
      dev.iommuGroup = group;
      this.iommu.add(group, dev.address, dev.path);
    }
    this.emit({ action: 'add', devpath: dev.path.slice(4), env: { SUBSYSTEM: 'pci', ...pciUeventEnv(dev) } });
    return dev;
  }

  /** pci_bus_add_device: probe a new device when the bus autoprobes. */
  probeNew(dev: PciDev): void {
    if (this.autoprobe) this.deviceAttach(dev);
  }

  /** Deletes one function (no children): unbinds it, leaves its group, removes its directory. */
  private deleteDevice(dev: PciDev): void {
    if (dev.driver !== undefined) this.release(dev);
    if (dev.iommuGroup !== undefined && this.iommu !== undefined) this.iommu.remove(dev.iommuGroup, dev.address);
    dev.iommuGroup = undefined;
    this.emit({ action: 'remove', devpath: dev.path.slice(4), env: { SUBSYSTEM: 'pci', ...pciUeventEnv(dev) } });
    this.tree.remove(`${BUS}/devices/${dev.address}`);
    this.tree.remove(dev.path);
    this.devices.delete(dev.address);
    dev.dead = true;
  }

  /** pci_stop_and_remove_bus_device: the device, its VFs and everything behind it (remove_store). */
  removeSubtree(dev: PciDev): void {
    const prefix = `${dev.path}/`;
    const below = [...this.devices.values()].filter((d) => d.path.startsWith(prefix) && !d.isVf);
    // Deepest first, as pci_stop_bus_device walks the bus in reverse.
    below.sort((a, b) => b.path.length - a.path.length);
    for (const child of below) this.removeOne(child);
    this.removeOne(dev);
  }

  private removeOne(dev: PciDev): void {
    if (dev.driver !== undefined) this.release(dev);
    if (dev.vfs.length > 0) this.disableVfs(dev);
    if (!dev.isVf) this.removed.push(dev.spec);
    this.deleteDevice(dev);
  }

  /** pci_rescan_bus: re-adds removed functions (below `under` when given) and probes them. */
  rescan(under?: string): void {
    const wanted = this.removed.filter((spec) => under === undefined || spec.path.startsWith(under));
    wanted.sort((a, b) => a.path.length - b.path.length || a.address.localeCompare(b.address));
    const added: PciDev[] = [];
    for (const spec of wanted) {
      if (this.tree.find(posix.dirname(spec.path)) === undefined) continue;
      this.removed.splice(this.removed.indexOf(spec), 1);
      added.push(this.addDevice(spec));
    }
    for (const dev of added) this.probeNew(dev);
  }

  /** The memory windows a bridge forwards: the span of what lies behind it, 1 MiB granular. */
  bridgeWindows(bridge: PciDev): { mem?: PciResource; pref?: PciResource } {
    const prefix = `${bridge.path}/`;
    const spans: Record<'mem' | 'pref', { start: bigint; end: bigint } | undefined> = {
      mem: undefined,
      pref: undefined,
    };
    for (const dev of this.devices.values()) {
      if (!dev.path.startsWith(prefix) || dev.isVf) continue;
      for (const res of dev.spec.resources.values()) {
        if ((res.flags & 0x200) === 0) continue;
        // Expansion ROMs (IORESOURCE_READONLY) are placed in the non-prefetchable window.
        const key = (res.flags & 0x2000) !== 0 && (res.flags & 0x4000) === 0 ? 'pref' : 'mem';
        const span = spans[key];
        spans[key] = {
          start: span === undefined || res.start < span.start ? res.start : span.start,
          end: span === undefined || res.end > span.end ? res.end : span.end,
        };
      }
    }
    const out: { mem?: PciResource; pref?: PciResource } = {};
    const round = (span: { start: bigint; end: bigint }, flags: number): PciResource => ({
      start: (span.start / MiB) * MiB,
      end: ((span.end + MiB) / MiB) * MiB - 1n,
      flags,
    });
    if (spans.mem !== undefined) out.mem = round(spans.mem, 0x200);
    if (spans.pref !== undefined) out.pref = round(spans.pref, 0x102201);
    return out;
  }

  // ---- drivers -------------------------------------------------------------------------

  /** pci_register_driver: the driver's sysfs directory, then driver_attach when autoprobing. */
  registerDriver(driver: PciDriver, options: { attach?: boolean } = {}): void {
    if (this.drivers.has(driver.name)) fail('EBUSY', `driver ${driver.name} registered twice`);
    const entry: DriverEntry = { driver, dynids: [] };
    this.drivers.set(driver.name, entry);
    const dir = `${BUS}/drivers/${driver.name}`;
    const tree = this.tree;
    tree.mkdir(`/sys/module/${driver.module}/drivers`);
    tree.link(`/sys/module/${driver.module}/drivers/pci:${driver.name}`, dir);
    tree.link(`${dir}/module`, `/sys/module/${driver.module}`);
    // drivers/base/bus.c bind_store
    tree.attr(`${dir}/bind`, {
      mode: 0o200,
      store: (data) => {
        const dev = this.findByName(data);
        if (dev === undefined || !this.matches(entry, dev)) fail('ENODEV');
        this.bind(dev, entry);
        return data.length;
      },
    });
    // drivers/base/bus.c unbind_store
    tree.attr(`${dir}/unbind`, {
      mode: 0o200,
      store: (data) => {
        const dev = this.findByName(data);
        if (dev === undefined || dev.driver !== driver) fail('ENODEV');
        this.release(dev);
        return data.length;
      },
    });
    tree.attr(`${dir}/new_id`, { mode: 0o200, store: (data) => this.newId(entry, data) });
    tree.attr(`${dir}/remove_id`, { mode: 0o200, store: (data) => this.removeId(entry, data) });
    tree.attr(`${dir}/uevent`, { mode: 0o200, store: (data) => data.length });
    if (options.attach ?? this.autoprobe) this.driverAttach(entry);
  }

  /** The registered driver of this name. */
  driver(name: string): DriverEntry | undefined {
    return this.drivers.get(name);
  }

  /** pci_match_device: driver_override first, then dynids, then the static table. */
  matches(entry: DriverEntry, dev: PciFunction): boolean {
    const name = entry.driver.name;
    if (dev.driverOverride !== undefined && dev.driverOverride !== name) return false;
    if (entry.dynids.some((id) => dynidMatches(id, dev))) return true;
    // An override naming this driver matches even without a table entry (dummy PCI_ANY_ID id).
    if (dev.driverOverride === name) return true;
    if (entry.driver.overrideOnly) return false;
    return entry.driver.matchStatic(dev);
  }

  /**
   * driver_probe_device → really_probe → pci_device_probe: EBUSY when bound, DMA-ownership
   * EBUSY, VF autoprobe ENODEV, then the driver's probe. Throws the probe's errno.
   */
  bind(dev: PciDev, entry: DriverEntry): void {
    if (dev.dead) fail('ENODEV');
    if (dev.driver !== undefined) fail('EBUSY');
    const driver = entry.driver;
    // drivers/pci/pci-driver.c pci_dma_configure → iommu_device_use_default_domain
    if (!driver.driverManagedDma && dev.iommuGroup?.inUse === true) fail('EBUSY', 'group owned by a VFIO user');
    // drivers/pci/pci-driver.c pci_device_can_probe
    if (dev.physfn !== undefined && !dev.physfn.sriovAutoprobe && dev.driverOverride === undefined) fail('ENODEV');
    // really_probe sets dev->driver before calling probe(), so dev_printk names the driver.
    this.probing = { address: dev.address, driver: driver.name };
    try {
      driver.probe(dev, this.services);
    } finally {
      this.probing = undefined;
    }
    dev.driver = driver;
    dev.powerState = 'D0';
    dev.enableCount = driver.driverManagedDma ? 0 : 1;
    this.tree.link(`${dev.path}/driver`, `${BUS}/drivers/${driver.name}`);
    this.tree.link(`${BUS}/drivers/${driver.name}/${dev.address}`, dev.path);
    this.emit({ action: 'bind', devpath: dev.path.slice(4), env: { SUBSYSTEM: 'pci', DRIVER: driver.name } });
  }

  /** device_release_driver → pci_device_remove. */
  release(dev: PciDev): void {
    const driver = dev.driver;
    if (driver === undefined) return;
    driver.remove(dev, this.services);
    dev.driver = undefined;
    dev.enableCount = 0;
    // drivers/pci/pci-driver.c pci_device_remove: a device left in D0 becomes "unknown".
    if (dev.powerState === 'D0') dev.powerState = 'unknown';
    this.tree.remove(`${dev.path}/driver`);
    this.tree.remove(`${BUS}/drivers/${driver.name}/${dev.address}`);
    this.emit({ action: 'unbind', devpath: dev.path.slice(4), env: { SUBSYSTEM: 'pci', DRIVER: driver.name } });
  }

  /** device_attach: the first matching driver whose probe succeeds; errors are swallowed. */
  deviceAttach(dev: PciDev): boolean {
    if (dev.driver !== undefined) return true;
    for (const entry of this.drivers.values()) {
      if (!this.matches(entry, dev)) continue;
      if (this.tryBind(dev, entry)) return true;
    }
    return false;
  }

  /** driver_attach: probes every unbound device the driver now matches. */
  driverAttach(entry: DriverEntry): void {
    for (const dev of [...this.devices.values()]) {
      if (dev.driver === undefined && !dev.dead && this.matches(entry, dev)) this.tryBind(dev, entry);
    }
  }

  private tryBind(dev: PciDev, entry: DriverEntry): boolean {
    try {
      this.bind(dev, entry);
      return true;
    } catch (error) {
      if (error instanceof KernelErrno) return false;
      throw error;
    }
  }

  /** drivers/pci/pci-driver.c new_id_store. */
  private newId(entry: DriverEntry, data: Buffer): number {
    const fields = scanHexFields(data, 7);
    if (fields.length < 2) fail('EINVAL');
    const id = dynidFromFields(fields);
    if (fields.length !== 7) {
      const probe = {
        vendor: id.vendor,
        device: id.device,
        subsystemVendor: id.subvendor,
        subsystemDevice: id.subdevice,
        classCode: id.classCode,
        driverOverride: undefined,
      } as unknown as PciFunction;
      if (this.matches(entry, probe)) fail('EEXIST');
    }
    // Only driver_data values of an existing id_table entry (all ours carry 0); pci-stub has no table.
    if (entry.driver.name !== 'pci-stub' && id.driverData !== 0) fail('EINVAL');
    entry.dynids.push(id);
    this.driverAttach(entry);
    return data.length;
  }

  /** drivers/pci/pci-driver.c remove_id_store. */
  private removeId(entry: DriverEntry, data: Buffer): number {
    const fields = scanHexFields(data, 6);
    if (fields.length < 2) fail('EINVAL');
    const want = dynidFromFields(fields);
    const index = entry.dynids.findIndex(
      (id) =>
        id.vendor === want.vendor &&
        id.device === want.device &&
        (want.subvendor === 0xffffffff || id.subvendor === want.subvendor) &&
        (want.subdevice === 0xffffffff || id.subdevice === want.subdevice) &&
        ((id.classCode ^ want.classCode) & want.classMask) === 0,
    );
    if (index === -1) fail('ENODEV');
    entry.dynids.splice(index, 1);
    return data.length;
  }

  // ---- SR-IOV --------------------------------------------------------------------------

  /** drivers/pci/iov.c sriov_numvfs_store. */
  storeNumVfs(pf: PciDev, data: Buffer): number {
    let value: number;
    try {
      value = kstrtou16(data);
    } catch {
      fail('EINVAL'); // modern kernels map every kstrtou16 failure to EINVAL
    }
    if (value > pf.sriovTotalVfs) fail('ERANGE');
    if (value === pf.vfs.length) return data.length;
    const driver = pf.driver;
    if (driver === undefined) fail('ENOENT', 'no driver');
    if (driver.sriovConfigure === undefined) fail('ENOENT', 'driver does not support SR-IOV configuration');
    if (value === 0) {
      driver.sriovConfigure(pf, 0, this.services);
      return data.length;
    }
    if (pf.vfs.length !== 0) fail('EBUSY', `${pf.vfs.length} VFs already enabled`);
    driver.sriovConfigure(pf, value, this.services);
    return data.length;
  }

  /** pci_enable_sriov: adds the VFs, links them, probes them, then a change uevent on the PF. */
  enableVfs(pf: PciDev, numVfs: number): void {
    const sriov = pf.model.sriov;
    if (sriov === undefined || numVfs > pf.sriovTotalVfs || pf.vfs.length > 0) fail('EINVAL');
    const added: PciDev[] = [];
    for (let i = 0; i < numVfs; i++) {
      const address = vfAddress(pf.address, sriov.offset, sriov.stride, i);
      const resources = new Map<number, PciResource>();
      for (const bar of sriov.vfBars) {
        const iov = pf.spec.resources.get(PCI_IOV_RESOURCES + bar.index);
        if (iov === undefined) continue;
        const start = iov.start + BigInt(bar.size) * BigInt(i);
        resources.set(bar.index, { start, end: start + BigInt(bar.size) - 1n, flags: barFlags(bar) });
      }
      const { sriov: _sriov, romSize: _rom, msi: _msi, companions: _companions, ...base } = pf.model;
      const spec: PciDevSpec = {
        address,
        path: `${posix.dirname(pf.path)}/${address}`,
        model: { ...base, device: sriov.vfDevice, bars: sriov.vfBars, interruptPin: 0 },
        device: sriov.vfDevice,
        numaNode: pf.numaNode,
        bootVga: false,
        irq: 0,
        multiFunction: false,
        resources,
      };
      const vf = this.addDevice(spec, pf, i);
      pf.vfs.push(vf);
      this.tree.link(`${vf.path}/physfn`, pf.path);
      this.tree.link(`${pf.path}/virtfn${i}`, vf.path);
      // drivers/vfio/pci/vfio_pci_core.c: VFs of a vfio-pci PF are captured for vfio-pci.
      if (pf.driver?.name === 'vfio-pci') vf.driverOverride = 'vfio-pci';
      this.emit({ action: 'change', devpath: vf.path.slice(4), env: { SUBSYSTEM: 'pci', ...pciUeventEnv(vf) } });
      added.push(vf);
    }
    for (const vf of added) this.probeNew(vf);
    this.emit({ action: 'change', devpath: pf.path.slice(4), env: { SUBSYSTEM: 'pci', ...pciUeventEnv(pf) } });
  }

  /** pci_disable_sriov: unbinds and removes every VF, highest index first. */
  disableVfs(pf: PciDev): void {
    for (const vf of [...pf.vfs].reverse()) {
      this.tree.remove(`${pf.path}/virtfn${vf.vfIndex}`);
      this.deleteDevice(vf);
    }
    pf.vfs = [];
  }
}
