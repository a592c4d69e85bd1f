/**
 * The emulated proprietary `nvidia` PCI driver: binds NVIDIA display-class functions and,
 * per the scenario's GpuSpec.vgpu, exposes classic mdev vGPUs on the PF, mdev vGPUs on SR-IOV
 * VFs, or NVIDIA's vendor-specific VFIO files on VFs (kernel-semantics.md §6).
 */

import { boardByName } from '../../../catalog/index.ts';
import type { KernelServices, MdevParentHandle, PciDriver, PciFunction } from '../../kernel-api.ts';
import { fail } from '../../kernfs/errno-error.ts';
import type { GpuSpec } from '../../scenario/schema.ts';
import { boardOfModel, vgpuTypesFor } from './boards.ts';
import { registerClassicParent } from './classic-mdev.ts';
import { createGpuState, gpuStateOf, NVIDIA_DRIVER } from './gpu-state.ts';
import { registerVfParent } from './sriov-mdev.ts';
import { addVendorVfioFiles, removeVendorVfioFiles } from './vendor-vfio.ts';
import { overrideReader } from './vgpu-unlock.ts';

const NVIDIA_VENDOR = 0x10de;
/** driverData key of a function's mdev parent handle. */
const MDEV_PARENT = 'nvidia:mdev-parent';

/** Creates the `nvidia` driver for the scenario's GPUs (looked up by PF address). */
export function createNvidiaDriver(gpus: ReadonlyMap<string, GpuSpec>): PciDriver {
  // One reader of vgpu_unlock-rs's overrides for every GPU, made on first probe.
  let reader: (() => Record<string, unknown> | undefined) | undefined;
  const overrides = (kernel: KernelServices) => {
    reader ??= overrideReader(kernel.tree);
    return reader;
  };
  const specOf = (dev: PciFunction): GpuSpec | undefined => gpus.get((dev.physfn ?? dev).address);

  return {
    name: 'nvidia',
    module: 'nvidia',
    driverManagedDma: false,
    overrideOnly: false,
    matchStatic(dev) {
      // nvidia.ko's table: vendor 0x10de, class VGA (0x0300xx) or 3D controller (0x0302xx).
      const baseSub = dev.classCode >> 8;
      return dev.vendor === NVIDIA_VENDOR && (baseSub === 0x0300 || baseSub === 0x0302);
    },
    probe(dev, kernel) {
      const spec = specOf(dev);
      const mode = spec?.vgpu ?? 'none';
      if (dev.physfn === undefined) {
        const board = boardOfModel(dev.modelId);
        const boardMiB = (board === undefined ? undefined : (boardByName(board)?.framebufferGiB ?? 0)) ?? 0;
        const state = createGpuState(
          mode,
          vgpuTypesFor(dev.modelId, spec?.vgpuTypes),
          overrides(kernel),
          boardMiB * 1024,
        );
        dev.driverData.set(NVIDIA_DRIVER, state);
        // dmesg: "nvidia 0000:01:00.0: MDEV: Registered"
        if (mode === 'mdev') dev.driverData.set(MDEV_PARENT, registerClassicParent(dev, state, kernel));
        return;
      }
      const state = gpuStateOf(dev);
      if (state === undefined) return;
      if (state.mode === 'sriov-mdev') dev.driverData.set(MDEV_PARENT, registerVfParent(dev, state, kernel));
      else if (state.mode === 'vendor-vfio') {
        addVendorVfioFiles(dev, state, kernel);
        // The VF is its own VFIO device (iommufd cdev), no vfio-pci involved (anchors.md §0).
        if (dev.iommuGroup !== undefined) kernel.vfioRegister(dev.address, dev.path, dev.iommuGroup);
      }
    },
    remove(dev, kernel) {
      const parent = dev.driverData.get(MDEV_PARENT) as MdevParentHandle | undefined;
      if (parent !== undefined) kernel.mdev.unregisterParent(parent);
      dev.driverData.delete(MDEV_PARENT);
      if (dev.physfn !== undefined && gpuStateOf(dev)?.mode === 'vendor-vfio') {
        if (dev.iommuGroup !== undefined) kernel.vfioUnregister(dev.address, dev.path, dev.iommuGroup);
        removeVendorVfioFiles(dev, gpuStateOf(dev), kernel.tree);
      }
      if (dev.physfn === undefined) dev.driverData.delete(NVIDIA_DRIVER);
    },
    sriovConfigure(dev: PciFunction, numVfs: number, kernel: KernelServices) {
      // Enabling (or disabling) VFs resets mixed-size mode: it must be set again afterwards
      // (NVIDIA vGPU user guide: mixed-size mode is set after sriov-manage, which clears it).
      const pfState = gpuStateOf(dev);
      if (pfState !== undefined && pfState.active.size === 0) pfState.mixedSize = false;
      if (numVfs > 0) {
        kernel.enableVfs(dev, numVfs);
        return;
      }
      // Our choice: VFs hosting vGPUs cannot be disabled (the real driver's answer is unknown).
      const state = gpuStateOf(dev);
      if (state !== undefined && state.active.size > 0) fail('EBUSY', 'vGPUs exist on VFs');
      kernel.disableVfs(dev);
    },
  };
}
