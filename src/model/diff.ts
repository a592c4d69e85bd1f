/**
 * Diffing two readings of the host into typed events. Pure: the same two readings always give
 * the same events, in a fixed order (GPUs first, then drivers, VFs, vGPUs, definitions, types),
 * so that a subscriber applying them in order reaches the newer reading.
 */
import type { Inventory } from '../discovery/inventory.ts';
import type { ModelEvent } from './events.ts';
import type { HostState } from './host-state.ts';

/** The events that turn `before` into `after`. */
export function diffStates(before: HostState, after: HostState): ModelEvent[] {
  return [
    ...diffDevices(before.inventory, after.inventory),
    ...diffDrivers(before.inventory, after.inventory),
    ...diffVfs(before.inventory, after.inventory),
    ...diffVgpus(before, after),
    ...diffDefinitions(before, after),
    ...diffTypes(before, after),
  ];
}

/** GPUs and non-PCI mdev parents by name, with a display name. */
function devices(inventory: Inventory): Map<string, string | null> {
  const map = new Map<string, string | null>();
  for (const gpu of inventory.gpus) map.set(gpu.address, gpu.name);
  for (const parent of inventory.otherMdevParents) map.set(parent.name, null);
  return map;
}

function diffDevices(before: Inventory, after: Inventory): ModelEvent[] {
  const was = devices(before);
  const now = devices(after);
  const events: ModelEvent[] = [];
  for (const gpu of was.keys()) if (!now.has(gpu)) events.push({ type: 'gpu.hidden', gpu });
  for (const [gpu, name] of now) if (!was.has(gpu)) events.push({ type: 'gpu.shown', gpu, name });
  return events;
}

/** Every PCI function the model follows (GPUs and their VFs) with its GPU and driver. */
function drivers(inventory: Inventory): Map<string, { gpu: string; driver: string | null }> {
  const map = new Map<string, { gpu: string; driver: string | null }>();
  for (const gpu of inventory.gpus) {
    map.set(gpu.address, { gpu: gpu.address, driver: gpu.driver });
    for (const vf of gpu.sriov?.vfs ?? []) map.set(vf.address, { gpu: gpu.address, driver: vf.driver });
  }
  return map;
}

function diffDrivers(before: Inventory, after: Inventory): ModelEvent[] {
  const was = drivers(before);
  const events: ModelEvent[] = [];
  for (const [address, now] of drivers(after)) {
    const then = was.get(address);
    // A function that just appeared is news of its GPU (shown) or of its PF's VFs, not of a driver.
    if (then === undefined || then.driver === now.driver) continue;
    events.push({ type: 'driver.changed', gpu: now.gpu, address, before: then.driver, after: now.driver });
  }
  return events;
}

function diffVfs(before: Inventory, after: Inventory): ModelEvent[] {
  const was = new Map(before.gpus.map((g) => [g.address, g.sriov?.numVfs ?? 0]));
  const events: ModelEvent[] = [];
  for (const gpu of after.gpus) {
    const then = was.get(gpu.address);
    const now = gpu.sriov?.numVfs ?? 0;
    if (then !== undefined && then !== now)
      events.push({ type: 'vfs.changed', gpu: gpu.address, before: then, after: now });
  }
  return events;
}

function diffVgpus(before: HostState, after: HostState): ModelEvent[] {
  const running = (state: HostState) =>
    new Map(state.vgpus.filter((v) => v.state === 'running').map((v) => [`${v.parent}/${v.id}`, v]));
  const was = running(before);
  const now = running(after);
  const events: ModelEvent[] = [];
  for (const [key, v] of was) {
    if (!now.has(key)) events.push({ type: 'vgpu.removed', gpu: v.gpu, id: v.id, parent: v.parent, vgpuType: v.type });
  }
  for (const [key, v] of now) {
    if (!was.has(key)) events.push({ type: 'vgpu.created', gpu: v.gpu, id: v.id, parent: v.parent, vgpuType: v.type });
  }
  return events;
}

function diffDefinitions(before: HostState, after: HostState): ModelEvent[] {
  const defined = (state: HostState) =>
    new Map(state.vgpus.filter((v) => v.definition !== null).map((v) => [`${v.parent}/${v.id}`, v]));
  const was = defined(before);
  const now = defined(after);
  const events: ModelEvent[] = [];
  for (const [key, v] of was)
    if (!now.has(key)) events.push({ type: 'vgpu.undefined', gpu: v.gpu, id: v.id, parent: v.parent });
  for (const [key, v] of now)
    if (!was.has(key)) events.push({ type: 'vgpu.defined', gpu: v.gpu, id: v.id, parent: v.parent });
  return events;
}

function diffTypes(before: HostState, after: HostState): ModelEvent[] {
  const was = new Map(before.types.map((t) => [`${t.gpu}/${t.id}`, t.availableInstances]));
  const events: ModelEvent[] = [];
  for (const t of after.types) {
    const key = `${t.gpu}/${t.id}`;
    // Types of a GPU that just appeared come with its gpu.shown event.
    if (!was.has(key)) continue;
    const then = was.get(key) ?? null;
    if (then !== t.availableInstances) {
      events.push({ type: 'type.availability', gpu: t.gpu, vgpuType: t.id, before: then, after: t.availableInstances });
    }
  }
  return events;
}
