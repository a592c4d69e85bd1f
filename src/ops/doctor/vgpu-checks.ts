/**
 * Mediated and vendor-VFIO vGPU checks: the mdev core, the NVIDIA vGPU manager (module,
 * nvidia-vgpud which publishes the mdev types, nvidia-vgpu-mgr which runs each vGPU), and
 * per GPU whether it offers vGPU types.
 */
import type { Gpu } from '../../discovery/inventory.ts';
import { type CheckOutcome, type DoctorFacts, type GpuCheck, type HostCheck, pass, skip, warn } from './check.ts';

const NVIDIA = '10de';

/**
 * A GPU whose vGPUs live on SR-IOV VFs: NVIDIA Ampere and later under the vGPU manager
 * (mdev on VFs, or vendor-specific VFIO on Ada and later). nvidia-smi says so ("Host VGPU
 * Mode: SR-IOV"); without it, an SR-IOV-capable GPU on nvidia with nvidia_vgpu_vfio loaded.
 */
function hasVgpusOnVfs(gpu: Gpu, { inventory }: DoctorFacts): boolean {
  if (gpu.sriov?.vfs.some((vf) => vf.vgpu !== null || vf.mdev !== null) === true) return true;
  if (gpu.hostVgpuMode !== null) return gpu.hostVgpuMode === 'SR-IOV';
  return (
    gpu.vendor.id === NVIDIA &&
    gpu.driver === 'nvidia' &&
    gpu.sriov !== null &&
    inventory.host.vfio.modules.includes('nvidia_vgpu_vfio')
  );
}

/** The mdev core and its parents. */
const mdevCoreCheck: HostCheck = {
  id: 'mdev-core',
  section: 'vgpu',
  run({ inventory }) {
    const parents = [
      ...inventory.gpus.filter((g) => g.mdev !== null).map((g) => g.address),
      ...inventory.gpus.flatMap((g) => g.sriov?.vfs.filter((vf) => vf.mdev !== null).map((vf) => vf.address) ?? []),
      ...inventory.otherMdevParents.map((p) => p.name),
    ];
    if (parents.length > 0)
      return pass(
        `The mdev core is loaded: ${parents.length} parent${parents.length === 1 ? '' : 's'} (${parents.join(', ')})`,
      );
    if (inventory.host.mdev.available) return pass('The mdev core is loaded; no device offers mediated types');
    return skip('No mediated-device parent on this host');
  },
};

/** The NVIDIA vGPU manager: nvidia_vgpu_vfio, nvidia-vgpud and nvidia-vgpu-mgr. */
const nvidiaVgpuManagerCheck: HostCheck = {
  id: 'nvidia-vgpu-manager',
  section: 'vgpu',
  run({ inventory, virt }: DoctorFacts): CheckOutcome {
    const nvidia = inventory.gpus.filter((g) => g.vendor.id === NVIDIA && g.driver === 'nvidia');
    if (nvidia.length === 0) return skip('No GPU is bound to the nvidia driver');
    const module = inventory.host.vfio.modules.includes('nvidia_vgpu_vfio');
    const offering = nvidia.filter((g) => (g.mdev?.types.length ?? 0) > 0 || hasVgpusOnVfs(g, { inventory, virt }));
    if (!module && offering.length === 0) {
      return warn(
        'The NVIDIA vGPU manager is not installed (no nvidia_vgpu_vfio): NVIDIA GPUs can only be passed through whole',
        "Install NVIDIA's vGPU host driver (the vGPU manager package) to share them as vGPUs",
      );
    }
    const mgr = virt.daemons.find((d) => d.name === 'nvidia-vgpu-mgr');
    const unit = virt.units.find((u) => u.name === 'nvidia-vgpu-mgr.service');
    const what = `${module ? 'nvidia_vgpu_vfio is loaded' : 'vGPU types are offered'}, ${offering.length} GPU${offering.length === 1 ? '' : 's'} offer${offering.length === 1 ? 's' : ''} vGPUs`;
    if (mgr !== undefined && mgr.pids.length > 0)
      return pass(`${what}; nvidia-vgpu-mgr is running (pid ${mgr.pids.join(', ')})`);
    return warn(
      `${what}, but nvidia-vgpu-mgr is not running${unit?.installed === true ? '' : ' (no process, no unit file found)'}: VMs with NVIDIA vGPUs fail to start`,
      unit?.installed === true
        ? 'systemctl enable --now nvidia-vgpu-mgr.service'
        : 'Install the vGPU manager services and start them: systemctl enable --now nvidia-vgpud.service nvidia-vgpu-mgr.service',
    );
  },
};

/** Per GPU: the vGPU types it offers (mdev types, or vendor-VFIO types on its VFs). */
const vgpuTypesCheck: GpuCheck = {
  id: 'vgpu-types',
  section: 'vgpu',
  applies: (gpu, facts) => gpu.mdev !== null || hasVgpusOnVfs(gpu, facts),
  run(gpu) {
    if (gpu.mdev !== null) {
      const types = gpu.mdev.types;
      if (types.length === 0) {
        return warn(
          'mdev parent without types: the vendor service has not published them',
          gpu.vendor.id === NVIDIA
            ? 'systemctl restart nvidia-vgpud.service, then check its journal'
            : 'Check the driver log (dmesg)',
        );
      }
      // Types share the GPU's capacity, so per-type counts are not summed.
      const open = types.filter((t) => (t.availableInstances ?? 0) > 0).length;
      const live = gpu.mdev.instances.length;
      return pass(
        `Mediated vGPUs: ${types.length} types (${open} with room for more), ${live} vGPU${live === 1 ? '' : 's'} live`,
      );
    }
    const vfs = gpu.sriov?.vfs ?? [];
    if (vfs.length === 0) {
      return warn(
        'Its vGPUs live on SR-IOV VFs, and no VF is enabled',
        `Enable VFs first: "vgpuctl sriov ${gpu.address} --vfs N"`,
      );
    }
    const withType = vfs.filter((vf) => vf.vgpu?.currentTypeId != null || (vf.mdev?.instances.length ?? 0) > 0).length;
    return pass(`vGPUs on VFs: ${vfs.length} VFs, ${withType} with a vGPU, ${vfs.length - withType} free`);
  },
};

/** Host-level vGPU checks, in report order. */
export const VGPU_HOST_CHECKS: readonly HostCheck[] = [mdevCoreCheck, nvidiaVgpuManagerCheck];
/** Per-GPU vGPU checks, in report order. */
export const VGPU_GPU_CHECKS: readonly GpuCheck[] = [vgpuTypesCheck];
