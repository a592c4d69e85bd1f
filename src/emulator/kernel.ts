/**
 * The emulated kernel: assembles the kernfs tree, the PCI core, IOMMU groups, VFIO, the mdev
 * core and the vendor drivers from a scenario, and offers user-level access to it (open-time
 * checks, one store() per write(2)). Booting is deterministic so that a scenario plus a
 * journal of accepted writes reproduces a state exactly.
 */
import { VgpuctlError } from '../core/errors.ts';
import type { Errno } from '../host/errno.ts';
import type { ExecResult } from '../host/host-port.ts';
import { bootMessages, nvidiaModuleMessages } from './boot-messages.ts';
import { getModel } from './catalog/models.ts';
import { createI915Driver } from './drivers/i915/index.ts';
import { createNvidiaDriver, emulateNvidiaSmi, nvidiaSmiMutates } from './drivers/nvidia/index.ts';
import { registerVramInfo } from './drivers/nvidia/vram-info.ts';
import { loadFakeNvidiaVgpu } from './fake-nvidia/index.ts';
import type {
  IommuGroup,
  KernelServices,
  KernelVersion,
  MdevCore,
  PciDriver,
  PciFunction,
  Uevent,
} from './kernel-api.ts';
import { KERN, KernelLog, kmsgReader, kmsgWrite } from './kernel-log.ts';
import { fail, KernelErrno } from './kernfs/errno-error.ts';
import type { AccessContext } from './kernfs/nodes.ts';
import { ROOT_CONTEXT } from './kernfs/nodes.ts';
import { checkOpen, Kernfs, readNode, readNodeText, writeNode } from './kernfs/tree.ts';
import { createMdevCore } from './mdev/mdev-core.ts';
import { markLoaded, publishModules } from './modules.ts';
import {
  createPcieportDriver,
  createPciStubDriver,
  createSndHdaIntelDriver,
  createVfioPciDriver,
} from './pci/builtin-drivers.ts';
import type { IommuGroupImpl } from './pci/iommu-groups.ts';
import { IommuGroups } from './pci/iommu-groups.ts';
import { layoutHost } from './pci/layout.ts';
import { PciCore } from './pci/pci-core.ts';
import type { PciDev } from './pci/pci-dev.ts';
import { Vfio } from './pci/vfio.ts';
import { addPlatform } from './platform.ts';
import { loadSample } from './samples/index.ts';
import type { GpuSpec, Scenario } from './scenario/schema.ts';

/** A pending injected failure (test hook). */
/** The host changes a fault can hit: a sysfs store, or a file, directory or unlink in tmpfs. */
export type Mutation = 'write' | 'writeFile' | 'mkdir' | 'remove';

interface Fault {
  remaining: number;
  errno: Errno;
  pathIncludes: string | undefined;
  operations: readonly Mutation[];
  die: boolean;
}

/**
 * The emulated process died (fault injection's `die`): nothing after this point runs, as if
 * vgpuctl had been killed with SIGKILL. Not a host error, so no rollback catches it.
 */
export class EmulatedDeath extends Error {
  override readonly name = 'EmulatedDeath';
}

/** Parses "6.8.0-foo" into its version numbers. */
function parseKernelRelease(release: string): KernelVersion {
  const [major = 0, minor = 0] = release.split(/[.-]/).map((part) => Number.parseInt(part, 10));
  return { release, major, minor };
}

/** The in-memory emulated Linux kernel of one scenario. */
export class EmulatedKernel {
  readonly scenario: Scenario;
  readonly tree: Kernfs;
  readonly services: KernelServices;
  readonly uevents: Uevent[] = [];
  /** The kernel log (/dev/kmsg, dmesg). */
  readonly log = new KernelLog();
  /** The PCI core (devices, drivers, SR-IOV); for tests and the lead's tooling. */
  readonly pci: PciCore;
  /** IOMMU groups (PCI groups exist only when the scenario has an IOMMU). */
  readonly iommu: IommuGroups;
  readonly vfio: Vfio;
  private readonly writeListeners = new Set<(path: string, data: Buffer, offset: number) => void>();
  private readonly ueventListeners = new Set<(event: Uevent) => void>();
  private readonly execListeners = new Set<(tool: string, args: readonly string[]) => void>();
  private faults: Fault[] = [];
  private mutationCount = 0;
  private dead = false;
  private seqnum = 0;

