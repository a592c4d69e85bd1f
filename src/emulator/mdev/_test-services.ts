/**
 * A small stand-in for the PCI core, for unit tests of the mdev core and vendor drivers:
 * a Kernfs, a uevent log, IOMMU groups, VFIO nodes, PCI functions, binding and SR-IOV.
 * Integration tests use EmulatedKernel.boot() instead.
 */

import type { IommuGroup, KernelServices, PciDriver, PciFunction, Uevent } from '../kernel-api.ts';
import { ROOT_CONTEXT } from '../kernfs/nodes.ts';
import { Kernfs, readNode, writeNode } from '../kernfs/tree.ts';
import { createMdevCore } from './mdev-core.ts';

/** A PCI function whose fields the harness may change. */
export interface TestPciFunction extends PciFunction {
  driver: PciDriver | undefined;
  vfs: TestPciFunction[];
  iommuGroup: IommuGroup | undefined;
}

interface MutableGroup extends IommuGroup {
  members: string[];
}

/** The harness: services plus helpers that play the PCI core's part. */
export interface TestKernel {
  services: KernelServices;
  tree: Kernfs;
  uevents: Uevent[];
  /** Adds a PCI function below a root port with its own IOMMU group. */
  addPci(spec: {
    address: string;
    vendor: number;
    device: number;
    classCode: number;
    modelId: string;
  }): TestPciFunction;
  /** Binds `driver` (probe, links), as bind_store would. */
  bind(dev: TestPciFunction, driver: PciDriver): void;
  /** Unbinds the device's driver (remove, links). */
  unbind(dev: TestPciFunction): void;
  /** Reads a file as root, as text. */
  read(path: string): string;
  /** One write(2) as root; returns the count. */
  write(path: string, data: string): number;
}

