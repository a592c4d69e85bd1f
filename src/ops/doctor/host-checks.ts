/**
 * Host checks every virtualization mode depends on: KVM, the IOMMU (firmware table, kernel
 * parameters), interrupt remapping, the VFIO modules and `/dev/vfio`.
 */
import { type CheckOutcome, fail, type HostCheck, pass, skip, warn } from './check.ts';

const IOMMU_NAMES = { intel: 'Intel VT-d (DMAR)', amd: 'AMD-Vi', other: 'an IOMMU' } as const;

/** /dev/kvm and the vendor KVM module. */
const kvmCheck: HostCheck = {
  id: 'kvm',
  section: 'host',
  run({ inventory, virt }) {
    const vendor = virt.kvmModules.find((m) => m !== 'kvm');
    if (inventory.host.kvm.available) {
      return pass(`KVM is available: /dev/kvm exists${vendor === undefined ? '' : `, ${vendor} is loaded`}`);
    }
    return fail(
      'KVM is not available: /dev/kvm is missing',
      virt.kvmModules.includes('kvm')
        ? 'Load kvm_intel or kvm_amd; if it refuses, enable VT-x/AMD-V in the firmware setup ("disabled by bios" in dmesg)'
        : 'Enable VT-x/AMD-V in the firmware setup and load the KVM module: modprobe kvm_intel (or kvm_amd)',
    );
  },
};

/** IOMMU groups exist: the firmware announced an IOMMU and the kernel enabled it. */
const iommuCheck: HostCheck = {
  id: 'iommu',
  section: 'host',
  run({ inventory, virt }) {
    const host = inventory.host;
    if (host.iommu.enabled) {
      return pass(
        `IOMMU is on: ${host.iommu.driver === null ? 'an IOMMU' : IOMMU_NAMES[host.iommu.driver]}, ${host.iommu.groups} groups`,
      );
    }
    const off = ['intel_iommu', 'amd_iommu'].find((flag) => host.cmdlineFlags[flag] === 'off');
    if (off !== undefined) {
      return fail(
        `IOMMU is off: the kernel command line has ${off}=off`,
        `Replace ${off}=off with ${off === 'intel_iommu' ? 'intel_iommu=on' : 'amd_iommu=on'} (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub) and reboot`,
      );
    }
    if (virt.acpi !== null && !virt.acpi.dmar && !virt.acpi.ivrs) {
      return fail(
        'IOMMU is off: the firmware announces none (no ACPI DMAR or IVRS table)',
        'Enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup, then boot with intel_iommu=on on Intel',
      );
    }
    if (virt.acpi?.dmar === true) {
      return fail(
        'IOMMU is off: the firmware has a DMAR table, but the kernel did not enable VT-d',
        'Add intel_iommu=on to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub) and reboot',
      );
    }
    return fail(
      'IOMMU is off: /sys/kernel/iommu_groups is empty',
      'Enable VT-d (Intel) or AMD-Vi (AMD) in the firmware setup and boot with intel_iommu=on on Intel (AMD enables it by default)',
    );
  },
};

/** Kernel parameters that weaken isolation or surprise users. */
const kernelCmdlineCheck: HostCheck = {
  id: 'kernel-cmdline',
  section: 'host',
  run({ inventory }) {
    const flags = inventory.host.cmdlineFlags;
    const shown = Object.entries(flags)
      .map(([key, value]) => (value === '' ? key : `${key}=${value}`))
      .join(' ');
    if ('pcie_acs_override' in flags) {
      return warn(
        `pcie_acs_override=${flags.pcie_acs_override} splits IOMMU groups without hardware isolation: devices in "separate" groups may still reach each other's memory`,
        'Prefer a slot or board whose PCIe ports support ACS; keep the override only if you accept that risk',
      );
    }
    if (flags['vfio_iommu_type1.allow_unsafe_interrupts'] === '1') {
      return warn(
        'vfio_iommu_type1.allow_unsafe_interrupts=1 lets VMs use devices without interrupt remapping: a VM could forge interrupts',
        'Enable interrupt remapping in the firmware and drop the parameter',
      );
    }
    return pass(shown === '' ? 'No IOMMU-related kernel parameters' : `Kernel parameters: ${shown}`);
  },
};

