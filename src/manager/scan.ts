/**
 * Scanning the backends (seed 002 `scan_backends`): every candidate of every mode in one
 * list, best first — mode priority, then available before unavailable, then each mode's own
 * preferences (not the boot VGA, a viable group, free capacity). A mode with no candidate at
 * all gets one unavailable entry, so every mode has its verdict.
 */
import type { Inventory } from '../discovery/inventory.ts';
import { type Candidate, type DraftCandidate, shortGpuName } from './candidate.ts';
import { GPU_MODES, type GpuMode, MODE_PRIORITY } from './modes.ts';
import { passthroughCandidates, sriovCandidates, type VfGeometry } from './scan-hardware.ts';
import { mdevCandidates } from './scan-mdev.ts';
import { type SoftwareOptions, softwareCandidates } from './scan-software.ts';

/** Inputs of {@link scanCandidates} besides the inventory. */
export interface ScanOptions {
  software?: SoftwareOptions;
  /** Where each PF's VFs will appear (`sriov_offset`, `sriov_stride`), to name a VF before it exists. */
  vfGeometry?: ReadonlyMap<string, VfGeometry>;
}

const NOTHING: Readonly<Record<GpuMode, string>> = {
  passthrough: 'no GPU on this host (no PCI display controller)',
  sriov: 'no SR-IOV capable GPU on this host',
  mdev: 'no GPU or mdev parent on this host offers vGPU types',
  software: 'no software GPU is possible with the options given',
};

function compareOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Lists every candidate, best first, each with its index. Pure: the same inventory and
 * options give the same list.
 *
 * @example
 * const candidates = scanCandidates(await discover(host));
 * const best = candidates.find((c) => c.available);
 */
export function scanCandidates(inventory: Inventory, options: ScanOptions = {}): Candidate[] {
  const drafts: Record<GpuMode, DraftCandidate[]> = {
    passthrough: passthroughCandidates(inventory),
    sriov: [...sriovCandidates(inventory, options.vfGeometry ?? new Map()), ...notSriovCapable(inventory)],
    mdev: mdevCandidates(inventory),
    software: softwareCandidates(inventory, options.software),
  };
  const out: Candidate[] = [];
  for (const mode of GPU_MODES) {
    const list = drafts[mode].length > 0 ? drafts[mode] : [placeholder(mode)];
    // Array.prototype.sort is stable: ties keep the scanners' order (address, type id).
    const sorted = [...list].sort(
      (a, b) => Number(b.available) - Number(a.available) || compareOrder(a.order, b.order),
    );
    for (const { order: _order, ...draft } of sorted) {
      out.push({ ...draft, index: out.length, priority: MODE_PRIORITY[mode] });
    }
  }
  return out;
}

function notSriovCapable(inventory: Inventory): DraftCandidate[] {
  return inventory.gpus
    .filter((gpu) => gpu.sriov === null)
    .map((gpu) => ({
      mode: 'sriov',
      device: gpu.address,
      label: `a VF of ${shortGpuName(gpu)}`,
      available: false,
      reasons: ['it is not SR-IOV capable (no sriov_totalvfs)'],
      notes: [],
      order: [1],
      target: { kind: 'sriov', pf: gpu.address, vf: null, enableVfs: null, bind: false },
    }));
}

function placeholder(mode: GpuMode): DraftCandidate {
  const target: DraftCandidate['target'] =
    mode === 'passthrough'
      ? { kind: 'passthrough', gpu: '', groupId: null, functions: [], toBind: [] }
      : mode === 'sriov'
        ? { kind: 'sriov', pf: '', vf: null, enableVfs: null, bind: false }
        : mode === 'mdev'
          ? {
              kind: 'mdev',
              gpu: '',
              mechanism: 'mdev',
              typeId: '',
              typeName: null,
              framebufferMiB: null,
              availableInstances: 0,
              vendorId: null,
              nvidia: false,
              display: false,
            }
          : { kind: 'software', api: '2d', renderNode: null, gpu: null, driver: null, hostMemoryMiB: 0 };
  return {
    mode,
    device: null,
    label: 'none',
    available: false,
    reasons: [NOTHING[mode]],
    notes: [],
    order: [],
    target,
  };
}
