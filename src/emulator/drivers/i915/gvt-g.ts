/**
 * Intel GVT-g on the iGPU (drivers/gpu/drm/i915/gvt/kvmgt.c, vgpu.c): types
 * `i915-GVTg_V5_4` and `i915-GVTg_V5_8`, available instances limited by the shared
 * graphics-memory aperture, hidden memory and fence registers.
 */

import type { KernelServices, MdevParentHandle, MdevTypeModel, PciFunction } from '../../kernel-api.ts';
import { fail } from '../../kernfs/errno-error.ts';

/** The mdev driver of GVT-g vGPUs (kvmgt.c intel_vgpu_mdev_driver). */
const GVT_MDEV_DRIVER = 'intel_vgpu_mdev';

interface GvtType {
  readonly name: string;
  readonly lowMb: number;
  readonly highMb: number;
  readonly fence: number;
  readonly resolution: string;
  readonly weight: number;
}

const GVT_TYPES: readonly GvtType[] = [
  { name: 'GVTg_V5_4', lowMb: 128, highMb: 512, fence: 4, resolution: '1920x1200', weight: 4 },
  { name: 'GVTg_V5_8', lowMb: 64, highMb: 384, fence: 4, resolution: '1024x768', weight: 2 },
];

/**
 * The host's vGPU budget: aperture (low GM), hidden GM (high GM) and fences left after the
 * host's own reservation. Chosen so V5_4 starts at 2 and V5_8 at 4, as on a UHD 630 host
 * with the default 256 MB aperture.
 */
const BUDGET = { lowMb: 256, highMb: 1536, fence: 16 };

/** Registers the iGPU as a GVT-g mdev parent; returns the handle. */
export function registerGvtParent(gpu: PciFunction, kernel: KernelServices): MdevParentHandle {
  const free = { ...BUDGET };
  const used = new Map<string, GvtType>();
  const availableFor = (t: GvtType): number =>
    Math.min(Math.floor(free.lowMb / t.lowMb), Math.floor(free.highMb / t.highMb), Math.floor(free.fence / t.fence));
  const models = new Map<MdevTypeModel, GvtType>();
  for (const t of GVT_TYPES) {
    models.set(
      {
        sysfsName: t.name,
        // GVT-g is modelled without a `name` file ("as Intel does", kubevirt/kubevirt#5211).
        prettyName: undefined,
        description:
          `low_gm_size: ${t.lowMb}MB\nhigh_gm_size: ${t.highMb}MB\nfence: ${t.fence}\n` +
          `resolution: ${t.resolution}\nweight: ${t.weight}\n`,
        deviceApi: 'vfio-pci',
        available: () => availableFor(t),
      },
      t,
    );
  }
  return kernel.mdev.registerParent(gpu.address, gpu.path, {
    mdevDriver: GVT_MDEV_DRIVER,
    mdevDriverModule: 'kvmgt',
    typePrefix: 'i915',
    types: [...models.keys()],
    create: (model, uuid) => {
      const t = models.get(model);
      if (t === undefined) fail('EINVAL');
      // gvt/aperture_gm.c alloc_resource: not enough aperture/hidden memory/fences → -ENOSPC.
      if (availableFor(t) === 0) fail('ENOSPC', 'GVT-g resources exhausted');
      free.lowMb -= t.lowMb;
      free.highMb -= t.highMb;
      free.fence -= t.fence;
      used.set(uuid, t);
    },
    remove: (_model, uuid) => {
      const t = used.get(uuid);
      if (t === undefined) return;
      free.lowMb += t.lowMb;
      free.highMb += t.highMb;
      free.fence += t.fence;
      used.delete(uuid);
    },
  });
}
