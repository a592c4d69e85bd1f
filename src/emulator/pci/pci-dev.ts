/** The PCI core's per-function state (struct pci_dev). */
import type { PciModel } from '../catalog/pci-model.ts';
import type { PciDriver, PciFunction } from '../kernel-api.ts';
import type { ConfigBar, ConfigSpaceInput } from './config-space.ts';
import { buildConfigSpace } from './config-space.ts';
import { applyConfigWrite, configWriteMask, overlayConfigWrites } from './config-write-mask.ts';
import type { IommuGroupImpl } from './iommu-groups.ts';
import type { PciResource } from './resource.ts';
import { PCI_ROM_RESOURCE } from './resource.ts';

/** Where and how a function is placed; kept so `rescan` can re-add a removed function. */
export interface PciDevSpec {
  address: string;
  /** Real sysfs directory of the function. */
  path: string;
  model: PciModel;
  /** Overrides of the model's identity (VFs report the PF's VF device id). */
  device?: number;
  numaNode: number;
  bootVga: boolean;
  irq: number;
  multiFunction: boolean;
  /** BAR (0–5), ROM (6) and SR-IOV BAR (7–12) resources. */
  resources: Map<number, PciResource>;
  /** Bridges: secondary and subordinate bus. */
  secondaryBus?: number;
  subordinateBus?: number;
  /** IOMMU group id wanted at (re-)add; undefined without an IOMMU. */
  groupId?: number;
  /** Physical slot number (root ports). */
  slot?: number;
}

/** One PCI function of the emulated host. */
export class PciDev implements PciFunction {
  readonly spec: PciDevSpec;
  readonly address: string;
  readonly path: string;
  readonly vendor: number;
  readonly device: number;
  readonly subsystemVendor: number;
  readonly subsystemDevice: number;
  readonly classCode: number;
  readonly revision: number;
  readonly headerType: number;
  readonly modelId: string;
  readonly model: PciModel;
  readonly driverData = new Map<string, unknown>();
  physfn: PciDev | undefined;
  /** Index of a VF below its PF. */
  vfIndex = -1;
  vfs: PciDev[] = [];
  driver: PciDriver | undefined;
  driverOverride: string | undefined;
  iommuGroup: IommuGroupImpl | undefined;
  numaNode: number;
  /** pci_dev->current_state as power_state shows it. */
  powerState: 'D0' | 'D3hot' | 'D3cold' | 'unknown' = 'D0';
  enableCount = 0;
  brokenParity = 0;
  msiBus = 1;
  d3coldAllowed = 1;
  romEnabled = false;
  sriovAutoprobe = true;
  /** sriov_totalvfs; a driver may lower it (pci_sriov_set_totalvfs). */
  sriovTotalVfs: number;
  /** Values of the config-space bits written through `config`, and which bits those are. */
  private configWrites: { values: Buffer; written: Buffer } | undefined;
  /** Set once the device is deleted; stores on stale handles fail with ENODEV. */
  dead = false;

  constructor(spec: PciDevSpec, physfn?: PciDev, vfIndex?: number) {
    this.spec = spec;
    this.address = spec.address;
    this.path = spec.path;
    this.model = spec.model;
    this.vendor = spec.model.vendor;
    this.device = spec.device ?? spec.model.device;
    this.subsystemVendor = spec.model.subsystemVendor;
    this.subsystemDevice = spec.model.subsystemDevice;
    this.classCode = spec.model.classCode;
    this.revision = spec.model.revision;
    this.headerType = spec.model.headerType;
    this.modelId = spec.model.id;
    this.numaNode = spec.numaNode;
    this.physfn = physfn;
    if (vfIndex !== undefined) this.vfIndex = vfIndex;
    this.sriovTotalVfs = physfn === undefined ? (spec.model.sriov?.totalVfs ?? 0) : 0;
  }

  /** True for SR-IOV physical functions (dev_is_pf with an SR-IOV capability). */
  get isPf(): boolean {
    return this.physfn === undefined && this.model.sriov !== undefined;
  }

  /** True for virtual functions. */
  get isVf(): boolean {
    return this.physfn !== undefined;
  }

  /** True for PCI-to-PCI bridges (header type 1). */
  get isBridge(): boolean {
    return this.headerType === 1;
  }

