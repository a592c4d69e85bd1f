/**
 * Whole-GPU passthrough checks, per GPU: is its IOMMU group viable (or can it be made so by
 * `vgpuctl bind`), is it the boot VGA device, does a framebuffer console sit on it, and do
 * processes hold it.
 */
import { type PciAddress, pciSlot } from '../../core/pci-address.ts';
import { isVfioDriver } from '../passthrough/driver-name.ts';
import { describeUsers, usersOfGroup } from '../passthrough/group-users.ts';
import { viabilityOf } from '../passthrough/group-viability.ts';
import { groupOf } from '../passthrough/inventory-groups.ts';
import { fail, type GpuCheck, pass, skip, warn } from './check.ts';

const always = () => true;

/** The GPU's IOMMU group: viable, movable as a whole, or shared with unrelated devices. */
const iommuGroupCheck: GpuCheck = {
  id: 'iommu-group',
  section: 'passthrough',
  applies: always,
  run(gpu, { inventory }) {
    const group = groupOf(inventory, gpu.address);
    if (group === undefined) return skip('No IOMMU group: the IOMMU is off');
    const endpoints = group.devices.filter((d) => d.kind === 'pci' && !d.bridge);
    const { viable, blockers } = viabilityOf(group);
    const onVfio = endpoints.filter((d) => isVfioDriver(d.driver) || d.vfioDevice);
    if (!viable && onVfio.length > 0) {
      const held = blockers.map((b) => `${b.address} is on host driver "${b.driver}"`).join(', ');
      return fail(
        `Group ${group.id} is not viable: ${onVfio.map((d) => d.address).join(', ')} ${onVfio.length === 1 ? 'is' : 'are'} on VFIO but ${held}; a VM cannot use it`,
        `Run "vgpuctl bind ${gpu.address}" to move the whole group to vfio-pci`,
      );
    }
    const slot = pciSlot(gpu.address as PciAddress);
    const foreign = endpoints.filter((d) => !d.address.startsWith(`${slot}.`));
    if (foreign.length > 0) {
      const list = foreign.map((d) => `${d.address} (${d.className ?? d.classCode ?? 'device'})`).join(', ');
      return warn(
        `Group ${group.id} also holds ${list}: passing the GPU through takes ${foreign.length === 1 ? 'it' : 'them'} from the host too`,
        'Use a slot whose PCIe port isolates it (ACS), so that the GPU gets an IOMMU group of its own',
      );
    }
    const count = `${endpoints.length} device${endpoints.length === 1 ? '' : 's'}`;
    if (viable && onVfio.length > 0) return pass(`Group ${group.id} is viable: ${count}, all on VFIO: ready for a VM`);
    if (viable) return pass(`Group ${group.id} is viable: ${count}, none bound to a driver`);
    if (endpoints.length === 1)
      return pass(`Group ${group.id} holds only this GPU: "vgpuctl bind ${gpu.address}" moves it to vfio-pci`);
    return pass(
      `Group ${group.id} holds only this GPU's ${count}: "vgpuctl bind ${gpu.address}" moves them to vfio-pci together`,
    );
  },
};

/** The boot VGA device carries the firmware console and usually the host's display. */
const bootVgaCheck: GpuCheck = {
  id: 'boot-vga',
  section: 'passthrough',
  applies: always,
  run(gpu) {
    if (!gpu.bootVga) return pass('Not the boot VGA device');
    return warn(
      'It is the boot VGA device (boot_vga=1): the firmware console and the host display run on it',
      'Pass through a GPU the host does not boot on; if you must use this one, keep another display and boot with video=efifb:off (vgpuctl bind needs --force)',
    );
  },
};

/** A framebuffer (efifb, simplefb, a DRM fbdev) on the GPU keeps its memory claimed. */
const framebufferCheck: GpuCheck = {
  id: 'framebuffer',
  section: 'passthrough',
  applies: always,
  run(gpu, { virt }) {
    if (!virt.consoles.known) return skip('The host exposes neither /sys/class/vtconsole nor /sys/class/graphics');
    // Firmware framebuffers are platform devices, not the GPU: they sit on the boot VGA device.
    const mine = virt.consoles.framebuffers.filter(
      (fb) => fb.device === gpu.address || (gpu.bootVga && /^(efi|simple|vesa)-framebuffer/.test(fb.device ?? '')),
    );
    if (mine.length === 0) return pass('No framebuffer uses it');
    const fbcon = virt.consoles.vtconsoles.find((vt) => vt.bound && /frame ?buffer/i.test(vt.name));
    const names = mine.map((fb) => `${fb.id} (${fb.name ?? 'unnamed'})`).join(', ');
    if (isVfioDriver(gpu.driver))
      return pass(`Framebuffer ${names} is registered, but the GPU is already on ${gpu.driver}`);
    return warn(
      fbcon === undefined
        ? `Framebuffer ${names} sits on it: its memory stays claimed after the driver lets go`
        : `The framebuffer console (${fbcon.id}) draws on ${names}, which keeps this GPU's memory claimed`,
      `${fbcon === undefined ? '' : `echo 0 > /sys/class/vtconsole/${fbcon.id}/bind; `}boot with video=efifb:off (or video=simplefb:off) so that no framebuffer claims it`,
    );
  },
};

/** Processes holding the GPU's nodes (nvidia-persistenced, Xorg, a VM). */
const inUseCheck: GpuCheck = {
  id: 'in-use',
  section: 'passthrough',
  applies: always,
  run(gpu, { inventory }) {
    if (inventory.deviceUsers === undefined) return skip('Device users were not read');
    const group = groupOf(inventory, gpu.address);
    const users =
      group === undefined
        ? inventory.deviceUsers.filter((u) => u.address === gpu.address)
        : usersOfGroup(inventory, group);
    if (users.length === 0) return pass('No process holds its device nodes');
    if (users.every((u) => u.node.startsWith('/dev/vfio/')))
      return pass(`Assigned to a running VM: ${describeUsers(users)}`);
    return warn(
      `In use: ${describeUsers(users)}`,
      'Stop them before binding it to vfio-pci (nvidia-persistenced: systemctl stop nvidia-persistenced); vgpuctl bind refuses otherwise',
    );
  },
};

/** Passthrough checks, in report order. */
export const PASSTHROUGH_CHECKS: readonly GpuCheck[] = [iommuGroupCheck, bootVgaCheck, framebufferCheck, inUseCheck];
