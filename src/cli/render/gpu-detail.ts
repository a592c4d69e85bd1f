import type { Gpu, Inventory, MdevParentInfo } from '../../discovery/inventory.ts';
import { formatBytes, formatMiB, formatVram } from './gpu-text.ts';
import { renderFields, renderTable } from './table.ts';

/** The `vgpuctl show` text: identity, bus, memory, IOMMU group, SR-IOV and vGPU types. */
export function renderGpu(gpu: Gpu, inventory: Inventory): string {
  const identity: [string, string][] = [
    ['Name', gpu.name],
    ['Vendor', `${gpu.vendor.name ?? 'unknown'} [${gpu.vendor.id}]`],
    ['Device', `${gpu.device.name ?? 'unknown'} [${gpu.device.id}]`],
    [
      'Subsystem',
      gpu.subsystem === null
        ? '-'
        : `${gpu.subsystem.name ?? 'unknown'} [${gpu.subsystem.vendorId}:${gpu.subsystem.deviceId}]`,
    ],
    ['Class', `${gpu.className ?? 'unknown'} [${gpu.classCode}]`],
    ['Revision', gpu.revision ?? '-'],
    ['Driver', gpu.driver ?? 'none'],
    ['Driver override', gpu.driverOverride ?? 'none'],
    ['Boot VGA', gpu.bootVga ? 'yes' : 'no'],
    ['NUMA node', gpu.numaNode === null ? 'unknown' : String(gpu.numaNode)],
    [
      'PCIe link',
      gpu.link === null
        ? '-'
        : `${gpu.link.currentSpeed ?? '?'} x${gpu.link.currentWidth ?? '?'} (max ${gpu.link.maxSpeed ?? '?'} x${gpu.link.maxWidth ?? '?'})`,
    ],
    ['VRAM', `${formatVram(gpu.vram)} (source: ${gpu.vram.source})`],
    [
      'BARs',
      gpu.bars.length === 0
        ? '-'
        : gpu.bars
            .map((b) => `${b.index}: ${formatBytes(b.sizeBytes)} ${b.kind}${b.prefetchable ? ' prefetchable' : ''}`)
            .join(', '),
    ],
  ];
  if (gpu.mig !== null) identity.push(['MIG mode', `${gpu.mig.current} (pending ${gpu.mig.pending})`]);
  if (gpu.hostVgpuMode !== null) identity.push(['Host vGPU mode', gpu.hostVgpuMode]);
  const sections = [`GPU ${gpu.address}`, renderFields(identity, '  ')];

  if (gpu.iommuGroup !== null) {
    sections.push(`IOMMU group ${gpu.iommuGroup.id}`);
    sections.push(
      indent(
        renderTable(gpu.iommuGroup.members, [
          { header: 'DEVICE', value: (m) => m.address },
          { header: 'CLASS', value: (m) => m.classCode },
          { header: 'DRIVER', value: (m) => m.driver ?? '-' },
          { header: 'ROLE', value: (m) => (m.address === gpu.address ? 'this GPU' : m.bridge ? 'bridge' : 'endpoint') },
        ]),
      ),
    );
  } else {
    sections.push(`IOMMU group: none${inventory.host.iommu.enabled ? '' : ' (the IOMMU is off)'}`);
  }

  if (gpu.sriov !== null) {
    const s = gpu.sriov;
    sections.push(
      `SR-IOV: ${s.numVfs} of ${s.totalVfs} VFs enabled${s.vfDeviceId === null ? '' : `, VF device ${s.vfDeviceId}`}${s.driversAutoprobe === false ? ', autoprobe off' : ''}`,
    );
    if (s.vfs.length > 0) {
      sections.push(
        indent(
          renderTable(s.vfs, [
            { header: 'VF', value: (vf) => String(vf.index) },
            { header: 'ADDRESS', value: (vf) => vf.address },
            { header: 'DRIVER', value: (vf) => vf.driver ?? '-' },
            { header: 'IOMMU', value: (vf) => (vf.iommuGroup === null ? '-' : String(vf.iommuGroup)) },
            {
              header: 'VGPU',
              value: (vf) =>
                vf.vgpu === null
                  ? vf.mdev === null
                    ? '-'
                    : `mdev parent (${vf.mdev.instances.length} vGPU)`
                  : vf.vgpu.currentTypeId === null
                    ? `none (${vf.vgpu.creatable.length} types creatable)`
                    : `${vf.vgpu.currentTypeName ?? 'type'} [${vf.vgpu.currentTypeId}]`,
            },
          ]),
        ),
      );
    }
  }
  if (gpu.mdev !== null) sections.push(renderMdevSection(gpu.mdev));
  return sections.join('\n');
}

/** The `vgpuctl show <parent>` text for an mdev parent that is not a PCI GPU. */
export function renderMdevParent(parent: MdevParentInfo): string {
  return [`mdev parent ${parent.name}`, renderFields([['Path', parent.path]], '  '), renderMdevSection(parent)].join(
    '\n',
  );
}

function renderMdevSection(parent: MdevParentInfo): string {
  const lines = [`mdev types (${parent.types.length})`];
  lines.push(
    indent(
      renderTable(parent.types, [
        { header: 'TYPE', value: (t) => t.id },
        { header: 'NAME', value: (t) => t.name ?? '-' },
        { header: 'FRAMEBUFFER', value: (t) => (t.framebufferMiB === null ? '-' : formatMiB(t.framebufferMiB)) },
        { header: 'HEADS', value: (t) => (t.heads === null ? '-' : String(t.heads)), align: 'right' },
        { header: 'MAX RES', value: (t) => t.maxResolution ?? '-' },
        {
          header: 'AVAILABLE',
          value: (t) => (t.availableInstances === null ? '?' : String(t.availableInstances)),
          align: 'right',
        },
        { header: 'API', value: (t) => t.deviceApi ?? '-' },
      ]),
    ),
  );
  lines.push(`vGPUs (${parent.instances.length})`);
  if (parent.instances.length > 0) {
    lines.push(
      indent(
        renderTable(parent.instances, [
          { header: 'UUID', value: (i) => i.uuid },
          { header: 'TYPE', value: (i) => i.type ?? '-' },
          { header: 'DRIVER', value: (i) => i.driver ?? '-' },
          { header: 'IOMMU', value: (i) => (i.iommuGroup === null ? '-' : String(i.iommuGroup)) },
        ]),
      ),
    );
  }
  return lines.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