  /** The function's configuration space as hardware would return it now. */
  configSpace(bridgeWindows?: { mem?: PciResource; pref?: PciResource }): Buffer {
    const config = buildConfigSpace(this.configInput(bridgeWindows));
    const writes = this.configWrites;
    return writes === undefined ? config : overlayConfigWrites(config, writes.values, writes.written);
  }

  /**
   * A write to `config` at `offset` (drivers/pci/pci-sysfs.c pci_write_config): the bits the
   * register implements as read/write take the written value and keep it; read-only bits,
   * identity and capability structure do not change.
   */
  writeConfig(offset: number, data: Uint8Array, bridgeWindows?: { mem?: PciResource; pref?: PciResource }): void {
    const input = this.configInput(bridgeWindows);
    const mask = configWriteMask(buildConfigSpace(input), {
      headerType: input.headerType,
      bars: input.bars,
      ...(input.rom === undefined ? {} : { romSize: input.rom.size }),
      isVf: this.isVf,
    });
    this.configWrites ??= { values: Buffer.alloc(mask.length), written: Buffer.alloc(mask.length) };
    applyConfigWrite(this.configWrites.values, this.configWrites.written, mask, offset, data);
  }

  private configInput(windows?: { mem?: PciResource; pref?: PciResource }): ConfigSpaceInput {
    const model = this.model;
    const bars: ConfigBar[] = [];
    // A VF's own BAR registers read as zero (the PF's SR-IOV BARs hold the addresses).
    if (!this.isVf) {
      for (const bar of model.bars) {
        const res = this.spec.resources.get(bar.index);
        bars.push({ ...bar, address: res?.start ?? 0n });
      }
    }
    const rom = this.spec.resources.get(PCI_ROM_RESOURCE);
    const input: ConfigSpaceInput = {
      // VF Vendor/Device ID registers read 0xffff (PCIe SR-IOV spec 3.4.1.1/2).
      vendor: this.isVf ? 0xffff : this.vendor,
      device: this.isVf ? 0xffff : this.device,
      classCode: this.classCode,
      revision: this.revision,
      headerType: model.headerType,
      multiFunction: this.spec.multiFunction,
      subsystemVendor: this.subsystemVendor,
      subsystemDevice: this.subsystemDevice,
      bars,
      interruptPin: this.isVf ? 0 : model.interruptPin,
      interruptLine: this.spec.irq & 0xff,
      commandEnabled: !this.isVf,
      pm: !this.isVf,
      pcie: {
        portType: model.pcie.portType,
        maxGen: model.pcie.maxGen,
        maxWidth: model.pcie.maxWidth,
        currentGen: model.pcie.currentGen ?? model.pcie.maxGen,
        currentWidth: model.pcie.currentWidth ?? model.pcie.maxWidth,
        ...(this.spec.slot === undefined ? {} : { slot: this.spec.slot }),
      },
      acs: model.pcie.portType === 'root-port',
    };
    if (rom !== undefined && model.romSize !== undefined) input.rom = { size: model.romSize, address: rom.start };
    if (this.isVf) {
      input.msix = { tableSize: 8, bar: 0, tableOffset: 0xb90000, pbaOffset: 0xba0000 };
    } else {
      if (model.msi !== undefined) input.msi = model.msi;
      if (model.msix !== undefined) input.msix = model.msix;
    }
    if (this.spec.multiFunction) input.ari = { nextFunction: 0 };
    if (model.headerType === 1) {
      const bridge: NonNullable<ConfigSpaceInput['bridge']> = {
        primaryBus: Number.parseInt(this.address.slice(5, 7), 16),
        secondaryBus: this.spec.secondaryBus ?? 0,
        subordinateBus: this.spec.subordinateBus ?? 0,
      };
      if (windows?.mem !== undefined) bridge.memWindow = { base: windows.mem.start, limit: windows.mem.end };
      if (windows?.pref !== undefined) bridge.prefWindow = { base: windows.pref.start, limit: windows.pref.end };
      input.bridge = bridge;
    }
    const sriov = model.sriov;
    if (sriov !== undefined && !this.isVf) {
      input.sriov = {
        totalVfs: sriov.totalVfs,
        numVfs: this.vfs.length,
        offset: sriov.offset,
        stride: sriov.stride,
        vfDevice: sriov.vfDevice,
        vfBars: sriov.vfBars.map((bar) => ({ ...bar, address: this.spec.resources.get(7 + bar.index)?.start ?? 0n })),
      };
    }
    return input;
  }
}
