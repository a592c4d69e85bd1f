/**
 * One entry point for every configuration format: the text `select --output <format>`
 * prints (and nothing else, so a script can use it as it is), and the caveats that go with it.
 */
import { cloudHypervisorArgs, cloudHypervisorNotes } from './cloud-hypervisor.ts';
import type { VmConfigFormat } from './formats.ts';
import { kubevirtNotes, kubevirtYaml } from './kubevirt.ts';
import { libvirtDomain, libvirtFragment, libvirtNotes } from './libvirt.ts';
import { type QemuFullOptions, qemuDeviceArgs, qemuFullArgs, qemuNotes, shellJoin } from './qemu.ts';
import type { VmGpuConfig } from './vm-gpu.ts';

export { VM_CONFIG_FORMATS, type VmConfigFormat } from './formats.ts';

/**
 * The configuration in `format`, ending in a newline: shell-quoted arguments on one line
 * (qemu, qemu-full, cloud-hypervisor), XML (libvirt, libvirt-fragment) or YAML (kubevirt).
 *
 * @example
 * renderVmConfig('qemu', config);
 * // -device pcie-root-port,id=vgpuctl-port0,chassis=240 -device vfio-pci,host=0000:01:00.0,…
 */
export function renderVmConfig(format: VmConfigFormat, config: VmGpuConfig, options: QemuFullOptions = {}): string {
  switch (format) {
    case 'qemu':
      return `${shellJoin(qemuDeviceArgs(config))}\n`;
    case 'qemu-full':
      return `${shellJoin(qemuFullArgs(config, options))}\n`;
    case 'libvirt':
      return libvirtDomain(config);
    case 'libvirt-fragment':
      return libvirtFragment(config);
    case 'cloud-hypervisor':
      return `${shellJoin(cloudHypervisorArgs(config))}\n`;
    case 'kubevirt':
      return kubevirtYaml(config);
  }
}

/** What a person using the configuration in `format` should know. */
export function vmConfigNotes(format: VmConfigFormat, config: VmGpuConfig): string[] {
  switch (format) {
    case 'qemu':
    case 'qemu-full':
      return qemuNotes(config);
    case 'libvirt':
    case 'libvirt-fragment':
      return libvirtNotes(config);
    case 'cloud-hypervisor':
      return cloudHypervisorNotes(config);
    case 'kubevirt':
      return kubevirtNotes(config);
  }
}
