/**
 * GetPreferredAllocation: which of the available devices the kubelet should give a container.
 * Devices it must include come first; the rest are taken from the NUMA node those are on (or
 * the node with the most available devices), then from GPUs (IOMMU groups, mdev parents)
 * already in use by the allocation, so that a VM's devices stay close together.
 */
import type { PluginDevice } from './resources.ts';

export function preferredAllocation(
  devices: readonly PluginDevice[],
  request: { available_deviceIDs: string[]; must_include_deviceIDs: string[]; allocation_size: number },
): string[] {
  const size = request.allocation_size;
  if (!Number.isInteger(size) || size < 0) throw new Error(`Cannot prefer an allocation of ${size} devices`);
  const byId = new Map(devices.map((d) => [d.id, d]));
  const chosen = [...new Set(request.must_include_deviceIDs)];
  if (chosen.length >= size) return chosen.slice(0, Math.max(size, chosen.length));
  const available = request.available_deviceIDs.filter((id) => !chosen.includes(id) && byId.has(id));
  const numaOf = (id: string) => byId.get(id)?.numaNode ?? -1;
  const count = new Map<number, number>();
  for (const id of available) count.set(numaOf(id), (count.get(numaOf(id)) ?? 0) + 1);
  const targetNuma =
    chosen.length > 0
      ? numaOf(chosen[0] as string)
      : ([...count].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? -1);
  while (chosen.length < size && available.length > 0) {
    const gpus = new Set(chosen.map((id) => byId.get(id)?.gpu));
    available.sort((a, b) => score(b) - score(a) || a.localeCompare(b));
    chosen.push(available.shift() as string);
    function score(id: string): number {
      return (numaOf(id) === targetNuma ? 2 : 0) + (gpus.has(byId.get(id)?.gpu) ? 1 : 0);
    }
  }
  return chosen;
}
