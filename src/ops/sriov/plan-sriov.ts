/**
 * `vgpuctl sriov`: enables or disables SR-IOV virtual functions on a GPU's physical function,
 * following the kernel's rules for `sriov_numvfs` (drivers/pci/iov.c sriov_numvfs_store):
 * at most `sriov_totalvfs` (ERANGE above), a non-zero count changes only from 0 (EBUSY
 * otherwise), and only the PF's bound driver creates VFs (ENOENT without one). For NVIDIA
 * vendor-VFIO GPUs this is the step before vGPU creation.
 */
import { VgpuctlError } from '../../core/errors.ts';
import { parsePciAddress } from '../../core/pci-address.ts';
import type { Plan, Step } from '../../core/plan.ts';
import type { Inventory, VirtualFunction } from '../../discovery/inventory.ts';
import { VERIFY_TIMEOUT_MS } from '../passthrough/driver-steps.ts';
import { describeUsers, usersOfGroup } from '../passthrough/group-users.ts';
import { groupOf } from '../passthrough/inventory-groups.ts';
import { notAGpu } from '../passthrough/locate-device.ts';

/** How many VFs a GPU should have, and whether new VFs are probed by drivers automatically. */
export interface SriovRequest {
  address: string;
  numVfs: number;
  /** `sriov_drivers_autoprobe`: false leaves new VFs without a driver (for binding them to vfio-pci yourself). */
  autoprobe?: boolean;
}

/** kstrtou16 bounds every count the kernel accepts. */
const MAX_U16 = 0xffff;

/**
 * Plans setting the VF count of the GPU at `request.address`: the autoprobe switch first
 * (it decides how the new VFs are probed), then `sriov_numvfs`, then a wait for the last
 * `virtfn<N-1>` link (or for `virtfn0` to go). A plan without steps means the GPU is already
 * so. Throws VgpuctlError for transitions the kernel would refuse, with the way forward.
 */
