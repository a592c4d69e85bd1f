/**
 * Reconciling: what to change so that the host matches its desired state, as data. Pure. Only
 * vGPUs vgpuctl owns are ever removed; foreign ones are reported. A type the GPU does not offer
 * (yet: nvidia-vgpud may not have registered it) is reported as waiting, to be retried.
 */
import type { Inventory } from '../../discovery/inventory.ts';
import type { VgpuType } from '../vgpu/list-types.ts';
import type { VgpuEntry } from '../vgpu/list-vgpus.ts';
import type { DesiredState } from './host-file.ts';
import type { Ownership } from './ownership.ts';

export type ReconcileAction =
  | { kind: 'sriov'; gpu: string; numVfs: number }
  | { kind: 'bind'; gpu: string }
  | { kind: 'unbind'; gpu: string }
  | { kind: 'remove'; gpu: string; id: string; type: string }
  | { kind: 'create'; gpu: string; type: string; count: number; uuids?: string[] };

interface ReconcileReport {
  gpu: string;
  /** What the line is about: `vfs`, `binding`, a type id, a vGPU id. */
  item: string;
  status: 'ok' | 'change' | 'waiting' | 'foreign' | 'missing';
  message: string;
}

export interface ReconcilePlan {
  actions: ReconcileAction[];
  reports: ReconcileReport[];
}

export interface ReconcileInput {
  inventory: Inventory;
  vgpus: readonly VgpuEntry[];
  types: readonly VgpuType[];
  desired: DesiredState;
  owned: Ownership;
}

export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const actions: ReconcileAction[] = [];
  const reports: ReconcileReport[] = [];
  const report = (gpu: string, item: string, status: ReconcileReport['status'], message: string) =>
    reports.push({ gpu, item, status, message });

  for (const want of input.desired.gpu) {
    const gpu = input.inventory.gpus.find((g) => g.address === want.address);
    const parent = input.inventory.otherMdevParents.find((p) => p.name === want.address);
    if (gpu === undefined && parent === undefined) {
      report(want.address, 'gpu', 'missing', `${want.address} is not on this host (yet)`);
      continue;
    }
    if (want.vfs !== undefined && gpu !== undefined) {
      const now = gpu.sriov?.numVfs ?? 0;
      if (now !== want.vfs) {
        actions.push({ kind: 'sriov', gpu: gpu.address, numVfs: want.vfs });
        report(gpu.address, 'vfs', 'change', `VFs ${now} → ${want.vfs}`);
      } else report(gpu.address, 'vfs', 'ok', `${now} VFs`);
    }
    if (want.binding !== undefined && gpu !== undefined) {
      const vfio = gpu.driver?.includes('vfio') ?? false;
      if (want.binding === 'vfio-pci' && !vfio) {
        actions.push({ kind: 'bind', gpu: gpu.address });
        report(gpu.address, 'binding', 'change', `${gpu.driver ?? 'no driver'} → vfio-pci`);
      } else if (want.binding === 'host' && vfio) {
        actions.push({ kind: 'unbind', gpu: gpu.address });
        report(gpu.address, 'binding', 'change', `${gpu.driver ?? 'vfio'} → host driver`);
      } else report(gpu.address, 'binding', 'ok', `on ${gpu.driver ?? 'no driver'}`);
    }

    const address = want.address;
    const offered = input.types.filter((t) => t.gpu === address);
    const running = input.vgpus.filter((v) => v.gpu === address && v.state === 'running');
    const wantedTypes = new Set<string>();
    for (const vgpu of want.vgpus) {
      const type = offered.find((t) => t.id === vgpu.type || t.name?.toLowerCase() === vgpu.type.toLowerCase());
      if (type === undefined) {
        report(address, vgpu.type, 'waiting', `${address} does not offer type "${vgpu.type}" (yet); will retry`);
        continue;
      }
      wantedTypes.add(type.id);
      const have = running.filter((v) => v.type === type.id);
      if (vgpu.uuids !== undefined) {
        const missing = vgpu.uuids.filter((u) => !have.some((v) => v.id === u));
        if (missing.length > 0) {
          actions.push({ kind: 'create', gpu: address, type: type.id, count: missing.length, uuids: missing });
          report(address, type.id, 'change', `create ${missing.join(', ')}`);
        } else report(address, type.id, 'ok', `${vgpu.uuids.length} running`);
        continue;
      }
      const count = vgpu.count ?? 0;
      if (have.length < count) {
        actions.push({ kind: 'create', gpu: address, type: type.id, count: count - have.length });
        report(address, type.id, 'change', `${have.length} → ${count} running`);
      } else if (have.length > count) {
        const mine = have.filter((v) => input.owned.vgpus[v.id] !== undefined);
        const drop = mine.slice(0, have.length - count);
        for (const v of drop) actions.push({ kind: 'remove', gpu: address, id: v.id, type: type.id });
        if (drop.length > 0)
          report(address, type.id, 'change', `${have.length} → ${have.length - drop.length} running`);
        for (const v of have
          .filter((x) => input.owned.vgpus[x.id] === undefined)
          .slice(0, have.length - count - drop.length)) {
          report(address, v.id, 'foreign', `vGPU ${v.id} (${type.id}) was not created by vgpuctl; left alone`);
        }
      } else report(address, type.id, 'ok', `${count} running`);
    }
    for (const v of running) {
      if (v.type !== null && wantedTypes.has(v.type)) continue;
      if (input.owned.vgpus[v.id] !== undefined) {
        actions.push({ kind: 'remove', gpu: address, id: v.id, type: v.type ?? '' });
        report(address, v.id, 'change', `remove ${v.id} (${v.type ?? 'unknown type'}): no longer desired`);
      } else {
        report(
          address,
          v.id,
          'foreign',
          `vGPU ${v.id} (${v.type ?? 'unknown type'}) was not created by vgpuctl; left alone`,
        );
      }
    }
  }
  // Order: VFs first (vendor-VFIO types live on them), bindings, then removals free room for creates.
  const rank = { sriov: 0, bind: 1, unbind: 1, remove: 2, create: 3 } as const;
  actions.sort((a, b) => rank[a.kind] - rank[b.kind]);
  return { actions, reports };
}

/** The diff as lines: `+` to create, `-` to remove, `~` to change, `!` left alone or waiting. */
export function renderReconcile(plan: ReconcilePlan): string {
  const mark = { ok: ' ', change: '~', waiting: '!', foreign: '!', missing: '!' } as const;
  const lines = plan.reports.map((r) => `${mark[r.status]} ${r.gpu} ${r.item}: ${r.message}`);
  return lines.length === 0 ? 'The desired state lists no GPU.' : lines.join('\n');
}
