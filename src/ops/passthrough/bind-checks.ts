/**
 * What binding a GPU's IOMMU group to a VFIO driver would do, and everything that speaks
 * against it: the safety checks of `vgpuctl bind`, as data. Some findings only `--force`
 * overrides (boot VGA, devices in use, a group shared with unrelated devices); others no
 * flag can (VFs enabled, vGPUs present), because the kernel would refuse or destroy them.
 */
import type { ErrorCode } from '../../core/errors.ts';
import { VgpuctlError } from '../../core/errors.ts';
import { pciSlot } from '../../core/pci-address.ts';
import type { GroupDevice, Inventory, IommuGroupInfo } from '../../discovery/inventory.ts';
import { DEFAULT_BIND_DRIVER, validateBindDriver } from './driver-name.ts';
import { describeUsers, usersOfGroup } from './group-users.ts';
import { type LocatedDevice, locateGpuDevice } from './locate-device.ts';

/** One reason not to bind. */
interface BindFinding {
  code: ErrorCode;
  message: string;
  hint: string;
  /** True when --force may override it. */
  forceable: boolean;
}

/** The bind as vgpuctl would perform it. */
export interface BindAssessment {
  target: LocatedDevice;
  driver: string;
  group: IommuGroupInfo;
  /** Every endpoint of the group (bridges and non-PCI members excluded), in address order. */
  endpoints: GroupDevice[];
  findings: BindFinding[];
}

/**
 * Assesses `vgpuctl bind`: locates the device, validates the driver, requires an IOMMU
 * group, and lists what speaks against moving the group. Throws for bad input and for a
 * device that cannot be bound at all.
 */
export function assessBind(inventory: Inventory, request: { address: string; driver?: string }): BindAssessment {
  const driverName = request.driver ?? DEFAULT_BIND_DRIVER;
  const target = locateGpuDevice(inventory, request.address, (a) => `bind "${a}" to ${driverName}`);
  const address = target.address;
  const driver = validateBindDriver(inventory, driverName, address);
  const action = `bind "${address}" to ${driver}`;
  const group = target.group;
  if (group === null) {
    throw new VgpuctlError(
      'IOMMU_DISABLED',
      inventory.host.iommu.enabled
        ? `Cannot ${action}: it is in no IOMMU group`
        : `Cannot ${action}: the IOMMU is off (no IOMMU groups), and VFIO needs one`,
      {
        hint: 'Enable VT-d/AMD-Vi in the firmware setup and boot with intel_iommu=on (Intel); "vgpuctl doctor" checks the host',
      },
    );
  }
  if (target.vf?.vgpu != null) {
    throw new VgpuctlError(
      'UNSUPPORTED',
      `Cannot ${action}: the nvidia driver already provides VFIO for this VF (vendor-specific VFIO)`,
      {
        hint: `Give the VF a vGPU type and assign it as it is; binding vfio-pci to it fails with EINVAL`,
      },
    );
  }
  const endpoints = group.devices.filter((d) => d.kind === 'pci' && !d.bridge);
  return {
    target,
    driver,
    group,
    endpoints,
    findings: findingsFor(inventory, target, driver, group, endpoints, action),
  };
}

function findingsFor(
  inventory: Inventory,
  target: LocatedDevice,
  driver: string,
  group: IommuGroupInfo,
  endpoints: GroupDevice[],
  action: string,
): BindFinding[] {
  const findings: BindFinding[] = [];
  for (const device of endpoints) {
    const gpu = inventory.gpus.find((g) => g.address === device.address);
    if (gpu?.sriov != null && gpu.sriov.numVfs > 0) {
      findings.push({
        code: 'VFS_ENABLED',
        message: `Cannot ${action}: ${device.address} has ${gpu.sriov.numVfs} VFs enabled, and vfio-pci refuses a PF with VFs (EBUSY)`,
        hint: `Disable them first: "vgpuctl sriov ${device.address} --vfs 0"`,
        forceable: false,
      });
    }
    const vf = inventory.gpus.flatMap((g) => g.sriov?.vfs ?? []).find((v) => v.address === device.address);
    const mdevs = (gpu?.mdev?.instances ?? []).length + (vf?.mdev?.instances ?? []).length;
    if (mdevs > 0) {
      findings.push({
        code: 'DEVICE_BUSY',
        message: `Cannot ${action}: ${device.address} hosts ${mdevs} mediated device${mdevs === 1 ? '' : 's'} (vGPUs), which unbinding its driver would destroy`,
        hint: 'Stop the VMs using them and remove the vGPUs first',
        forceable: false,
      });
    }
  }
  const slot = pciSlot(target.address);
  const foreign = endpoints.filter((d) => !d.address.startsWith(`${slot}.`) && d.driver !== driver);
  if (foreign.length > 0) {
    const list = foreign
      .map((d) => `${d.address} (${d.className ?? d.classCode ?? 'device'}, ${d.driver ?? 'no driver'})`)
      .join(', ');
    findings.push({
      code: 'IOMMU_GROUP_SHARED',
      message: `Cannot ${action}: IOMMU group ${group.id} also holds ${list}, which would be taken from the host too`,
      hint: 'Move the GPU to a slot with an IOMMU group of its own (ACS), or pass --force to move the whole group',
      forceable: true,
    });
  }
  const bootVga = endpoints.find((d) => d.bootVga && d.driver !== driver);
  if (bootVga !== undefined) {
    findings.push({
      code: 'BOOT_VGA_DEVICE',
      message: `Cannot ${action}: ${bootVga.address} is the boot VGA device (boot_vga=1): the firmware console and the host's display run on it`,
      hint: 'Pass through another GPU, or pass --force (and boot with video=efifb:off) if the host can live without its display',
      forceable: true,
    });
  }
  const users = usersOfGroup(inventory, group);
  if (users.length > 0) {
    findings.push({
      code: 'DEVICE_BUSY',
      message: `Cannot ${action}: the group is in use: ${describeUsers(users)}`,
      hint: 'Stop those processes (for nvidia-persistenced: "systemctl stop nvidia-persistenced"), or pass --force',
      forceable: true,
    });
  }
  return findings.sort((a, b) => Number(a.forceable) - Number(b.forceable));
}
