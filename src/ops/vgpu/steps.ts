/**
 * The sysfs writes that make and unmake a vGPU, as plan steps with their undo:
 * mdev `create`/`remove` (kernel-semantics.md §4.3, §4.5) and vendor-VFIO
 * `current_vgpu_type` (§6.3). Paths go through /sys/class/mdev_bus as mdevctl's do, so the
 * `--dry-run` output reads like what people type.
 */
import type { Step } from '../../core/plan.ts';

/** The `create` attribute of an mdev type on a parent. */
function mdevCreatePath(parent: string, typeId: string): string {
  return `/sys/class/mdev_bus/${parent}/mdev_supported_types/${typeId}/create`;
}

/** The directory of a live mdev. */
export function mdevDevicePath(uuid: string): string {
  return `/sys/bus/mdev/devices/${uuid}`;
}

/** A VF's `nvidia/current_vgpu_type`. */
export function currentVgpuTypePath(vf: string): string {
  return `/sys/bus/pci/devices/${vf}/nvidia/current_vgpu_type`;
}

/** Creates an mdev, then writes its attributes in order (as mdevctl's `start` does). */
export function mdevCreateSteps(
  parent: string,
  typeId: string,
  uuid: string,
  attrs: readonly [string, string][] = [],
): Step[] {
  const create: Step = {
    kind: 'write',
    path: mdevCreatePath(parent, typeId),
    // mdevctl writes the bare 36 characters; the kernel also accepts a trailing newline.
    value: uuid,
    why: `create vGPU ${uuid} (${typeId}) on ${parent}`,
    undo: [mdevRemoveStep(uuid, `undo: remove vGPU ${uuid}`)],
  };
  return [
    create,
    ...attrs.map(
      ([name, value]): Step => ({
        kind: 'write',
        path: `${mdevDevicePath(uuid)}/${name}`,
        value,
        why: `set attribute ${name} of vGPU ${uuid}`,
      }),
    ),
  ];
}

/** Removes an mdev; its undo creates it again with the same UUID and type. */
export function mdevRemoveSteps(uuid: string, parent: string, typeId: string | null): Step[] {
  const remove = mdevRemoveStep(uuid, `remove vGPU ${uuid}${typeId === null ? '' : ` (${typeId})`} from ${parent}`);
  if (typeId !== null) {
    remove.undo = [
      { kind: 'write', path: mdevCreatePath(parent, typeId), value: uuid, why: `undo: create vGPU ${uuid} again` },
    ];
  }
  return [remove];
}

function mdevRemoveStep(uuid: string, why: string): Extract<Step, { kind: 'write' }> {
  return { kind: 'write', path: `${mdevDevicePath(uuid)}/remove`, value: '1', why };
}

/** Gives a VF a vGPU type; undone by writing 0. */
export function vendorCreateSteps(vf: string, typeId: number, typeName: string | null): Step[] {
  return [
    {
      kind: 'write',
      path: currentVgpuTypePath(vf),
      value: String(typeId),
      why: `create vGPU ${typeName ?? `type ${typeId}`} on VF ${vf}`,
      undo: [{ kind: 'write', path: currentVgpuTypePath(vf), value: '0', why: `undo: remove the vGPU from VF ${vf}` }],
    },
  ];
}

/** Takes a VF's vGPU away (type 0); undone by writing the type back. */
export function vendorRemoveSteps(vf: string, typeId: number | null, typeName: string | null): Step[] {
  const step: Step = {
    kind: 'write',
    path: currentVgpuTypePath(vf),
    value: '0',
    why: `remove vGPU ${typeName ?? (typeId === null ? '' : `type ${typeId}`)} from VF ${vf}`.replace(/ {2,}/, ' '),
  };
  if (typeId !== null) {
    step.undo = [
      {
        kind: 'write',
        path: currentVgpuTypePath(vf),
        value: String(typeId),
        why: `undo: give VF ${vf} its vGPU again`,
      },
    ];
  }
  return [step];
}
