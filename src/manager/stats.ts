/**
 * Statistics of a selection (seed 002 `get_stats`): what was chosen and how, the adapter the
 * VM gets, its memory, what initialization holds, and how many candidates each mode had.
 */
import type { Inventory } from '../discovery/inventory.ts';
import type { VmGpuDevice } from '../vmconfig/vm-gpu.ts';
import { type Candidate, shortGpuName } from './candidate.ts';
import type { Acquisition, Initialization } from './initialize.ts';
import { GPU_MODES, type GpuMode } from './modes.ts';
import type { Selection, SelectionReason } from './select.ts';

/** What `stats()` reports. */
export interface GpuStats {
  state: 'new' | 'scanned' | 'selected' | 'initialized' | 'released';
  mode: GpuMode;
  priority: number;
  index: number;
  how: SelectionReason;
  /** Modes passed over before this one, with their reasons. */
  skipped: Selection['skipped'];
  /** The adapter the VM gets, in words: "NVIDIA GeForce RTX 4070 via vfio-pci", "virgl on /dev/dri/renderD128 (…)". */
  adapter: string;
  device: string | null;
  /** The memory the VM's GPU has: the card's VRAM, the vGPU framebuffer, or virtio-gpu's host-memory budget. */
  memory: {
    kind: 'vram' | 'framebuffer' | 'host-memory';
    MiB: number | null;
    physicalMiB: number | null;
    virtualMiB: number | null;
  };
  /** The VM-facing device, once initialized. */
  vmDevice: VmGpuDevice | null;
  acquired: Acquisition[];
  candidates: { total: number; available: number; byMode: Record<GpuMode, { total: number; available: number }> };
}

function adapterOf(inventory: Inventory, candidate: Candidate): string {
  const t = candidate.target;
  const gpu = (address: string | null) => inventory.gpus.find((g) => g.address === address);
  switch (t.kind) {
    case 'passthrough':
      return `${candidate.label} via vfio-pci`;
    case 'sriov':
      return `${candidate.label} via vfio-pci`;
    case 'mdev':
      return `${t.typeName ?? t.typeId} (${t.typeId}, ${t.mechanism === 'vendor-vfio' ? 'NVIDIA vendor-VFIO' : 'mdev'}) on ${
        gpu(t.gpu) === undefined ? t.gpu : shortGpuName(gpu(t.gpu) as Inventory['gpus'][number])
      }`;
    case 'software':
      return t.api === '2d' ? 'virtio-vga (2D, no host GPU)' : candidate.label;
  }
}

function memoryOf(inventory: Inventory, candidate: Candidate): GpuStats['memory'] {
  const t = candidate.target;
  switch (t.kind) {
    case 'passthrough':
    case 'sriov': {
      const card = inventory.gpus.find((g) => g.address === (t.kind === 'passthrough' ? t.gpu : t.pf));
      // A VF's share of the card is not stated; report the card's numbers for the whole GPU only.
      const vram = t.kind === 'passthrough' ? card?.vram : undefined;
      // The guest drives the board itself: it sees the physical VRAM. "Virtual VRAM" that a
      // host driver keeps in system memory (vram_info) stays with the host.
      const physical = vram?.physicalMiB ?? vram?.totalMiB ?? null;
      return { kind: 'vram', MiB: physical, physicalMiB: physical, virtualMiB: null };
    }
    case 'mdev':
      return { kind: 'framebuffer', MiB: t.framebufferMiB, physicalMiB: t.framebufferMiB, virtualMiB: null };
    case 'software':
      return { kind: 'host-memory', MiB: t.hostMemoryMiB, physicalMiB: null, virtualMiB: t.hostMemoryMiB };
  }
}

/** Builds the stats of a selection. */
export function statsOf(
  inventory: Inventory,
  candidates: readonly Candidate[],
  selection: Selection,
  state: GpuStats['state'],
  init: Initialization | undefined,
): GpuStats {
  const { candidate } = selection;
  const byMode = Object.fromEntries(
    GPU_MODES.map((m) => {
      const of = candidates.filter((c) => c.mode === m);
      return [m, { total: of.length, available: of.filter((c) => c.available).length }];
    }),
  ) as Record<GpuMode, { total: number; available: number }>;
  return {
    state,
    mode: candidate.mode,
    priority: candidate.priority,
    index: candidate.index,
    how: selection.how,
    skipped: selection.skipped,
    adapter: adapterOf(inventory, candidate),
    device: candidate.device,
    memory: memoryOf(inventory, candidate),
    vmDevice: init?.device ?? null,
    acquired: init?.acquired ?? [],
    candidates: { total: candidates.length, available: candidates.filter((c) => c.available).length, byMode },
  };
}
