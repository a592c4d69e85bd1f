import type { HostFacts, Inventory } from '../../discovery/inventory.ts';
import { describeMdev, describeVirtualization, formatVram, shortGpuName } from './gpu-text.ts';
import { renderTable } from './table.ts';

/** The `vgpuctl list` table: one line per GPU, then other mdev parents, then host facts. */
export function renderInventory(inventory: Inventory): string {
  const sections: string[] = [];
  if (inventory.gpus.length === 0) {
    sections.push(`No GPUs found on ${inventory.host.source}.`);
  } else {
    sections.push(
      renderTable(inventory.gpus, [
        { header: 'ADDRESS', value: (g) => g.address },
        { header: 'GPU', value: (g) => shortGpuName(g) + (g.bootVga ? ' (boot VGA)' : '') },
        { header: 'DRIVER', value: (g) => g.driver ?? '-' },
        { header: 'VRAM', value: (g) => formatVram(g.vram) },
        {
          header: 'IOMMU',
          value: (g) =>
            g.iommuGroup === null
              ? '-'
              : g.iommuGroup.members.length > 1
                ? `${g.iommuGroup.id} (+${g.iommuGroup.members.length - 1})`
                : String(g.iommuGroup.id),
        },
        { header: 'VIRTUALIZATION', value: (g) => describeVirtualization(g) },
      ]),
    );
  }
  if (inventory.otherMdevParents.length > 0) {
    sections.push(
      renderTable(inventory.otherMdevParents, [
        { header: 'MDEV PARENT', value: (p) => p.name },
        { header: 'TYPES', value: (p) => p.types.map((t) => t.name ?? t.id).join(', ') },
        { header: 'VGPUS', value: (p) => describeMdev(p).replace(/^mdev: \d+ types?, /, '') },
      ]),
    );
  }
  sections.push(renderHostLine(inventory.host));
  return sections.join('\n\n');
}

/** One line summarising the host facts that decide what is possible. */
function renderHostLine(host: HostFacts): string {
  const iommu = host.iommu.enabled ? `on (${host.iommu.driver ?? 'unknown'}, ${host.iommu.groups} groups)` : 'off';
  return [
    `Host: ${host.source}`,
    `kernel ${host.kernelRelease ?? 'unknown'}`,
    `IOMMU ${iommu}`,
    `VFIO ${host.vfio.loaded ? 'loaded' : 'not loaded'}`,
    `mdev ${host.mdev.available ? `${host.mdev.parents} parent${host.mdev.parents === 1 ? '' : 's'}` : 'unavailable'}`,
    `KVM ${host.kvm.available ? 'yes' : 'no'}`,
  ].join(' · ');
}