export function planSriov(inventory: Inventory, request: SriovRequest): Plan {
  const address = parsePciAddress(request.address);
  const { numVfs } = request;
  const action = numVfs === 0 ? `disable the VFs of "${address}"` : `enable ${numVfs} VFs on "${address}"`;
  if (!Number.isInteger(numVfs) || numVfs < 0 || numVfs > MAX_U16) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot set the VF count of "${address}" to "${numVfs}": it must be a whole number, 0 or more`,
      {
        hint: 'Give --vfs a count such as 4, or 0 to disable the VFs',
      },
    );
  }
  const gpu = inventory.gpus.find((g) => g.address === address);
  if (gpu === undefined) {
    const owner = inventory.gpus.find((g) => g.sriov?.vfs.some((v) => v.address === address));
    if (owner !== undefined) {
      throw new VgpuctlError('NOT_A_GPU', `Cannot ${action}: it is a virtual function of ${owner.address}`, {
        hint: `VFs are managed on their physical function: "vgpuctl sriov ${owner.address} --vfs N"`,
      });
    }
    throw notAGpu(inventory, address, action);
  }
  const sriov = gpu.sriov;
  if (sriov === null) {
    throw new VgpuctlError('UNSUPPORTED', `Cannot ${action}: it has no SR-IOV capability (no sriov_totalvfs)`, {
      hint: 'Share this GPU with mdev vGPUs or pass it through whole; "vgpuctl show" lists what it supports',
    });
  }
  if (numVfs > sriov.totalVfs) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot ${action}: it supports at most ${sriov.totalVfs} VFs (sriov_totalvfs)`,
      {
        hint: `Choose --vfs between 0 and ${sriov.totalVfs}; the kernel answers ERANGE above the total`,
      },
    );
  }
  const current = sriov.numVfs;
  const steps: Step[] = [];
  const dir = `/sys/bus/pci/devices/${address}`;
  if (request.autoprobe !== undefined && request.autoprobe !== sriov.driversAutoprobe) {
    const previous = sriov.driversAutoprobe === false ? '0' : '1';
    steps.push({
      kind: 'write',
      path: `${dir}/sriov_drivers_autoprobe`,
      value: request.autoprobe ? '1' : '0',
      why: request.autoprobe
        ? 'let drivers probe new VFs automatically'
        : 'leave new VFs without a driver until one is bound explicitly',
      undo: [
        {
          kind: 'write',
          path: `${dir}/sriov_drivers_autoprobe`,
          value: previous,
          why: 'undo: restore sriov_drivers_autoprobe',
        },
      ],
    });
  }
  if (numVfs === current) return { action, steps };

  if (gpu.driver === null) {
    throw new VgpuctlError(
      'CONFLICT',
      `Cannot ${action}: no driver is bound to it, and only the PF's driver creates VFs (sriov_numvfs answers ENOENT)`,
      {
        hint: `Bind its driver first ("vgpuctl unbind ${address}" restores the host driver)`,
      },
    );
  }
  if (current !== 0 && numVfs !== 0) {
    throw new VgpuctlError(
      'VFS_ENABLED',
      `Cannot ${action}: ${current} VFs are enabled, and the kernel changes a non-zero count only through 0 (EBUSY)`,
      {
        hint: `Disable them first with "vgpuctl sriov ${address} --vfs 0", then set --vfs ${numVfs}`,
      },
    );
  }
  if (numVfs === 0) refuseIfVfsInUse(inventory, sriov.vfs, action);

  steps.push({
    kind: 'write',
    path: `${dir}/sriov_numvfs`,
    value: String(numVfs),
    why:
      numVfs === 0 ? `remove all ${current} VFs` : `create ${numVfs} VFs (the PF driver's sriov_configure adds them)`,
    undo: [
      {
        kind: 'write',
        path: `${dir}/sriov_numvfs`,
        value: String(current),
        why: `undo: set the VF count back to ${current}`,
      },
    ],
  });
  steps.push(
    numVfs === 0
      ? {
          kind: 'waitFor',
          path: `${dir}/virtfn0`,
          gone: true,
          timeoutMs: VERIFY_TIMEOUT_MS,
          why: 'verify that the VFs are gone',
        }
      : {
          kind: 'waitFor',
          path: `${dir}/virtfn${numVfs - 1}`,
          timeoutMs: VERIFY_TIMEOUT_MS,
          why: `verify that VF ${numVfs - 1} exists`,
        },
  );
  return { action, steps };
}

/** Disabling VFs destroys them: refuse while a VF carries a vGPU or a process holds it. */
function refuseIfVfsInUse(inventory: Inventory, vfs: readonly VirtualFunction[], action: string): void {
  for (const vf of vfs) {
    if (vf.vgpu?.currentTypeId != null) {
      const type = vf.vgpu.currentTypeName ?? `type ${vf.vgpu.currentTypeId}`;
      throw new VgpuctlError('DEVICE_BUSY', `Cannot ${action}: VF ${vf.address} carries the vGPU ${type}`, {
        hint: 'Stop its VM and remove the vGPU (write 0 to nvidia/current_vgpu_type) first',
      });
    }
    const mdevs = vf.mdev?.instances.length ?? 0;
    if (mdevs > 0) {
      throw new VgpuctlError(
        'DEVICE_BUSY',
        `Cannot ${action}: VF ${vf.address} hosts ${mdevs} mediated device${mdevs === 1 ? '' : 's'}`,
        {
          hint: 'Stop the VMs using them and remove the vGPUs first',
        },
      );
    }
    const group = groupOf(inventory, vf.address);
    const users = group === undefined ? [] : usersOfGroup(inventory, group);
    if (users.length > 0) {
      throw new VgpuctlError('DEVICE_BUSY', `Cannot ${action}: VF ${vf.address} is in use: ${describeUsers(users)}`, {
        hint: 'Stop the VM or process using the VF first',
      });
    }
  }
}
