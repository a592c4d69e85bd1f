import type { VirtualFunction } from '../../discovery/inventory.ts';
import { renderTable } from './table.ts';

/** What `vgpuctl sriov` returns. */
export interface SriovResult {
  address: string;
  /** False when nothing was written (already so, or no --vfs given). */
  changed: boolean;
  totalVfs: number;
  numVfsBefore: number;
  numVfs: number;
  driversAutoprobe: boolean | null;
  /** The PF's driver. */
  driver: string | null;
  vfs: VirtualFunction[];
  /** The step that follows, e.g. creating vendor-VFIO vGPUs. */
  next: string | null;
}

/** The VF count, a table of VFs with their drivers, groups and vGPU state, and the next step. */
export function renderSriov(result: SriovResult): string {
  const head =
    result.changed && result.numVfs === 0
      ? `Disabled the ${result.numVfsBefore} VFs of ${result.address}.`
      : result.changed
        ? `Enabled ${result.numVfs} of ${result.totalVfs} VFs on ${result.address}.`
        : `${result.address}: ${result.numVfs} of ${result.totalVfs} VFs enabled.`;
  const autoprobe =
    result.driversAutoprobe === null ? '' : ` Drivers probe new VFs: ${result.driversAutoprobe ? 'yes' : 'no'}.`;
  const lines = [`${head} PF driver: ${result.driver ?? 'none'}.${autoprobe}`];
  if (result.vfs.length > 0) {
    lines.push(
      renderTable(result.vfs, [
        { header: 'VF', value: (vf) => `virtfn${vf.index}`, align: 'right' },
        { header: 'ADDRESS', value: (vf) => vf.address },
        { header: 'DRIVER', value: (vf) => vf.driver ?? '-' },
        { header: 'IOMMU', value: (vf) => (vf.iommuGroup === null ? '-' : String(vf.iommuGroup)) },
        { header: 'VGPU', value: describeVgpu },
      ]),
    );
  }
  if (result.next !== null) lines.push(`Next: ${result.next}`);
  return lines.join('\n');
}

function describeVgpu(vf: VirtualFunction): string {
  if (vf.vgpu !== null) {
    if (vf.vgpu.currentTypeId !== null) return vf.vgpu.currentTypeName ?? `type ${vf.vgpu.currentTypeId}`;
    return `none (${vf.vgpu.creatable.length} types creatable)`;
  }
  if (vf.mdev !== null) return `mdev parent, ${vf.mdev.types.length} types, ${vf.mdev.instances.length} live`;
  return '-';
}
