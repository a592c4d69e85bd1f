/**
 * The unified GPU manager of seed 002: scan every backend, list the candidates with their
 * verdicts, select automatically by priority, by mode, by index or by preference with
 * fallback, initialize the selection, report stats, and release what it initialized.
 */
import { VgpuctlError } from '../core/errors.ts';
import type { PciIds } from '../core/pci-ids.ts';
import { discover } from '../discovery/discover.ts';
import type { Inventory } from '../discovery/inventory.ts';
import type { HostPort } from '../host/host-port.ts';
import { isHostError } from '../host/host-port.ts';
import type { ExecutionReport } from '../ops/execute-plan.ts';
import type { VmGpuConfig, VmGpuDevice } from '../vmconfig/vm-gpu.ts';
import type { Candidate } from './candidate.ts';
import {
  type Initialization,
  type InitPreview,
  initializeCandidate,
  previewInitialization,
  releaseAcquired,
} from './initialize.ts';
import type { GpuMode } from './modes.ts';
import { scanCandidates } from './scan.ts';
import type { VfGeometry } from './scan-hardware.ts';
import type { SoftwareApiChoice } from './scan-software.ts';
import { type Selection, type SelectRequest, selectCandidate } from './select.ts';
import { type GpuStats, statsOf } from './stats.ts';
import { buildVmConfig, type VmOptions } from './vm-config.ts';

/** Options of {@link GpuManager}. */
export interface GpuManagerOptions {
  /** pci.ids for names (KubeVirt resource names come from them). */
  pciIds?: PciIds;
  /** Software GPU: `auto` (virgl where a render node exists, else 2D), `virgl`, `venus` or `2d`. */
  softwareApi?: SoftwareApiChoice;
  /** virtio-gpu's host-memory budget in MiB (default: the render GPU's virtual VRAM, else 1 GiB / 256 MiB). */
  softwareMemoryMiB?: number;
  /** UUIDs for new mdevs; default crypto.randomUUID. */
  newUuid?: () => string;
  /** Clock for the executor's polling (tests). */
  sleep?: (ms: number) => Promise<void>;
}

/** Where the manager is in its life cycle. */
export type ManagerState = 'new' | 'scanned' | 'selected' | 'initialized' | 'released';

/**
 * The unified GPU manager.
 *
 * @example
 * const manager = new GpuManager(host);
 * await manager.scan();
 * manager.setPreferredMode('passthrough'); // falls back to sriov, mdev, software
 * const { candidate } = manager.autoSelect();
 * await manager.initialize();
 * const config = manager.vmConfig({ vmUuid: crypto.randomUUID() });
 * console.log(manager.stats());
 * await manager.release();
 */
export class GpuManager {
  readonly host: HostPort;
  private readonly options: GpuManagerOptions;
  private inventoryValue: Inventory | undefined;
  private candidateList: Candidate[] = [];
  private preferred: GpuMode | undefined;
  private fallback = true;
  private selected: Selection | undefined;
  private initialized: Initialization | undefined;
  /** The last preview of the selection, so that the UUID it planned is the one initialize creates. */
  private previewed: { mdevUuid: string | undefined; preview: InitPreview } | undefined;
  private lifecycle: ManagerState = 'new';

  constructor(host: HostPort, options: GpuManagerOptions = {}) {
    this.host = host;
    this.options = options;
  }

  /** Discovers the host and lists every candidate (seed `scan_backends`). */
  async scan(): Promise<readonly Candidate[]> {
    const inventory = await this.discover();
    const [vfGeometry, hostRamMiB] = await Promise.all([this.readVfGeometry(inventory), this.readHostRam()]);
    this.inventoryValue = inventory;
    this.candidateList = scanCandidates(inventory, {
      vfGeometry,
      software: {
        ...(this.options.softwareApi === undefined ? {} : { api: this.options.softwareApi }),
        ...(this.options.softwareMemoryMiB === undefined ? {} : { memoryMiB: this.options.softwareMemoryMiB }),
        hostRamMiB,
      },
    });
    if (this.lifecycle === 'new' || this.lifecycle === 'released') this.lifecycle = 'scanned';
    return this.candidateList;
  }

  /** The candidates of the last scan, best first. */
  get candidates(): readonly Candidate[] {
    return this.candidateList;
  }

  /** The inventory the last scan saw. */
  get inventory(): Inventory {
    if (this.inventoryValue === undefined) throw notScanned();
    return this.inventoryValue;
  }

  get state(): ManagerState {
    return this.lifecycle;
  }

  /** The current selection, if any. */
  get selection(): Selection | undefined {
    return this.selected;
  }

  /** The current initialization, if any. */
  get initialization(): Initialization | undefined {
    return this.initialized;
  }

  /** The mode `autoSelect` tries first (undefined: plain priority order). */
  setPreferredMode(mode: GpuMode | undefined): void {
    this.preferred = mode;
  }

  /** Whether `autoSelect` falls back below the preferred mode (default true). */
  setAutoFallback(enabled: boolean): void {
    this.fallback = enabled;
  }

  /** Selects the best available candidate, honouring the preferred mode and fallback (seed `auto_select`). */
  autoSelect(): Selection {
    return this.select(this.preferred === undefined ? {} : { prefer: this.preferred, fallback: this.fallback });
  }

  /** Selects the best available candidate of one mode, optionally on one device or of one type. */
  selectByMode(mode: GpuMode, filter: Pick<SelectRequest, 'device' | 'mdevType'> = {}): Selection {
    return this.select({ ...filter, mode });
  }

  /** Selects the candidate at `index` of the list. */
  selectByIndex(index: number): Selection {
    return this.select({ index });
  }

