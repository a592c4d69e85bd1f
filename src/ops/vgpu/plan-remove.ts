/**
 * Planning `vgpuctl remove` (and `stop`): take running vGPUs away — `remove` for an mdev,
 * type 0 for a vendor-VFIO VF. Definitions are left alone: a defined vGPU can be started again.
 */
import { VgpuctlError } from '../../core/errors.ts';
import type { Plan, Step } from '../../core/plan.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import { countedIds, parseVgpuIds, vgpuIdText } from './resolve.ts';
import { mdevRemoveSteps, vendorRemoveSteps } from './steps.ts';
import { nvidiaTypeNumber, vgpuHosts } from './vgpu-hosts.ts';

/**
 * Plans the removal of running vGPUs named by UUID or VF address. Each write's undo
 * recreates the vGPU, so a failure part-way leaves every vGPU as it was.
 */
export function planRemoveVgpus(inventory: Inventory, request: { ids: string[] }, verb = 'remove'): Plan {
  const ids = parseVgpuIds(request.ids, `${verb} vGPUs`);
  const hosts = vgpuHosts(inventory);
  const steps: Step[] = [];
  for (const id of ids) {
    const text = vgpuIdText(id);
    if (id.kind === 'mdev') {
      const live = hosts.flatMap((h) => (h.mechanism === 'mdev' ? h.live : [])).find((v) => v.id === id.uuid);
      if (live === undefined) {
        throw new VgpuctlError('DEVICE_NOT_FOUND', `Cannot ${verb} vGPU "${text}": no running vGPU has this UUID`, {
          hint: '"vgpuctl vgpus" lists the vGPUs; a defined vGPU that is not running is deleted with "vgpuctl undefine"',
        });
      }
      steps.push(...mdevRemoveSteps(id.uuid, live.parent, live.typeId));
      continue;
    }
    const host = hosts.find((h) => h.vfs.some((vf) => vf.address === id.vf));
    const vf = host?.vfs.find((v) => v.address === id.vf);
    if (host === undefined || vf === undefined) {
      const mdevParent = hosts.flatMap((h) => h.parents).find((p) => p.name === id.vf);
      throw new VgpuctlError(
        'DEVICE_NOT_FOUND',
        mdevParent === undefined
          ? `Cannot ${verb} vGPU "${text}": no vendor-VFIO VF has this address`
          : `Cannot ${verb} vGPU "${text}": it is an mdev parent; its vGPUs are named by UUID`,
        {
          hint:
            mdevParent === undefined || mdevParent.instances.length === 0
              ? '"vgpuctl vgpus" lists the vGPUs'
              : `vGPUs on ${text}: ${mdevParent.instances.map((i) => i.uuid).join(', ')}`,
        },
      );
    }
    if (vf.vgpu.currentTypeId === null) {
      throw new VgpuctlError('DEVICE_NOT_FOUND', `Cannot ${verb} vGPU "${text}": VF ${text} hosts no vGPU`, {
        hint: '"vgpuctl vgpus" lists the vGPUs',
      });
    }
    const live = host.live.find((v) => v.id === id.vf);
    steps.push(
      ...vendorRemoveSteps(
        id.vf,
        nvidiaTypeNumber(live?.typeId ?? '') ?? vf.vgpu.currentTypeId,
        live?.typeName ?? null,
      ),
    );
  }
  return { action: `${verb} ${countedIds(ids.map(vgpuIdText))}`, steps };
}