  /** Builds the whole host of `scenario`: devices, drivers, VFs, mdevs and vendor vGPUs. */
  static boot(scenario: Scenario): EmulatedKernel {
    return new EmulatedKernel(scenario);
  }

  private constructor(scenario: Scenario) {
    this.scenario = scenario;
    const tree = new Kernfs();
    this.tree = tree;
    mountPseudoFilesystems(tree, scenario);
    const version = parseKernelRelease(scenario.kernel.release);
    const uevent = (event: Uevent): void => {
      this.seqnum++;
      const sent = { ...event, env: { ...event.env, SEQNUM: String(this.seqnum) } };
      this.uevents.push(sent);
      this.log.fromUevent(event);
      for (const listener of this.ueventListeners) listener(sent);
    };
    const iommuOn = scenario.iommu !== 'off';
    bootMessages(this.log, scenario);
    // /dev/kmsg: the log, one record per read (Documentation/ABI/testing/dev-kmsg).
    tree.attr('/dev/kmsg', {
      mode: 0o644,
      show: () => '',
      store: (data) => kmsgWrite(this.log, data),
      records: () => kmsgReader(this.log),
    });
    this.log.driverOf = (subsystem, name) => {
      if (subsystem !== 'pci') return undefined;
      const probing = this.pci.probing;
      return this.pci.devices.get(name)?.driver?.name ?? (probing?.address === name ? probing.driver : undefined);
    };
    this.iommu = new IommuGroups(tree);
    // drivers/iommu/iommu.c iommu_group_add_device / iommu_group_remove_device (dev_info).
    this.iommu.onMember = (action, groupId, name) => {
      const subsystem = /^[0-9a-f]{4}:/.test(name) ? 'pci' : 'mdev';
      const prefix = subsystem === 'pci' ? (this.pci?.devices.get(name)?.driver?.name ?? 'pci') : subsystem;
      const text = action === 'add' ? `Adding to iommu group ${groupId}` : `Removing from iommu group ${groupId}`;
      this.log.devPrintk(KERN.info, prefix, { subsystem, name }, text);
    };
    this.vfio = new Vfio(tree, uevent);
    let mdev: MdevCore | undefined;
    const services: KernelServices = {
      tree,
      version,
      uevent,
      pciDevice: (address) => this.pci.devices.get(address),
      enableVfs: (pf, numVfs) => this.pci.enableVfs(this.devOf(pf), numVfs),
      disableVfs: (pf) => this.pci.disableVfs(this.devOf(pf)),
      allocIommuGroup: (memberName, memberPath, options) => {
        const group = this.iommu.obtain(undefined, {
          type: 'unknown',
          ...(options?.name === undefined ? {} : { name: options.name }),
        });
        this.iommu.add(group, memberName, memberPath);
        return group;
      },
      releaseIommuGroup: (group, memberName) => this.iommu.remove(this.groupOf(group), memberName),
      vfioRegister: (devName, devPath, group) => this.vfio.register(devName, devPath, this.groupOf(group)),
      vfioUnregister: (devName, devPath, group) => this.vfio.unregister(devName, devPath, this.groupOf(group)),
      get mdev(): MdevCore {
        if (mdev === undefined) throw new Error('mdev core used before boot finished');
        return mdev;
      },
    };
    this.services = services;
    mdev = createMdevCore(() => services);
    this.pci = new PciCore({
      tree,
      services: () => services,
      uevent,
      iommu: iommuOn ? this.iommu : undefined,
      vfio: this.vfio,
    });
    if (iommuOn) {
      const name = scenario.iommu === 'intel' ? 'dmar0' : 'ivhd0';
      tree.attr(`/sys/devices/virtual/iommu/${name}/uevent`, { mode: 0o644, show: () => '', store: (d) => d.length });
      tree.link(`/sys/class/iommu/${name}`, `/sys/devices/virtual/iommu/${name}`);
    }
    this.bootDevices();
    this.applyInitialState();
    publishModules(tree);
    const numaNodes = Math.max(0, ...[...this.pci.devices.values()].map((dev) => dev.numaNode)) + 1;
    addPlatform(tree, { scenario: scenario.name, numaNodes });
  }