/** Builds a harness; `vfDriver` is the driver VFs auto-probe with (normally the PF's). */
export function createTestKernel(options: { major?: number; minor?: number } = {}): TestKernel {
  const tree = new Kernfs();
  const uevents: Uevent[] = [];
  const devices = new Map<string, TestPciFunction>();
  const groups = new Map<number, MutableGroup>();
  const vfioUsers = new Map<number, number>();
  let nextVfioDev = 0;
  tree.mkdir('/sys/kernel/iommu_groups');
  tree.mkdir('/dev/vfio/devices');
  tree.chardev('/dev/vfio/vfio', 10, 196, 0o666);

  const allocGroupId = (): number => {
    let id = 0;
    while (groups.has(id)) id++;
    return id;
  };
  const addToGroup = (group: MutableGroup, name: string, path: string): void => {
    group.members.push(name);
    tree.link(`/sys/kernel/iommu_groups/${group.id}/devices/${name}`, path);
  };

  const bind = (dev: TestPciFunction, driver: PciDriver): void => {
    driver.probe(dev, services);
    dev.driver = driver;
    tree.link(`${dev.path}/driver`, `/sys/bus/pci/drivers/${driver.name}`);
    tree.link(`/sys/bus/pci/drivers/${driver.name}/${dev.address}`, dev.path);
    uevents.push({ action: 'bind', devpath: dev.path.slice(4), env: { DRIVER: driver.name } });
  };
  const unbind = (dev: TestPciFunction): void => {
    const driver = dev.driver;
    if (driver === undefined) return;
    driver.remove(dev, services);
    dev.driver = undefined;
    tree.remove(`${dev.path}/driver`);
    tree.remove(`/sys/bus/pci/drivers/${driver.name}/${dev.address}`);
  };

  const addPci: TestKernel['addPci'] = (spec) => {
    const path = `/sys/devices/pci0000:00/0000:00:01.0/${spec.address}`;
    const dev: TestPciFunction = {
      ...spec,
      path,
      subsystemVendor: spec.vendor,
      subsystemDevice: 0,
      revision: 0xa1,
      headerType: 0,
      physfn: undefined,
      vfs: [],
      driver: undefined,
      driverOverride: undefined,
      iommuGroup: undefined,
      driverData: new Map(),
    };
    tree.mkdir(path);
    tree.link(`${path}/subsystem`, '/sys/bus/pci');
    tree.link(`/sys/bus/pci/devices/${spec.address}`, path);
    const group: MutableGroup = { id: allocGroupId(), members: [] };
    groups.set(group.id, group);
    addToGroup(group, spec.address, path);
    tree.link(`${path}/iommu_group`, `/sys/kernel/iommu_groups/${group.id}`);
    dev.iommuGroup = group;
    devices.set(spec.address, dev);
    return dev;
  };

  const services: KernelServices = {
    tree,
    version: {
      release: `${options.major ?? 6}.${options.minor ?? 8}.0-test`,
      major: options.major ?? 6,
      minor: options.minor ?? 8,
    },
    uevent: (event) => {
      uevents.push(event);
    },
    pciDevice: (address) => devices.get(address),
    enableVfs(pf, numVfs) {
      const parent = devices.get(pf.address);
      if (parent === undefined) return;
      const [domainBus = '', slot = '0.0'] = [pf.address.slice(0, 7), pf.address.slice(8)];
      const [dev = '0', fn = '0'] = slot.split('.');
      const devfn = (Number.parseInt(dev, 16) << 3) | Number(fn);
      for (let i = 0; i < numVfs; i++) {
        const vfDevfn = devfn + 4 + i;
        const address = `${domainBus}:${((vfDevfn >> 3) & 0x1f).toString(16).padStart(2, '0')}.${vfDevfn & 7}`;
        const vf = addPci({
          address,
          vendor: pf.vendor,
          device: pf.device,
          classCode: pf.classCode,
          modelId: pf.modelId,
        });
        (vf as { physfn: PciFunction | undefined }).physfn = parent;
        tree.link(`${vf.path}/physfn`, parent.path);
        tree.link(`${parent.path}/virtfn${i}`, vf.path);
        parent.vfs.push(vf);
        if (parent.driver?.matchStatic(vf)) bind(vf, parent.driver);
      }
    },
    disableVfs(pf) {
      const parent = devices.get(pf.address);
      if (parent === undefined) return;
      for (const [i, vf] of parent.vfs.entries()) {
        unbind(vf);
        tree.remove(`${parent.path}/virtfn${i}`);
        tree.remove(vf.path);
        tree.remove(`/sys/bus/pci/devices/${vf.address}`);
        devices.delete(vf.address);
      }
      parent.vfs = [];
    },
    allocIommuGroup(memberName, memberPath, opts) {
      const group: MutableGroup = { id: allocGroupId(), members: [] };
      groups.set(group.id, group);
      addToGroup(group, memberName, memberPath);
      tree.attr(`/sys/kernel/iommu_groups/${group.id}/type`, { mode: 0o644, show: () => 'unknown\n' });
      const name = opts?.name;
      if (name !== undefined) {
        tree.attr(`/sys/kernel/iommu_groups/${group.id}/name`, { mode: 0o444, show: () => `${name}\n` });
      }
      return group;
    },
    releaseIommuGroup(group, memberName) {
      const g = groups.get(group.id);
      if (g === undefined) return;
      g.members = g.members.filter((m) => m !== memberName);
      tree.remove(`/sys/kernel/iommu_groups/${group.id}/devices/${memberName}`);
      if (g.members.length === 0) {
        groups.delete(group.id);
        tree.remove(`/sys/kernel/iommu_groups/${group.id}`);
      }
    },
    vfioRegister(devName, devPath, group) {
      const users = vfioUsers.get(group.id) ?? 0;
      if (users === 0) tree.chardev(`/dev/vfio/${group.id}`, 511, group.id);
      vfioUsers.set(group.id, users + 1);
      const x = nextVfioDev++;
      tree.mkdir(`${devPath}/vfio-dev/vfio${x}`);
      tree.chardev(`/dev/vfio/devices/vfio${x}`, 510, x);
      void devName;
    },
    vfioUnregister(_devName, devPath, group) {
      const users = (vfioUsers.get(group.id) ?? 1) - 1;
      vfioUsers.set(group.id, users);
      if (users === 0) tree.remove(`/dev/vfio/${group.id}`);
      const vfioDev = tree.find(`${devPath}/vfio-dev`);
      if (vfioDev?.kind === 'dir') {
        for (const name of vfioDev.children.keys()) tree.remove(`/dev/vfio/devices/${name}`);
      }
      tree.remove(`${devPath}/vfio-dev`);
    },
    mdev: createMdevCore(() => services),
  };

  return {
    services,
    tree,
    uevents,
    addPci,
    bind,
    unbind,
    read: (path) => readNode(tree.lookup(path), ROOT_CONTEXT).toString('latin1'),
    write: (path, data) => writeNode(tree.lookup(path), Buffer.from(data, 'latin1'), ROOT_CONTEXT),
  };
}
