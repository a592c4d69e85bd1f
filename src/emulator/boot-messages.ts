/**
 * What a booting kernel of the scenario prints before its devices: version, command line,
 * IOMMU and VFIO initialisation, and what loading NVIDIA's module prints. Each line is the
 * real one's text (source cited); values that vary by machine are left out rather than made up.
 */
import { NVIDIA_DRIVER_VERSION } from './drivers/nvidia/nvidia-smi.ts';
import type { KernelLog } from './kernel-log.ts';
import { KERN } from './kernel-log.ts';
import type { Scenario } from './scenario/schema.ts';

export function bootMessages(log: KernelLog, scenario: Scenario): void {
  // init/version.c linux_banner; arch/x86/kernel/setup.c "Command line: %s".
  log.printk(KERN.notice, `Linux version ${scenario.kernel.release} (vgpuctl emulated kernel) #1 SMP`);
  log.printk(KERN.info, `Command line: ${scenario.kernel.cmdline}`);
  if (scenario.iommu === 'intel') {
    // drivers/iommu/intel/iommu.c intel_iommu_setup ("intel_iommu=on"), irq_remapping.c, intel_iommu_init.
    if (/(^|\s)intel_iommu=on(\s|$)/.test(scenario.kernel.cmdline)) log.printk(KERN.info, 'DMAR: IOMMU enabled');
    log.printk(KERN.info, 'DMAR-IR: Enabled IRQ remapping in x2apic mode');
  } else if (scenario.iommu === 'amd') {
    // drivers/iommu/amd/init.c print_iommu_info / amd_iommu_enable_interrupts.
    log.printk(KERN.info, 'AMD-Vi: Interrupt remapping enabled');
  }
  if (scenario.iommu !== 'off') {
    // drivers/iommu/iommu.c iommu_subsys_init: "iommu=pt" makes the default domain identity.
    const passthrough = /(^|\s)iommu=pt(\s|$)/.test(scenario.kernel.cmdline);
    log.printk(
      KERN.info,
      `iommu: Default domain type: ${passthrough ? 'Passthrough (set via kernel command line)' : 'Translated'}`,
    );
  }
  if (scenario.iommu === 'intel') log.printk(KERN.info, 'DMAR: Intel(R) Virtualization Technology for Directed I/O');
  // drivers/vfio/vfio_main.c vfio_init: DRIVER_DESC " version: " DRIVER_VERSION.
  log.printk(KERN.info, 'VFIO - User Level meta-driver version: 0.3');
}

/** Loading NVIDIA's proprietary module (kernel/module/main.c taint notes; NVRM's banner). */
export function nvidiaModuleMessages(log: KernelLog): void {
  log.printk(KERN.warning, 'nvidia: loading out-of-tree module taints kernel.');
  log.printk(KERN.warning, "nvidia: module license 'NVIDIA' taints kernel.");
  log.printk(KERN.warning, 'Disabling lock debugging due to kernel taint');
  log.printk(KERN.info, `NVRM: loading NVIDIA UNIX x86_64 Kernel Module  ${NVIDIA_DRIVER_VERSION}`);
}
