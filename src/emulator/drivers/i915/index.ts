/**
 * The emulated `i915` PCI driver: binds Intel integrated graphics and, for GVT-g scenarios,
 * registers the iGPU as an mdev parent.
 */
import type { MdevParentHandle, PciDriver, PciFunction } from '../../kernel-api.ts';
import type { GpuSpec } from '../../scenario/schema.ts';
import { registerGvtParent } from './gvt-g.ts';

const INTEL_VENDOR = 0x8086;
const GVT_PARENT = 'i915:gvt-parent';

/** Creates the `i915` driver for the scenario's GPUs (looked up by address). */
export function createI915Driver(gpus: ReadonlyMap<string, GpuSpec>): PciDriver {
  return {
    name: 'i915',
    module: 'i915',
    driverManagedDma: false,
    overrideOnly: false,
    matchStatic(dev: PciFunction) {
      // i915_pciidlist: Intel display-class (0x0300xx, 0x0380xx) functions.
      const baseSub = dev.classCode >> 8;
      return dev.vendor === INTEL_VENDOR && (baseSub === 0x0300 || baseSub === 0x0380);
    },
    probe(dev, kernel) {
      if (gpus.get(dev.address)?.vgpu === 'gvt-g') dev.driverData.set(GVT_PARENT, registerGvtParent(dev, kernel));
    },
    remove(dev, kernel) {
      const handle = dev.driverData.get(GVT_PARENT) as MdevParentHandle | undefined;
      if (handle !== undefined) kernel.mdev.unregisterParent(handle);
      dev.driverData.delete(GVT_PARENT);
    },
  };
}
