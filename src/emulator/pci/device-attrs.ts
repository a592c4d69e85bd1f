/**
 * The attributes of a PCI function's sysfs directory (drivers/pci/pci-sysfs.c,
 * drivers/pci/iov.c, drivers/pci/pci-driver.c pci_uevent).
 */
import { fail } from '../kernfs/errno-error.ts';
import { PAGE_SIZE } from '../kernfs/nodes.ts';
import { cString, kstrtobool, kstrtoint, kstrtoul } from '../kstrto.ts';
import { cpulist, cpumaskHex, NUMA_NODES } from './cpumask.ts';
import type { PciCore } from './pci-core.ts';
import type { PciDev } from './pci-dev.ts';
import { formatResourceFile, PCI_BRIDGE_RESOURCES, PCI_ROM_RESOURCE } from './resource.ts';

const hex = (value: number, width: number): string => value.toString(16).padStart(width, '0');
const HEX = (value: number, width: number): string => hex(value, width).toUpperCase();

/** `modalias` without the newline (pci-sysfs.c modalias_show). */
function pciModalias(dev: PciDev): string {
  const c = dev.classCode;
  return (
    `pci:v${HEX(dev.vendor, 8)}d${HEX(dev.device, 8)}sv${HEX(dev.subsystemVendor, 8)}` +
    `sd${HEX(dev.subsystemDevice, 8)}bc${HEX(c >> 16, 2)}sc${HEX((c >> 8) & 0xff, 2)}i${HEX(c & 0xff, 2)}`
  );
}

/** The PCI part of uevent environments (pci-driver.c pci_uevent). */
export function pciUeventEnv(dev: PciDev): Record<string, string> {
  return {
    PCI_CLASS: HEX(dev.classCode, 4),
    PCI_ID: `${HEX(dev.vendor, 4)}:${HEX(dev.device, 4)}`,
    PCI_SUBSYS_ID: `${HEX(dev.subsystemVendor, 4)}:${HEX(dev.subsystemDevice, 4)}`,
    PCI_SLOT_NAME: dev.address,
    MODALIAS: pciModalias(dev),
  };
}

const SPEEDS = ['Unknown', '2.5 GT/s PCIe', '5.0 GT/s PCIe', '8.0 GT/s PCIe', '16.0 GT/s PCIe', '32.0 GT/s PCIe'];
const SPEEDS_OLD = ['Unknown speed', '2.5 GT/s', '5 GT/s', '8 GT/s', '16 GT/s', '32 GT/s'];

function requireAdmin(privileged: boolean): void {
  if (!privileged) fail('EPERM');
}