  /** Selects by a full request; see {@link selectCandidate}. */
  select(request: SelectRequest): Selection {
    if (this.inventoryValue === undefined) throw notScanned();
    if (this.initialized !== undefined) {
      throw new VgpuctlError('CONFLICT', `Cannot select again: ${this.initialized.candidate.label} is initialized`, {
        hint: 'Release it first (manager.release())',
      });
    }
    this.selected = selectCandidate(this.candidateList, request);
    this.previewed = undefined;
    this.lifecycle = 'selected';
    return this.selected;
  }

  /** What `initialize` would do, as plans; changes nothing. */
  preview(options: { mdevUuid?: string } = {}): InitPreview {
    const selection = this.requireSelection();
    if (this.previewed !== undefined && this.previewed.mdevUuid === options.mdevUuid) return this.previewed.preview;
    const preview = previewInitialization(this.inventory, selection.candidate, {
      newUuid: this.newUuid,
      ...(options.mdevUuid === undefined ? {} : { mdevUuid: options.mdevUuid }),
    });
    this.previewed = { mdevUuid: options.mdevUuid, preview };
    return preview;
  }

  /** Initializes the selection (seed `initialize_selected`): binds, enables a VF, or creates the vGPU. */
  async initialize(options: { mdevUuid?: string } = {}): Promise<Initialization> {
    const selection = this.requireSelection();
    if (this.initialized !== undefined) return this.initialized;
    // Create the mdev a preview showed, not another one.
    const shown = this.previewed?.preview.device;
    const mdevUuid = options.mdevUuid ?? (shown?.kind === 'mdev' ? shown.uuid : undefined);
    this.initialized = await initializeCandidate(this.host, selection.candidate, {
      discover: () => this.discover(),
      newUuid: this.newUuid,
      ...(mdevUuid === undefined ? {} : { mdevUuid }),
      ...(this.options.sleep === undefined ? {} : { sleep: this.options.sleep }),
    });
    this.lifecycle = 'initialized';
    return this.initialized;
  }

  /** Gives back everything `initialize` acquired, newest first. A no-op when nothing is initialized. */
  async release(): Promise<ExecutionReport[]> {
    const init = this.initialized;
    if (init === undefined) return [];
    const reports = await releaseAcquired(this.host, init.acquired, {
      discover: () => this.discover(),
      ...(this.options.sleep === undefined ? {} : { sleep: this.options.sleep }),
    });
    this.initialized = undefined;
    this.lifecycle = 'released';
    return reports;
  }

  /** The device the VM gets: the initialized one, else what initialization would create. */
  device(options: { mdevUuid?: string } = {}): VmGpuDevice {
    return this.initialized?.device ?? this.preview(options).device;
  }

  /** The emitters' input for the selection. */
  vmConfig(vm: VmOptions, options: { mdevUuid?: string } = {}): VmGpuConfig {
    const selection = this.requireSelection();
    return buildVmConfig(this.inventory, selection.candidate, this.device(options), vm, this.options.pciIds);
  }

  /** Statistics of the selection (seed `get_stats`); undefined before one is made. */
  stats(): GpuStats | undefined {
    if (this.selected === undefined || this.inventoryValue === undefined) return undefined;
    return statsOf(this.inventoryValue, this.candidateList, this.selected, this.lifecycle, this.initialized);
  }

  private readonly newUuid = (): string => (this.options.newUuid ?? (() => globalThis.crypto.randomUUID()))();

  private discover(): Promise<Inventory> {
    return discover(this.host, this.options.pciIds === undefined ? {} : { pciIds: this.options.pciIds });
  }

  private requireSelection(): Selection {
    if (this.selected === undefined) {
      throw new VgpuctlError('USAGE', 'Cannot initialize or configure a GPU: none is selected', {
        hint: 'Call autoSelect(), selectByMode() or selectByIndex() after scan()',
      });
    }
    return this.selected;
  }

  /** sriov_offset/sriov_stride of PFs without VFs, to name the VF that enabling will create. */
  private async readVfGeometry(inventory: Inventory): Promise<Map<string, VfGeometry>> {
    const out = new Map<string, VfGeometry>();
    for (const gpu of inventory.gpus) {
      if (gpu.sriov === null || gpu.sriov.numVfs !== 0) continue;
      const dir = `/sys/bus/pci/devices/${gpu.address}`;
      const [offset, stride] = await Promise.all([
        readNumber(this.host, `${dir}/sriov_offset`),
        readNumber(this.host, `${dir}/sriov_stride`),
      ]);
      if (offset !== null && stride !== null) out.set(gpu.address, { offset, stride });
    }
    return out;
  }

  /** MemTotal from /proc/meminfo in MiB, or null when the host does not say. */
  private async readHostRam(): Promise<number | null> {
    try {
      const text = await this.host.readText('/proc/meminfo');
      const kib = /^MemTotal:\s+(\d+)\s+kB$/m.exec(text)?.[1];
      return kib === undefined ? null : Math.floor(Number(kib) / 1024);
    } catch (error) {
      if (isHostError(error)) return null;
      throw error;
    }
  }
}

async function readNumber(host: HostPort, path: string): Promise<number | null> {
  try {
    const value = Number.parseInt((await host.readText(path)).trim(), 10);
    return Number.isNaN(value) ? null : value;
  } catch (error) {
    if (isHostError(error)) return null;
    throw error;
  }
}

function notScanned(): VgpuctlError {
  return new VgpuctlError('USAGE', 'Cannot select a GPU: the host has not been scanned', { hint: 'Call scan() first' });
}
