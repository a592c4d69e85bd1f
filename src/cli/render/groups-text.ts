import type { GroupDevice, IommuGroupInfo } from '../../discovery/inventory.ts';
import type { ViabilityBlocker } from '../../ops/passthrough/group-viability.ts';
import { renderTable } from './table.ts';

/** A group as `vgpuctl groups` reports it. */
interface GroupView extends IommuGroupInfo {
  viable: boolean;
  blockers: ViabilityBlocker[];
}

/** What `vgpuctl groups` returns. */
export interface GroupsData {
  source: string;
  iommuEnabled: boolean;
  groups: GroupView[];
}

/** One table row per device, the group id and verdict on its first row, then why groups are blocked. */
export function renderGroups(data: GroupsData): string {
  if (data.groups.length === 0) {
    return data.iommuEnabled
      ? `No IOMMU groups match on ${data.source}.`
      : `No IOMMU groups on ${data.source}: the IOMMU is off, so no device can be assigned with VFIO.\nRun "vgpuctl doctor" for the fix.`;
  }
  const rows = data.groups.flatMap((group) => group.devices.map((device, i) => ({ group, device, first: i === 0 })));
  const table = renderTable(rows, [
    { header: 'GROUP', value: (r) => (r.first ? String(r.group.id) : '') },
    { header: 'VFIO', value: (r) => (r.first ? (r.group.viable ? 'viable' : 'blocked') : '') },
    { header: 'DEVICE', value: (r) => r.device.address },
    { header: 'DRIVER', value: (r) => r.device.driver ?? '-' },
    { header: 'CLASS', value: (r) => r.device.className ?? r.device.classCode ?? r.device.kind },
    { header: 'NAME', value: (r) => describe(r.device) },
  ]);
  const blocked = data.groups.filter((g) => !g.viable);
  if (blocked.length === 0) return table;
  const lines = blocked.flatMap((g) => g.blockers.map((b) => `  group ${g.id}: ${b.address} is ${b.reason}`));
  return `${table}\n\nBlocked groups (a group is viable when every endpoint is on vfio-pci, pci-stub or no driver; bridges do not count):\n${lines.join('\n')}`;
}

function describe(device: GroupDevice): string {
  const notes = [
    ...(device.bridge ? ['bridge, not counted'] : []),
    ...(device.bootVga ? ['boot VGA'] : []),
    ...(device.physfn === null ? [] : [`VF of ${device.physfn}`]),
    ...(device.driverOverride === null ? [] : [`override ${device.driverOverride}`]),
  ];
  const name = device.name ?? (device.kind === 'mdev' ? 'mediated device' : '');
  return notes.length === 0 ? name : `${name} (${notes.join(', ')})`;
}