/** Creates the directory and every attribute of a PCI function. */
export function addDeviceAttrs(core: PciCore, dev: PciDev): void {
  const tree = core.tree;
  const p = dev.path;
  const ro = (name: string, show: () => string): void => {
    tree.attr(`${p}/${name}`, { mode: 0o444, show });
  };
  tree.mkdir(p);
  tree.link(`${p}/subsystem`, '/sys/bus/pci');
  ro('vendor', () => `0x${hex(dev.vendor, 4)}\n`);
  ro('device', () => `0x${hex(dev.device, 4)}\n`);
  ro('subsystem_vendor', () => `0x${hex(dev.subsystemVendor, 4)}\n`);
  ro('subsystem_device', () => `0x${hex(dev.subsystemDevice, 4)}\n`);
  ro('revision', () => `0x${hex(dev.revision, 2)}\n`);
  ro('class', () => `0x${hex(dev.classCode, 6)}\n`);
  ro('irq', () => `${dev.spec.irq}\n`);
  ro('modalias', () => `${pciModalias(dev)}\n`);
  ro('local_cpus', () => `${cpumaskHex(dev.numaNode)}\n`);
  ro('local_cpulist', () => `${cpulist(dev.numaNode)}\n`);
  ro('dma_mask_bits', () => `${dev.model.dmaMaskBits}\n`);
  ro('consistent_dma_mask_bits', () => `${dev.model.dmaMaskBits}\n`);
  ro('power_state', () => `${dev.powerState}\n`);
  ro('ari_enabled', () => '0\n');
  ro('resource', () => {
    const resources = new Map(dev.spec.resources);
    if (dev.isBridge) {
      const windows = core.bridgeWindows(dev);
      if (windows.mem !== undefined) resources.set(PCI_BRIDGE_RESOURCES + 1, windows.mem);
      if (windows.pref !== undefined) resources.set(PCI_BRIDGE_RESOURCES + 2, windows.pref);
    }
    return formatResourceFile(resources, dev.isBridge);
  });
  if (dev.classCode >> 8 === 0x0300) ro('boot_vga', () => (dev.spec.bootVga ? '1\n' : '0\n'));

  // pci-sysfs.c numa_node_store: EPERM without CAP_SYS_ADMIN, kstrtoint errors, offline node EINVAL.
  tree.attr(`${p}/numa_node`, {
    mode: 0o644,
    show: () => `${dev.numaNode}\n`,
    store: (data, ctx) => {
      requireAdmin(ctx.privileged);
      const node = kstrtoint(data);
      if (node < -1 || node >= NUMA_NODES) fail('EINVAL');
      dev.numaNode = node;
      return data.length;
    },
  });
  // pci-sysfs.c enable_store
  tree.attr(`${p}/enable`, {
    mode: 0o644,
    show: () => `${dev.enableCount}\n`,
    store: (data, ctx) => {
      let value: number;
      try {
        value = kstrtoul(data);
      } catch {
        fail('EINVAL');
      }
      requireAdmin(ctx.privileged);
      if (dev.driver !== undefined) fail('EBUSY');
      if (value !== 0) dev.enableCount++;
      else if (dev.enableCount > 0) dev.enableCount = 0;
      else fail('EIO');
      return data.length;
    },
  });
  tree.attr(`${p}/broken_parity_status`, {
    mode: 0o644,
    show: () => `${dev.brokenParity}\n`,
    store: (data) => {
      dev.brokenParity = parseOrEinval(data) === 0 ? 0 : 1;
      return data.length;
    },
  });
  tree.attr(`${p}/msi_bus`, {
    mode: 0o644,
    show: () => `${dev.msiBus}\n`,
    store: (data, ctx) => {
      const value = parseOrEinval(data);
      requireAdmin(ctx.privileged);
      dev.msiBus = value === 0 ? 0 : 1;
      return data.length;
    },
  });
  tree.attr(`${p}/d3cold_allowed`, {
    mode: 0o644,
    show: () => `${dev.d3coldAllowed}\n`,
    store: (data) => {
      dev.d3coldAllowed = parseOrEinval(data) === 0 ? 0 : 1;
      return data.length;
    },
  });
  tree.attr(`${p}/uevent`, {
    mode: 0o644,
    show: () => {
      const env = pciUeventEnv(dev);
      const driver = dev.driver === undefined ? '' : `DRIVER=${dev.driver.name}\n`;
      return `${driver}${Object.entries(env)
        .map(([k, v]) => `${k}=${v}\n`)
        .join('')}`;
    },
    store: (data) => synthUevent(core, dev, data),
  });
  // drivers/base/driver.c driver_set_override
  tree.attr(`${p}/driver_override`, {
    mode: 0o644,
    show: () => `${dev.driverOverride ?? '(null)'}\n`,
    store: (data) => {
      if (data.length >= PAGE_SIZE - 1) fail('EINVAL');
      const text = cString(data);
      const cut = text.indexOf('\n');
      const value = cut === -1 ? text : text.slice(0, cut);
      dev.driverOverride = value === '' ? undefined : value;
      return data.length;
    },
  });
  tree.mkdir(`${p}/power`);
  tree.attr(`${p}/power/control`, {
    mode: 0o644,
    show: () => 'on\n',
    store: (data) => {
      const text = cString(data).replace(/\n$/, '');
      if (text !== 'on' && text !== 'auto') fail('EINVAL');
      return data.length;
    },
  });
  tree.attr(`${p}/power/runtime_status`, { mode: 0o444, show: () => 'active\n' });

  // PCIe link attributes (pci-sysfs.c pcie_dev_attrs, probe.c pci_speed_string).
  const version = core.services.version;
  const speeds = version.major < 5 || (version.major === 5 && version.minor <= 6) ? SPEEDS_OLD : SPEEDS;
  const pcie = dev.model.pcie;
  ro('current_link_speed', () => `${speeds[pcie.currentGen ?? pcie.maxGen] ?? speeds[0]}\n`);
  ro('max_link_speed', () => `${speeds[pcie.maxGen] ?? speeds[0]}\n`);
  ro('current_link_width', () => `${pcie.currentWidth ?? pcie.maxWidth}\n`);
  ro('max_link_width', () => `${pcie.maxWidth}\n`);
  if (dev.isBridge) {
    ro('secondary_bus_number', () => `${dev.spec.secondaryBus ?? 0}\n`);
    ro('subordinate_bus_number', () => `${dev.spec.subordinateBus ?? 0}\n`);
  }

  // config: 4096 bytes for root (CAP_SYS_ADMIN), the first 64 for others (pci_read_config).
  tree.attr(`${p}/config`, {
    mode: 0o644,
    size: 4096,
    show: (ctx) => {
      const config = dev.configSpace(dev.isBridge ? core.bridgeWindows(dev) : undefined);
      return ctx.privileged ? config : config.subarray(0, 64);
    },
    // pci_write_config: the bytes go to the device's registers, which keep what they implement.
    store: (data, _ctx, offset) => {
      dev.writeConfig(offset, data, dev.isBridge ? core.bridgeWindows(dev) : undefined);
      return data.length;
    },
  });
  addResourceFiles(core, dev);

  if (!dev.isVf) {
    // pci-sysfs.c remove_store / dev_rescan_store (pci_dev_hp_attrs: not on VFs)
    tree.attr(`${p}/remove`, {
      mode: 0o220,
      store: (data) => {
        if (kstrtoul(data) !== 0 && !dev.dead) core.removeSubtree(dev);
        return data.length;
      },
    });
    tree.attr(`${p}/rescan`, {
      mode: 0o200,
      store: (data) => {
        if (kstrtoul(data) !== 0) core.rescan(p.slice(0, p.lastIndexOf('/') + 1));
        return data.length;
      },
    });
  }
  if (dev.model.headerType === 0) addResetFiles(core, dev);
  if (dev.isPf) addSriovAttrs(core, dev);
  if (dev.isVf) {
    // drivers/pci/iov.c sriov_vf_msix_count_store: no PF driver here implements sriov_set_msix_vec_count.
    tree.attr(`${p}/sriov_vf_msix_count`, {
      mode: 0o200,
      store: (data) => {
        if (kstrtoint(data) < 0) fail('EINVAL');
        if (dev.driver !== undefined) fail('EBUSY');
        return fail('EOPNOTSUPP');
      },
    });
  }
}

