import { parseCmdline } from '../core/sysfs-formats.ts';
import type { HostFacts } from './inventory.ts';
import type { SysfsReader } from './sysfs-reader.ts';

/** Kernel parameters that decide whether device assignment works. */
const RELEVANT_FLAGS = [
  'intel_iommu',
  'amd_iommu',
  'iommu',
  'iommu.passthrough',
  'iommu.strict',
  'vfio-pci.ids',
  'vfio_pci.ids',
  'vfio_iommu_type1.allow_unsafe_interrupts',
  'pcie_acs_override',
  'video',
  'nomodeset',
  'modprobe.blacklist',
  'rd.driver.blacklist',
  'kvm.ignore_msrs',
  'nvidia-drm.modeset',
];

const VFIO_MODULES = [
  'vfio',
  'vfio_pci',
  'vfio_pci_core',
  'vfio_iommu_type1',
  'vfio_mdev',
  'mdev',
  'kvmgt',
  'nvidia_vgpu_vfio',
];

/** Reads the host-level facts: IOMMU, kernel parameters, VFIO/mdev/KVM availability. */
export async function readHostFacts(
  sysfs: SysfsReader,
  extra: { mdevParents: number; nvidiaSmi: boolean },
): Promise<HostFacts> {
  const [release, cmdline, iommuUnits, groups, modules, container, kvm] = await Promise.all([
    sysfs.text('/proc/sys/kernel/osrelease'),
    sysfs.text('/proc/cmdline'),
    sysfs.list('/sys/class/iommu'),
    sysfs.list('/sys/kernel/iommu_groups'),
    sysfs.list('/sys/module'),
    sysfs.exists('/dev/vfio/vfio'),
    sysfs.exists('/dev/kvm'),
  ]);
  const params = parseCmdline(cmdline ?? '');
  const flags: Record<string, string> = {};
  for (const key of RELEVANT_FLAGS) {
    const value = params.get(key);
    if (value !== undefined) flags[key] = value;
  }
  // drivers/iommu/intel/dmar.c names units dmarN; drivers/iommu/amd names them ivhdN.
  const unit = iommuUnits[0];
  const driver =
    unit === undefined ? null : unit.startsWith('dmar') ? 'intel' : unit.startsWith('ivhd') ? 'amd' : 'other';
  const loaded = VFIO_MODULES.filter((m) => modules.includes(m));
  return {
    source: sysfs.host.description,
    kernelRelease: release,
    cmdline,
    cmdlineFlags: flags,
    iommu: { enabled: groups.length > 0, driver, groups: groups.length },
    vfio: { loaded: loaded.includes('vfio') || container, modules: loaded, container },
    mdev: { available: modules.includes('mdev') || (await sysfs.exists('/sys/bus/mdev')), parents: extra.mdevParents },
    kvm: { available: kvm },
    nvidiaSmi: extra.nvidiaSmi,
  };
}