  private bootDevices(): void {
    const scenario = this.scenario;
    const layout = layoutHost(scenario, { iommu: scenario.iommu !== 'off' });
    const gpus = new Map<string, GpuSpec>(scenario.gpus.map((gpu) => [gpu.address, gpu]));
    const drivers: PciDriver[] = [
      createPcieportDriver(),
      createPciStubDriver(),
      createVfioPciDriver(),
      createSndHdaIntelDriver(),
    ];
    const wanted = new Set(layout.map((entry) => entry.driver));
    if (wanted.has('nvidia') || scenario.gpus.some((gpu) => getModel(gpu.model)?.vendor === 0x10de)) {
      drivers.push(createNvidiaDriver(gpus));
    }
    if (wanted.has('i915')) drivers.push(createI915Driver(gpus));
    for (const driver of drivers) this.pci.registerDriver(driver, { attach: false });
    // Drivers built as modules are loaded (udev's modalias autoload) when their hardware is there.
    for (const module of ['nvidia', 'i915', 'snd_hda_intel']) if (wanted.has(module)) loadModules(this.tree, [module]);
    if (wanted.has('nvidia')) nvidiaModuleMessages(this.log);
    loadModules(this.tree, ['vfio', 'vfio_pci', 'vfio_iommu_type1', 'vfio_pci_core']);
    this.tree.attr('/sys/module/vfio_pci/parameters/enable_sriov', { mode: 0o444, show: () => 'N\n' });
    if (scenario.kvm) {
      const vendorModule = scenario.iommu === 'amd' ? 'kvm_amd' : 'kvm_intel';
      loadModules(this.tree, ['kvm', vendorModule]);
      this.tree.chardev('/dev/kvm', 10, 232, 0o660);
    }
    if (scenario.gpus.some((gpu) => gpu.vgpu !== undefined && gpu.vgpu !== 'none' && gpu.vgpu !== 'gvt-g')) {
      loadModules(this.tree, ['nvidia_vgpu_vfio']);
    }

    const created = layout.map((entry) => this.pci.addDevice(entry.spec));
    layout.forEach((entry, i) => {
      const dev = created[i] as PciDev;
      if (entry.driver === null) return;
      const driver = this.pci.driver(entry.driver);
      if (driver === undefined) {
        throw new VgpuctlError(
          'SCENARIO_INVALID',
          `Cannot load scenario "${scenario.name}": ${entry.spec.address}: unknown driver "${entry.driver}"`,
          { hint: `Known drivers: ${[...this.pci.drivers.keys()].join(', ')}` },
        );
      }
      // Boot-time binding (module tables and ids= parameters): bind directly.
      this.pci.bind(dev, driver);
    });
    layout.forEach((entry, i) => {
      const gpu = entry.gpu;
      if (!entry.primary || gpu?.virtualVramMiB === undefined) return;
      const model = entry.spec.model;
      registerVramInfo(
        this.services,
        created[i] as PciDev,
        model.vramMiB ?? 0,
        gpu.virtualVramMiB,
        model.marketingName,
      );
    });
  }

