/**
 * Places a scenario's GPUs on the emulated PCI hierarchy, as firmware enumeration would:
 * root ports above GPUs, companion functions, IOMMU group ids, IRQs, BAR addresses, NUMA
 * nodes. Pure and deterministic: the same scenario always yields the same layout.
 */
import { VgpuctlError } from '../../core/errors.ts';
import { formatBdf, parseBdf } from '../../core/pci-address.ts';
import { getModel } from '../catalog/models.ts';
import type { PciModel } from '../catalog/pci-model.ts';
import type { GpuSpec, Scenario } from '../scenario/schema.ts';
import type { PciDevSpec } from './pci-dev.ts';
import type { PciResource } from './resource.ts';
import { AddressAllocator, barFlags, PCI_IOV_RESOURCES, PCI_ROM_RESOURCE, ROM_FLAGS } from './resource.ts';

/** One function to create at boot, with the driver to bind (null: none). */
export interface LayoutEntry {
  spec: PciDevSpec;
  driver: string | null;
  /** The scenario entry this function belongs to (GPU or its companion). */
  gpu: GpuSpec | undefined;
  /** True for the GPU function itself (not a companion or root port). */
  primary: boolean;
}

const hex2 = (value: number): string => value.toString(16).padStart(2, '0');

function modelOrFail(scenario: Scenario, id: string, where: string): PciModel {
  const model = getModel(id);
  if (model === undefined) {
    throw new VgpuctlError(
      'SCENARIO_INVALID',
      `Cannot load scenario "${scenario.name}": ${where}: unknown model "${id}"`,
      {
        hint: 'Known models: run "vgpuctl emulate models" or see src/emulator/catalog/models.ts',
      },
    );
  }
  return model;
}

function invalid(scenario: Scenario, problem: string): VgpuctlError {
  return new VgpuctlError('SCENARIO_INVALID', `Cannot load scenario "${scenario.name}": ${problem}`);
}

