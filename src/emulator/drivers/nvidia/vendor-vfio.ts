/**
 * NVIDIA's vendor-specific VFIO framework (Ada/Hopper/Blackwell, vGPU 17+): no mdev; each VF
 * bound to `nvidia` has `nvidia/{creatable_vgpu_types,current_vgpu_type,…}` and a vGPU is
 * created by writing its type id (kernel-semantics.md §6.3; NVIDIA/vgpu-device-manager
 * pkg/vgpu/vfio). The driver is closed: errnos and the unset state of the extra files are
 * our documented choices.
 */

import type { KernelServices, PciFunction } from '../../kernel-api.ts';
import { fail } from '../../kernfs/errno-error.ts';
import type { Kernfs } from '../../kernfs/tree.ts';
import { kstrtoul } from '../../kstrto.ts';
import type { GpuVgpuState } from './gpu-state.ts';
import { availableOf, placementOf, releaseVgpu, reserveVgpu } from './gpu-state.ts';
import type { NvidiaVgpuType } from './vgpu-types.ts';

/** Header line of creatable_vgpu_types (vgpu-device-manager test fixtures). */
const CREATABLE_HEADER = 'ID    : vGPU Name';

/** Renders creatable_vgpu_types: the header, then `<id padded to 6>: <name>` per creatable type. */
function formatCreatableTypes(types: readonly NvidiaVgpuType[]): string {
  const lines = [CREATABLE_HEADER, ...types.map((type) => `${String(type.id).padEnd(6)}: ${type.name}`)];
  return `${lines.join('\n')}\n`;
}

/** Adds `<vf>/nvidia/` to a VF bound to nvidia. */
export function addVendorVfioFiles(vf: PciFunction, state: GpuVgpuState, kernel: KernelServices): void {
  const { tree } = kernel;
  const dir = `${vf.path}/nvidia`;
  const key = vf.address;
  const current = (): NvidiaVgpuType | undefined => state.active.get(key);
  const slots = slotsOf(state);
  let params = '';

  tree.attr(`${dir}/creatable_vgpu_types`, {
    mode: 0o444,
    // A VF hosting a vGPU can take no other one: only the header remains, as on a full GPU.
    show: () =>
      formatCreatableTypes(current() === undefined ? state.types.filter((type) => availableOf(state, type) > 0) : []),
  });
  tree.attr(`${dir}/current_vgpu_type`, {
    mode: 0o644,
    show: () => `${current()?.id ?? 0}\n`,
    store: (data) => {
      const id = kstrtoul(data, 10);
      const set = current();
      if (id === 0) {
        if (set !== undefined) releaseVgpu(state, key);
        slots.delete(key);
        return data.length;
      }
      // Choices (NVIDIA's errnos are undocumented): a VF that already hosts a vGPU → EBUSY,
      // an id that is not creatable here now (unknown, other size, GPU full) → EINVAL.
      if (set !== undefined) fail('EBUSY', 'VF already hosts a vGPU');
      const type = state.types.find((t) => t.id === id);
      if (type === undefined || availableOf(state, type) === 0) fail('EINVAL', `vGPU type ${id} not creatable`);
      slots.set(key, lowestFreeSlot(slots));
      reserveVgpu(state, key, type);
      return data.length;
    },
  });
  // Readable only while a vGPU type is set (ENODEV otherwise — our choice).
  const whenSet = (path: string, show: (type: NvidiaVgpuType) => string): void => {
    tree.attr(path, {
      mode: 0o444,
      show: () => {
        const type = current();
        if (type === undefined) fail('ENODEV', 'no vGPU type set');
        return show(type);
      },
    });
  };
  // Time-sliced vGPUs are not in a MIG GPU instance.
  whenSet(`${dir}/gpu_instance_id`, () => '-1\n');
  // Placement in framebuffer units of the type's size, counted from 0 (the lowest free slot); in
  // mixed-size mode the start of its framebuffer range in GiB (heterogeneous placement).
  whenSet(
    `${dir}/placement_id`,
    (type) => `${placementOf(state, key) ?? (slots.get(key) ?? 0) * (type.framebufferMiB / 1024)}\n`,
  );
  tree.attr(`${dir}/vgpu_params`, {
    mode: 0o644,
    show: () => {
      if (current() === undefined) fail('ENODEV', 'no vGPU type set');
      return `${params}\n`;
    },
    store: (data) => {
      if (current() === undefined) fail('ENODEV', 'no vGPU type set');
      params = data.toString('latin1').replace(/\n$/, '');
      return data.length;
    },
  });
}

/** Removes the VF's vGPU and its nvidia/ directory (driver unbind or VF removal). */
export function removeVendorVfioFiles(vf: PciFunction, state: GpuVgpuState | undefined, tree: Kernfs): void {
  if (state !== undefined) {
    releaseVgpu(state, vf.address);
    slotsOf(state).delete(vf.address);
  }
  tree.remove(`${vf.path}/nvidia`);
}

/**
 * Placement slots by VF, per GPU. A new vGPU takes the lowest free slot (in units of its
 * framebuffer size), so one removed and set again lands where it was.
 */
const SLOTS = new WeakMap<GpuVgpuState, Map<string, number>>();

function slotsOf(state: GpuVgpuState): Map<string, number> {
  let slots = SLOTS.get(state);
  if (slots === undefined) {
    slots = new Map();
    SLOTS.set(state, slots);
  }
  return slots;
}

function lowestFreeSlot(slots: Map<string, number>): number {
  const used = new Set(slots.values());
  let slot = 0;
  while (used.has(slot)) slot++;
  return slot;
}