  /** Pre-created state goes through ordinary sysfs writes, exactly as a user would make it. */
  private applyInitialState(): void {
    const scenario = this.scenario;
    for (const name of scenario.samples) {
      loadModules(this.tree, [name]);
      loadSample(name, this.services);
    }
    if (scenario.fakeNvidiaVgpu !== undefined) {
      loadFakeNvidiaVgpu(this.services, { instances: scenario.fakeNvidiaVgpu.instances });
    }
    for (const gpu of scenario.gpus) {
      const base = `/sys/bus/pci/devices/${gpu.address}`;
      if (gpu.sriovNumVfs !== undefined && gpu.sriovNumVfs > 0)
        this.write(`${base}/sriov_numvfs`, `${gpu.sriovNumVfs}\n`);
      const pf = this.pci.devices.get(gpu.address);
      (gpu.mdevs ?? []).forEach((mdev, i) => {
        // sriov-mdev: one vGPU per VF, in VF order.
        const parent = gpu.vgpu === 'sriov-mdev' ? (pf?.vfs[i]?.address ?? gpu.address) : gpu.address;
        this.write(`/sys/bus/pci/devices/${parent}/mdev_supported_types/${mdev.type}/create`, mdev.uuid);
      });
      for (const vgpu of gpu.vendorVgpus ?? []) {
        const vf = pf?.vfs[vgpu.vf];
        if (vf === undefined) {
          throw new VgpuctlError(
            'SCENARIO_INVALID',
            `Cannot load scenario "${scenario.name}": ${gpu.address}: VF ${vgpu.vf} is not enabled`,
            {
              hint: 'Raise sriovNumVfs so that the VF exists',
            },
          );
        }
        this.write(`${vf.path}/nvidia/current_vgpu_type`, `${vgpu.typeId}\n`);
      }
    }
  }

  private devOf(fn: PciFunction): PciDev {
    const dev = this.pci.devices.get(fn.address);
    if (dev === undefined) fail('ENODEV', fn.address);
    return dev;
  }

  private groupOf(group: IommuGroup): IommuGroupImpl {
    const found = this.iommu.get(group.id);
    if (found === undefined) fail('ENOENT', `IOMMU group ${group.id}`);
    return found;
  }

  /** Reads a file as `ctx` would with open(2)+read(2); throws KernelErrno. */
  read(path: string, ctx: AccessContext = ROOT_CONTEXT): Buffer {
    return readNode(this.tree.lookup(path, true), ctx);
  }

  /** {@link read} as text. */
  readText(path: string, ctx: AccessContext = ROOT_CONTEXT): string {
    return readNodeText(this.tree.lookup(path, true), ctx);
  }

  /** One write(2) (at `offset`, which only binary attributes see): exactly one store(); throws KernelErrno. */
  write(path: string, data: string | Uint8Array, ctx: AccessContext = ROOT_CONTEXT, offset = 0): number {
    const node = this.tree.lookup(path, true);
    checkOpen(node, 'write', ctx);
    const buf = Buffer.from(data);
    if (buf.length > 0) this.beforeMutation('write', path);
    const count = writeNode(node, buf, ctx, offset);
    if (buf.length > 0) for (const listener of this.writeListeners) listener(path, buf, offset);
    return count;
  }

  /**
   * Called before every change to the host (a store, or a file operation of the host port):
   * counts it, and fails it when an injected fault says so.
   */
  beforeMutation(operation: Mutation, path: string): void {
    if (this.dead) throw new EmulatedDeath(`the process died before ${operation} ${path}`);
    this.mutationCount++;
    const fault = this.faults.find(
      (f) => f.operations.includes(operation) && (f.pathIncludes === undefined || path.includes(f.pathIncludes)),
    );
    if (fault === undefined) return;
    if (fault.remaining > 0) {
      fault.remaining--;
      return;
    }
    this.faults.splice(this.faults.indexOf(fault), 1);
    if (fault.die) {
      this.dead = true;
      throw new EmulatedDeath(`the process died at ${operation} ${path}`);
    }
    throw new KernelErrno(fault.errno, 'injected fault');
  }

  /**
   * Ends injected faults, and a `die`: the kernel outlives the process that died, and the
   * next command (a new process) finds the host as that death left it.
   */
  clearFaults(): void {
    this.faults = [];
    this.dead = false;
  }

  /** How many host changes were attempted so far (fault-injection tests enumerate them). */
  get mutations(): number {
    return this.mutationCount;
  }

