/**
 * `vgpuctl vgpus`: every vGPU a host runs or defines, in one list — what mdevctl shows with
 * `list` and `list --defined` together, plus vendor-VFIO VFs.
 */
import type { Inventory } from '../../discovery/inventory.ts';
import type { Definitions } from '../../store/definitions.ts';
import type { StartMode } from '../../store/mdevctl-format.ts';
import { listVgpuTypes } from './list-types.ts';
import { vgpuHosts } from './vgpu-hosts.ts';

/** One vGPU: running, defined, or both. */
export interface VgpuEntry {
  /** The UUID (mdev) or VF address (vendor-VFIO). */
  id: string;
  mechanism: 'mdev' | 'vendor-vfio';
  /** The physical GPU, or the mdev parent when it is not a PCI GPU. */
  gpu: string;
  /** The mdev parent (the GPU or a VF), or the VF's PF for vendor-VFIO. */
  parent: string;
  /** `nvidia-222`; vendor-VFIO as `nvidia-<id>`. */
  type: string | null;
  typeName: string | null;
  /** running: exists now; stopped: defined only; invalid: its definition file cannot be used. */
  state: 'running' | 'stopped' | 'invalid';
  /** How its definition starts it; null when not defined (transient). */
  start: StartMode | null;
  /** Attributes a definition writes after creation. */
  attrs: [string, string][];
  /** The definition file, when defined. */
  definition: string | null;
  /** Why the definition cannot be used, or how the running vGPU differs from it. */
  problem: string | null;
}

/** Merges running vGPUs and definitions, ordered by GPU, then parent, then id. */
export function listVgpus(inventory: Inventory, definitions: Definitions): VgpuEntry[] {
  const hosts = vgpuHosts(inventory);
  const names = new Map(listVgpuTypes(inventory).map((t) => [`${t.gpu}/${t.id}`, t.name]));
  const entries: VgpuEntry[] = [];
  const byKey = new Map<string, VgpuEntry>();
  for (const host of hosts) {
    for (const live of host.live) {
      const entry: VgpuEntry = {
        id: live.id,
        mechanism: host.mechanism,
        gpu: host.gpu,
        parent: live.parent,
        type: live.typeId,
        typeName: live.typeName,
        state: 'running',
        start: null,
        attrs: [],
        definition: null,
        problem: null,
      };
      entries.push(entry);
      byKey.set(`${live.parent}/${live.id}`, entry);
    }
  }
  const gpuOfParent = (parent: string): string =>
    hosts.find((h) => h.gpu === parent || h.parents.some((p) => p.name === parent))?.gpu ?? parent;

  for (const d of definitions.mdev) {
    const running = byKey.get(`${d.parent}/${d.uuid}`);
    if (running !== undefined) {
      running.start = d.start;
      running.attrs = d.attrs;
      running.definition = d.path;
      if (running.type !== d.mdevType)
        running.problem = `defined as ${d.mdevType}, running as ${running.type ?? 'unknown'}`;
      continue;
    }
    const gpu = gpuOfParent(d.parent);
    entries.push({
      id: d.uuid,
      mechanism: 'mdev',
      gpu,
      parent: d.parent,
      type: d.mdevType,
      typeName: names.get(`${gpu}/${d.mdevType}`) ?? null,
      state: 'stopped',
      start: d.start,
      attrs: d.attrs,
      definition: d.path,
      problem: null,
    });
  }
  for (const d of definitions.vendorVfio) {
    const running = byKey.get(`${d.pf}/${d.vf}`);
    const type = `nvidia-${d.typeId}`;
    if (running !== undefined) {
      running.start = d.start;
      running.definition = d.path;
      if (running.type !== type) running.problem = `defined as ${type}, running as ${running.type ?? 'unknown'}`;
      continue;
    }
    entries.push({
      id: d.vf,
      mechanism: 'vendor-vfio',
      gpu: d.pf,
      parent: d.pf,
      type,
      typeName: d.typeName,
      state: 'stopped',
      start: d.start,
      attrs: [],
      definition: d.path,
      problem: null,
    });
  }
  for (const p of definitions.problems) {
    entries.push({
      id: p.id,
      mechanism: p.kind,
      gpu: p.kind === 'mdev' ? gpuOfParent(p.parent) : p.parent,
      parent: p.parent,
      type: null,
      typeName: null,
      state: 'invalid',
      start: null,
      attrs: [],
      definition: p.path,
      problem: p.reason,
    });
  }
  // Byte order: PCI addresses are fixed-width lower-case hex, so it is numeric order too.
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return entries.sort((a, b) => order(a.gpu, b.gpu) || order(a.parent, b.parent) || order(a.id, b.id));
}