/** Interrupt remapping: vfio_iommu_type1 refuses to attach devices without it. */
const interruptRemappingCheck: HostCheck = {
  id: 'interrupt-remapping',
  section: 'host',
  run({ inventory, virt }): CheckOutcome {
    if (!inventory.host.iommu.enabled) return skip('Needs the IOMMU, which is off');
    const { state, evidence } = virt.irqRemapping;
    switch (state) {
      case 'enabled':
        return pass(`Interrupt remapping is on: ${evidence}`);
      case 'supported':
        return pass(`Interrupt remapping is supported: ${evidence}`);
      case 'disabled':
        if (virt.vfioParameters.allowUnsafeInterrupts === true) {
          return warn(
            `Interrupt remapping is off (${evidence}) and vfio_iommu_type1 allows unsafe interrupts: a VM could forge interrupts`,
            'Enable interrupt remapping (x2APIC/VT-d in the firmware setup, no intremap=off) and unset allow_unsafe_interrupts',
          );
        }
        return fail(
          `Interrupt remapping is off (${evidence}): vfio_iommu_type1 refuses to attach devices without it`,
          'Enable it in the firmware setup and drop intremap=off; as a last resort load vfio_iommu_type1 with allow_unsafe_interrupts=1',
        );
      case 'unknown':
        return warn(
          'Cannot tell whether interrupts are remapped: /proc/interrupts is unreadable and the IOMMU shows no capability registers',
          'Look for "DMAR-IR: Enabled IRQ remapping" or "AMD-Vi: Interrupt remapping enabled" in dmesg',
        );
    }
  },
};

/** vfio-pci registered and the VFIO container available. */
const vfioModulesCheck: HostCheck = {
  id: 'vfio-modules',
  section: 'host',
  run({ inventory }) {
    const vfio = inventory.host.vfio;
    const registered = inventory.pciDrivers?.includes('vfio-pci') ?? vfio.modules.includes('vfio_pci');
    const missing = [
      ...(vfio.loaded ? [] : ['vfio']),
      ...(registered ? [] : ['vfio_pci']),
      ...(vfio.modules.includes('vfio_iommu_type1') || vfio.container ? [] : ['vfio_iommu_type1']),
    ];
    if (missing.length === 0) {
      const loaded = vfio.modules.filter((m) => ['vfio', 'vfio_pci', 'vfio_pci_core', 'vfio_iommu_type1'].includes(m));
      return pass(`VFIO is ready: ${loaded.join(', ')} loaded; vfio-pci is registered`);
    }
    return fail(
      `VFIO is not ready: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not loaded`,
      'modprobe vfio-pci (loads vfio and vfio_iommu_type1 too); to load it at boot: echo vfio-pci > /etc/modules-load.d/vfio.conf',
    );
  },
};

/** The VFIO container node and group nodes, with their permissions. */
const devVfioCheck: HostCheck = {
  id: 'dev-vfio',
  section: 'host',
  run({ inventory, virt }) {
    const container = virt.devVfio.find((e) => e.path === '/dev/vfio/vfio');
    if (container === undefined) {
      if (!inventory.host.vfio.loaded) return skip('VFIO is not loaded');
      return fail(
        '/dev/vfio/vfio is missing although VFIO is loaded',
        'Check that devtmpfs is mounted on /dev and udev is running',
      );
    }
    const groups = virt.devVfio.filter((e) => e !== container);
    const groupText =
      groups.length === 0
        ? 'no group is bound to VFIO yet'
        : `group nodes ${groups.map((g) => `${g.path} (${octal(g.mode)})`).join(', ')}: root only, libvirt hands them to QEMU`;
    if ((container.mode & 0o006) !== 0o006) {
      return warn(
        `/dev/vfio/vfio is ${octal(container.mode)}: only its owner can open the VFIO container`,
        'The kernel creates it 0666; find the udev rule that changed it, or chmod 0666 /dev/vfio/vfio',
      );
    }
    return pass(`/dev/vfio/vfio is ${octal(container.mode)}; ${groupText}`);
  },
};

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** The host checks, in report order. */
export const HOST_CHECKS: readonly HostCheck[] = [
  kvmCheck,
  iommuCheck,
  kernelCmdlineCheck,
  interruptRemappingCheck,
  vfioModulesCheck,
  devVfioCheck,
];
