/**
 * One `--json` vocabulary for vGPUs, whichever command prints them: `id` (UUID or VF
 * address), `mechanism` (`mdev` or `vendor-vfio`), `parent` (mdev parent, or the VF's PF) and
 * `type` (`nvidia-222`; vendor-VFIO as `nvidia-<id>`), as `vgpuctl vgpus --json` names them.
 */

import type { CreatedMdev, CreatedVendorVfio } from '../../ops/vgpu/plan-create.ts';
import type { DefinedVgpu } from '../../ops/vgpu/plan-define.ts';
import type { Definition } from '../../store/definitions.ts';

/** A created vGPU in the shared vocabulary. */
export interface VgpuRef {
  id: string;
  mechanism: 'mdev' | 'vendor-vfio';
  parent: string;
  type: string;
}

/** A defined vGPU: also how it starts and its definition file (as in `vgpus`). */
export interface DefinedVgpuRef extends VgpuRef {
  start: DefinedVgpu['start'];
  definition: string;
}

export function createdRef(c: CreatedMdev | CreatedVendorVfio): VgpuRef {
  return c.kind === 'mdev'
    ? { id: c.uuid, mechanism: 'mdev', parent: c.parent, type: c.type }
    : { id: c.vf, mechanism: 'vendor-vfio', parent: c.pf, type: `nvidia-${c.typeId}` };
}

export function definedRef(d: DefinedVgpu): DefinedVgpuRef {
  return d.kind === 'mdev'
    ? { id: d.uuid, mechanism: 'mdev', parent: d.parent, type: d.type, start: d.start, definition: d.path }
    : {
        id: d.vf,
        mechanism: 'vendor-vfio',
        parent: d.pf,
        type: `nvidia-${d.typeId}`,
        start: d.start,
        definition: d.path,
      };
}

/** A definition as stored (after `modify`): also its attributes. */
export function definitionRef(d: Definition): DefinedVgpuRef & { attrs: [string, string][] } {
  return d.kind === 'mdev'
    ? {
        id: d.uuid,
        mechanism: 'mdev',
        parent: d.parent,
        type: d.mdevType,
        start: d.start,
        definition: d.path,
        attrs: d.attrs,
      }
    : { ...definedRef(d), attrs: [] };
}