function parseOrEinval(data: Buffer): number {
  try {
    return kstrtoul(data);
  } catch {
    return fail('EINVAL');
  }
}

/** kobject_synth_uevent: `echo add > uevent` re-sends an event; an unknown action is EINVAL. */
function synthUevent(core: PciCore, dev: PciDev, data: Buffer): number {
  const action = cString(data).replace(/\n$/, '').split(' ')[0] ?? '';
  const actions = ['add', 'remove', 'change', 'move', 'online', 'offline', 'bind', 'unbind'] as const;
  const found = actions.find((a) => a === action);
  if (found === undefined) fail('EINVAL');
  // A synthetic event without a UUID argument carries SYNTH_UUID=0 (kobject_synth_uevent).
  const env = {
    SUBSYSTEM: 'pci',
    ...(dev.driver === undefined ? {} : { DRIVER: dev.driver.name }),
    ...pciUeventEnv(dev),
  };
  core.uevent({ action: found, devpath: dev.path.slice(4), env: { ...env, SYNTH_UUID: '0' } });
  return data.length;
}

function addResourceFiles(core: PciCore, dev: PciDev): void {
  const tree = core.tree;
  for (const bar of dev.model.bars) {
    const res = dev.spec.resources.get(bar.index);
    if (res === undefined) continue;
    // Memory BARs are mmap-only: read/write return EIO (fs/sysfs/file.c sysfs_kf_bin_read without ->read).
    // I/O BARs accept 1, 2 or 4 byte accesses only (pci-sysfs.c pci_resource_io).
    const errno = bar.kind === 'io' ? 'EINVAL' : 'EIO';
    const spec = {
      mode: 0o600,
      size: bar.size,
      show: () => fail(errno),
      store: (data: Buffer) =>
        data.length === 1 || data.length === 2 || data.length === 4 ? data.length : fail(errno),
    };
    tree.attr(`${dev.path}/resource${bar.index}`, spec);
    if (bar.prefetchable) tree.attr(`${dev.path}/resource${bar.index}_wc`, spec);
  }
  const romSize = dev.model.romSize;
  if (romSize !== undefined && dev.spec.resources.has(PCI_ROM_RESOURCE)) {
    // pci-sysfs.c pci_read_rom / pci_write_rom
    tree.attr(`${dev.path}/rom`, {
      mode: 0o600,
      size: romSize,
      show: () => {
        if (!dev.romEnabled) fail('EINVAL');
        const image = Buffer.alloc(romSize);
        image.writeUInt16LE(0xaa55, 0); // PCI expansion ROM signature
        image.writeUInt8(Math.min(255, romSize / 512), 2);
        return image;
      },
      store: (data) => {
        dev.romEnabled = !(data.length === 2 && data[0] === 0x30);
        return data.length;
      },
    });
  }
}