/** Computes the boot-time PCI layout of a scenario; throws SCENARIO_INVALID on conflicts. */
export function layoutHost(scenario: Scenario, options: { iommu: boolean }): LayoutEntry[] {
  const gpus = [...scenario.gpus].sort((a, b) => a.address.localeCompare(b.address));
  const gpuBuses = new Set(gpus.map((gpu) => gpu.address.slice(0, 7)));
  interface Pending {
    address: string;
    path: string;
    model: PciModel;
    gpu: GpuSpec | undefined;
    primary: boolean;
    driver: string | null;
    numaNode: number;
    bootVga: boolean;
    slotKey: string;
    rootPort?: { secondary: number; slot: number };
  }
  const pending = new Map<string, Pending>();
  const add = (entry: Pending): void => {
    if (pending.has(entry.address)) throw invalid(scenario, `address ${entry.address} is used twice`);
    pending.set(entry.address, entry);
  };
  const firstVga = gpus.find((gpu) => (getModel(gpu.model)?.classCode ?? 0) >> 8 === 0x0300);
  const anyBootVga = gpus.some((gpu) => gpu.bootVga === true);
  const rootPorts = new Map<string, string>();
  gpus.forEach((gpu, index) => {
    const model = modelOrFail(scenario, gpu.model, `gpus[${index}].model`);
    const bdf = parseBdf(gpu.address);
    const numaNode = gpu.numaNode ?? (bdf.bus < 0x80 ? 0 : 1);
    const domain = gpu.address.slice(0, 4);
    let parent = `/sys/devices/pci${domain}:${hex2(bdf.bus)}`;
    if (bdf.bus !== 0) {
      const busKey = gpu.address.slice(0, 7);
      const rpAddress =
        gpu.rootPort ?? rootPorts.get(busKey) ?? formatBdf({ domain: bdf.domain, bus: bdf.bus - 1, device: 1, fn: 0 });
      const rpBus = rpAddress.slice(0, 7);
      if (rpBus === busKey || (gpuBuses.has(rpBus) && rpAddress.slice(5, 7) !== '00')) {
        throw invalid(scenario, `gpus[${index}]: root port ${rpAddress} would sit on a GPU's bus`);
      }
      parent = `/sys/devices/pci${rpAddress.slice(0, 7)}/${rpAddress}`;
      if (!rootPorts.has(busKey)) {
        rootPorts.set(busKey, rpAddress);
        add({
          address: rpAddress,
          path: parent,
          model: modelOrFail(scenario, 'pcie-root-port', 'root port'),
          gpu: undefined,
          primary: false,
          driver: 'pcieport',
          numaNode,
          bootVga: false,
          slotKey: rpAddress,
          rootPort: { secondary: bdf.bus, slot: rootPorts.size },
        });
      }
    }
    const driver = gpu.driver === undefined ? model.defaultDriver : gpu.driver;
    const slotKey = gpu.address.slice(0, 10);
    add({
      address: gpu.address,
      path: `${parent}/${gpu.address}`,
      model,
      gpu,
      primary: true,
      driver,
      numaNode,
      bootVga: gpu.bootVga ?? (!anyBootVga && gpu === firstVga),
      slotKey,
    });
    for (const companion of model.companions ?? []) {
      const address = `${slotKey}.${companion.function}`;
      const companionModel = modelOrFail(scenario, companion.model, `gpus[${index}] companion`);
      add({
        address,
        path: `${parent}/${address}`,
        model: companionModel,
        gpu,
        primary: false,
        // Passthrough setups hand the whole slot to vfio-pci.
        driver: driver === 'vfio-pci' || driver === null ? driver : companionModel.defaultDriver,
        numaNode,
        bootVga: false,
        slotKey,
      });
    }
  });

  const ordered = [...pending.values()].sort((a, b) => a.address.localeCompare(b.address));
  const slotSizes = new Map<string, number>();
  for (const entry of ordered) slotSizes.set(entry.slotKey, (slotSizes.get(entry.slotKey) ?? 0) + 1);

  // IOMMU groups: explicit ids first, then the lowest free id per slot in enumeration order.
  const groupOfSlot = new Map<string, number>();
  if (options.iommu) {
    const used = new Set<number>();
    for (const entry of ordered) {
      const wanted = entry.gpu?.iommuGroup;
      if (wanted === undefined || entry.rootPort !== undefined) continue;
      const other = [...groupOfSlot.entries()].find(([slot, id]) => id === wanted && slot !== entry.slotKey);
      if (other !== undefined) throw invalid(scenario, `IOMMU group ${wanted} is given to two slots`);
      groupOfSlot.set(entry.slotKey, wanted);
      used.add(wanted);
    }
    let next = 0;
    for (const entry of ordered) {
      if (groupOfSlot.has(entry.slotKey)) continue;
      while (used.has(next)) next++;
      groupOfSlot.set(entry.slotKey, next);
      used.add(next);
    }
  }

  const allocator = new AddressAllocator();
  let irq = 16;
  return ordered.map((entry) => {
    const model = entry.model;
    if (entry.rootPort !== undefined) allocator.startWindow();
    const resources = new Map<number, PciResource>();
    for (const bar of model.bars) {
      const start = allocator.allocate(bar.kind, bar.prefetchable, bar.size);
      resources.set(bar.index, { start, end: start + BigInt(bar.size) - 1n, flags: barFlags(bar) });
    }
    if (model.romSize !== undefined) {
      const start = allocator.allocate('mem32', false, model.romSize);
      resources.set(PCI_ROM_RESOURCE, { start, end: start + BigInt(model.romSize) - 1n, flags: ROM_FLAGS });
    }
    for (const bar of model.sriov?.vfBars ?? []) {
      const size = bar.size * (model.sriov?.totalVfs ?? 0);
      const start = allocator.allocate(bar.kind, bar.prefetchable, size);
      resources.set(PCI_IOV_RESOURCES + bar.index, { start, end: start + BigInt(size) - 1n, flags: barFlags(bar) });
    }
    const spec: PciDevSpec = {
      address: entry.address,
      path: entry.path,
      model,
      numaNode: entry.numaNode,
      bootVga: entry.bootVga,
      irq: model.interruptPin === 0 ? 0 : irq++,
      multiFunction: (slotSizes.get(entry.slotKey) ?? 1) > 1,
      resources,
    };
    const groupId = groupOfSlot.get(entry.slotKey);
    if (groupId !== undefined) spec.groupId = groupId;
    if (entry.rootPort !== undefined) {
      spec.secondaryBus = entry.rootPort.secondary;
      spec.subordinateBus = entry.rootPort.secondary;
      spec.slot = entry.rootPort.slot;
    }
    return { spec, driver: entry.driver, gpu: entry.gpu, primary: entry.primary };
  });
}