  /** Runs a host tool; undefined when the tool is not installed on this host. */
  exec(file: string, args: readonly string[]): ExecResult | undefined {
    const name = file.slice(file.lastIndexOf('/') + 1);
    if (name === 'nvidia-smi' && this.hasNvidiaSmi()) {
      const result = emulateNvidiaSmi(args, this.services);
      // A tool run that changed the host is journaled like a sysfs write.
      if (result.status === 0 && nvidiaSmiMutates(args))
        for (const listener of this.execListeners) listener(name, args);
      return result;
    }
    return undefined;
  }

  /** Observes host-changing tool runs (`nvidia-smi vgpu -shm`), for the state journal. */
  onExec(listener: (tool: string, args: readonly string[]) => void): () => void {
    this.execListeners.add(listener);
    return () => this.execListeners.delete(listener);
  }

  private hasNvidiaSmi(): boolean {
    if (this.scenario.nvidiaSmi !== undefined) return this.scenario.nvidiaSmi;
    return (
      this.pci.driver('nvidia') !== undefined && [...this.pci.devices.values()].some((d) => d.driver?.name === 'nvidia')
    );
  }

  /** Observes accepted writes (the state journal). Returns the unsubscribe function. */
  onWrite(listener: (path: string, data: Buffer, offset: number) => void): () => void {
    this.writeListeners.add(listener);
    return () => this.writeListeners.delete(listener);
  }

  /** Observes every uevent as the kernel sends it (with SEQNUM). Returns the unsubscribe function. */
  onUevent(listener: (event: Uevent) => void): () => void {
    this.ueventListeners.add(listener);
    return () => this.ueventListeners.delete(listener);
  }

  /**
   * Fault injection: the (afterWrites+1)-th matching change fails with `errno` before it
   * happens — or, with `die`, the process dies there and every later change fails with
   * {@link EmulatedDeath}. `operations` says which changes count (default: sysfs stores only).
   */
  injectFault(fault: {
    afterWrites: number;
    errno?: Errno;
    pathIncludes?: string;
    operations?: readonly Mutation[];
    die?: boolean;
  }): void {
    this.faults.push({
      remaining: fault.afterWrites,
      errno: fault.errno ?? 'EIO',
      pathIncludes: fault.pathIncludes,
      operations: fault.operations ?? ['write'],
      die: fault.die ?? false,
    });
  }

  /** Test hook: an emulated VFIO user (a VM) holds IOMMU group `groupId` or lets it go. */
  setGroupInUse(groupId: number, inUse: boolean): void {
    const group = this.iommu.get(groupId);
    if (group === undefined) fail('ENOENT', `IOMMU group ${groupId}`);
    group.inUse = inUse;
  }
}

/** Marks modules loaded, each after the modules it depends on: /sys/module/<name>/initstate reads `live`. */
function loadModules(tree: Kernfs, names: readonly string[]): void {
  for (const name of names) markLoaded(tree, name);
}

/** /sys, /proc, /dev and the tmpfs directories, with the files discovery reads. */
function mountPseudoFilesystems(tree: Kernfs, scenario: Scenario): void {
  tree.mkdir('/sys', 0o555, 'sysfs');
  tree.mkdir('/sys/kernel', 0o755);
  tree.mkdir('/sys/module', 0o755);
  tree.mkdir('/sys/class', 0o755);
  tree.mkdir('/sys/devices/virtual', 0o755);
  tree.mkdir('/proc', 0o555, 'procfs');
  tree.mkdir('/dev', 0o755, 'devtmpfs');
  tree.mkdir('/etc', 0o755, 'tmpfs');
  tree.mkdir('/run', 0o755, 'tmpfs');
  tree.mkdir('/tmp', 0o1777, 'tmpfs');
  tree.file('/proc/cmdline', `${scenario.kernel.cmdline}\n`, 0o444);
  tree.file('/proc/sys/kernel/osrelease', `${scenario.kernel.release}\n`, 0o444);
}