function addResetFiles(core: PciCore, dev: PciDev): void {
  const tree = core.tree;
  const methods = (): string[] => {
    // FLR always (Device Capabilities FLR bit); a bus reset only when alone on the bus (pci_parent_bus_reset).
    const slot = dev.address.slice(0, 10);
    const siblings = [...core.devices.values()].filter((d) => d !== dev && d.address.startsWith(slot));
    return !dev.isVf && siblings.length === 0 ? ['flr', 'bus'] : ['flr'];
  };
  // pci-sysfs.c reset_store: value must be 1.
  tree.attr(`${dev.path}/reset`, {
    mode: 0o200,
    store: (data) => {
      if (parseOrEinval(data) !== 1) fail('EINVAL');
      return data.length;
    },
  });
  tree.attr(`${dev.path}/reset_method`, {
    mode: 0o644,
    show: () => `${methods().join(' ')}\n`,
    store: (data) => {
      const words = cString(data).trim().split(/\s+/);
      if (words.length === 1 && words[0] === 'default') return data.length;
      const supported = methods();
      if (words.some((w) => !supported.includes(w))) fail('EINVAL');
      return data.length;
    },
  });
}

/** SR-IOV attributes of a PF (drivers/pci/iov.c sriov_pf_dev_attrs). */
function addSriovAttrs(core: PciCore, pf: PciDev): void {
  const tree = core.tree;
  const sriov = pf.model.sriov;
  if (sriov === undefined) return;
  const ro = (name: string, show: () => string): void => {
    tree.attr(`${pf.path}/${name}`, { mode: 0o444, show });
  };
  ro('sriov_totalvfs', () => `${pf.sriovTotalVfs}\n`);
  ro('sriov_offset', () => `${sriov.offset}\n`);
  ro('sriov_stride', () => `${sriov.stride}\n`);
  ro('sriov_vf_device', () => `${sriov.vfDevice.toString(16)}\n`);
  ro('sriov_vf_total_msix', () => '0\n');
  tree.attr(`${pf.path}/sriov_numvfs`, {
    mode: 0o644,
    show: () => `${pf.vfs.length}\n`,
    store: (data) => core.storeNumVfs(pf, data),
  });
  tree.attr(`${pf.path}/sriov_drivers_autoprobe`, {
    mode: 0o644,
    show: () => `${pf.sriovAutoprobe ? 1 : 0}\n`,
    store: (data) => {
      pf.sriovAutoprobe = kstrtobool(data);
      return data.length;
    },
  });
}
