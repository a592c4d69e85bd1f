/**
 * Seed 000's out-of-tree `vgpu_nvidia` module: a class device whose `vram_info` reports a
 * GPU's physical VRAM plus "virtual" VRAM carved from system memory.
 */
import type { KernelServices, PciFunction } from '../../kernel-api.ts';
import { createVirtualDevice, loadModule } from '../../mdev/virtual-device.ts';

/**
 * Creates /sys/devices/virtual/vgpu_nvidia/vgpu_nvidia (class link /sys/class/vgpu_nvidia/…)
 * with `vram_info` in the seed's exact format, plus `pci_address` and a `device` link so
 * discovery can attribute the VRAM to the GPU (extras the seed module does not have).
 */
export function registerVramInfo(
  kernel: KernelServices,
  gpu: PciFunction,
  physicalMiB: number,
  virtualMiB: number,
  productName: string,
): void {
  loadModule(kernel, 'vgpu_nvidia');
  const path = createVirtualDevice(kernel, 'vgpu_nvidia', 'vgpu_nvidia');
  // The seed module prints its hard-coded "Nvidia GeForce RTX 4070"; normalise the vendor
  // word so catalog names ("NVIDIA GeForce RTX 4070") render the same way.
  const name = `Nvidia ${productName.replace(/^nvidia\s+/i, '')}`;
  const line = (label: string, mib: number): string => `${label}: ${mib} MB (${Math.floor(mib / 1024)} GB)\n`;
  const text =
    `GPU: ${name}\n` +
    line('Total VRAM', physicalMiB + virtualMiB) +
    line('Physical VRAM', physicalMiB) +
    line('Virtual VRAM', virtualMiB);
  kernel.tree.attr(`${path}/vram_info`, { mode: 0o444, show: () => text });
  // The module's character device prints the same text (its users read both, e.g. cat /dev/vgpu_nvidia).
  // Root-only, as devtmpfs creates device nodes without a udev rule (0600).
  kernel.tree.attr('/dev/vgpu_nvidia', { mode: 0o600, show: () => text });
  kernel.tree.attr(`${path}/pci_address`, { mode: 0o444, show: () => `${gpu.address}\n` });
  kernel.tree.link(`${path}/device`, gpu.path);
}
