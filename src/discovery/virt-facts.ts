/**
 * Host facts that only `vgpuctl doctor` needs, beyond the inventory: interrupt remapping,
 * VFIO module parameters, `/dev/vfio` permissions, firmware IOMMU tables, framebuffer
 * consoles, and the NVIDIA vGPU manager's daemons and units. Every value is read through
 * the port; null (or "unknown") means the host does not say.
 */
import { z } from 'zod';
import { parseCmdline } from '../core/sysfs-formats.ts';
import type { HostPort } from '../host/host-port.ts';
import { isHostError } from '../host/host-port.ts';
import { readProcessTable } from './process-table.ts';
import { SysfsReader } from './sysfs-reader.ts';

export const VirtFacts = z.object({
  /** Whether the IOMMU remaps interrupts: VFIO refuses to assign devices without it (vfio_iommu_type1). */
  irqRemapping: z.object({
    state: z.enum(['enabled', 'disabled', 'supported', 'unknown']),
    /** What the verdict rests on, for the message. */
    evidence: z.string().nullable(),
  }),
  /** ACPI tables that announce an IOMMU to the kernel; null when /sys/firmware/acpi is not readable. */
  acpi: z.object({ dmar: z.boolean(), ivrs: z.boolean() }).nullable(),
  vfioParameters: z.object({
    /** vfio_iommu_type1 allow_unsafe_interrupts (Y/N). */
    allowUnsafeInterrupts: z.boolean().nullable(),
    /** vfio_pci enable_sriov (Y/N): vfio-pci creates VFs only with it. */
    enableSriov: z.boolean().nullable(),
  }),
  /** `/dev/vfio` entries: the container node and one node per VFIO-owned group. */
  devVfio: z.array(z.object({ path: z.string(), kind: z.string(), mode: z.number().int() })),
  /** Loaded KVM modules (kvm, kvm_intel, kvm_amd). */
  kvmModules: z.array(z.string()),
  consoles: z.object({
    /** Whether the host exposes /sys/class/vtconsole and /sys/class/graphics at all. */
    known: z.boolean(),
    /** Virtual-terminal console drivers: `(M) frame buffer device` bound means fbcon owns a framebuffer. */
    vtconsoles: z.array(z.object({ id: z.string(), name: z.string(), bound: z.boolean() })),
    /** Framebuffers: `fb0` named `EFI VGA` on device `efi-framebuffer.0`, or `i915drmfb` on a PCI function. */
    framebuffers: z.array(z.object({ id: z.string(), name: z.string().nullable(), device: z.string().nullable() })),
  }),
  /** Daemons of the NVIDIA host driver and whether they run (by /proc/<pid>/comm). */
  daemons: z.array(z.object({ name: z.string(), pids: z.array(z.number().int()) })),
  /** systemd units of the NVIDIA vGPU manager and whether their unit files are installed. */
  units: z.array(z.object({ name: z.string(), installed: z.boolean() })),
});
export type VirtFacts = z.infer<typeof VirtFacts>;

/** nvidia-persistenced keeps /dev/nvidia* open; nvidia-vgpud publishes mdev types; nvidia-vgpu-mgr runs each vGPU. */
const NVIDIA_DAEMONS = ['nvidia-persistenced', 'nvidia-vgpud', 'nvidia-vgpu-mgr'];
const NVIDIA_UNITS = ['nvidia-vgpud.service', 'nvidia-vgpu-mgr.service'];
const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];

/** Reads the doctor's host facts through the port. */
export async function readVirtFacts(host: HostPort): Promise<VirtFacts> {
  const sysfs = new SysfsReader(host);
  const [irqRemapping, acpi, allowUnsafe, enableSriov, devVfio, modules, consoles, processes, units] =
    await Promise.all([
      readIrqRemapping(sysfs),
      readAcpi(sysfs),
      sysfs.text('/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts'),
      sysfs.text('/sys/module/vfio_pci/parameters/enable_sriov'),
      readDevVfio(host),
      sysfs.list('/sys/module'),
      readConsoles(sysfs),
      readProcessTable(sysfs, { allCommands: true, watch: null }),
      Promise.all(
        NVIDIA_UNITS.map(async (name) => ({
          name,
          installed: (await Promise.all(UNIT_DIRS.map((dir) => sysfs.exists(`${dir}/${name}`)))).some(Boolean),
        })),
      ),
    ]);
  return VirtFacts.parse({
    irqRemapping,
    acpi,
    vfioParameters: { allowUnsafeInterrupts: yesNo(allowUnsafe), enableSriov: yesNo(enableSriov) },
    devVfio,
    kvmModules: ['kvm', 'kvm_intel', 'kvm_amd'].filter((m) => modules.includes(m)),
    consoles,
    // comm holds at most 15 characters (TASK_COMM_LEN 16): "nvidia-persiste".
    daemons: NVIDIA_DAEMONS.map((name) => ({
      name,
      pids: processes.filter((p) => p.command !== null && p.command === name.slice(0, 15)).map((p) => p.pid),
    })),
    units,
  });
}

/** Module parameters print bool as `Y`/`N` (kernel/params.c param_get_bool). */
function yesNo(text: string | null): boolean | null {
  if (text === 'Y' || text === '1') return true;
  if (text === 'N' || text === '0') return false;
  return null;
}

async function readIrqRemapping(sysfs: SysfsReader): Promise<VirtFacts['irqRemapping']> {
  const cmdline = parseCmdline((await sysfs.text('/proc/cmdline')) ?? '');
  // drivers/iommu/irq_remapping.c setup_irqremap: "intremap=off" disables remapping.
  if (cmdline.get('intremap') === 'off')
    return { state: 'disabled', evidence: 'intremap=off on the kernel command line' };
  const interrupts = await sysfs.text('/proc/interrupts');
  if (interrupts !== null) {
    // Remapped interrupts are listed with an "IR-" chip prefix: IR-PCI-MSI, IR-IO-APIC.
    return /\bIR-/.test(interrupts)
      ? { state: 'enabled', evidence: '/proc/interrupts lists remapped (IR-) interrupts' }
      : { state: 'disabled', evidence: '/proc/interrupts lists no remapped (IR-) interrupts' };
  }
  for (const unit of await sysfs.list('/sys/class/iommu')) {
    const ecap = await sysfs.text(`/sys/class/iommu/${unit}/intel-iommu/ecap`);
    if (ecap === null || !/^(0x)?[0-9a-f]+$/i.test(ecap)) continue;
    // drivers/iommu/intel/iommu.h ecap_ir_support(e): bit 3 of the extended capability register.
    const supported = (BigInt(ecap.startsWith('0x') ? ecap : `0x${ecap}`) >> 3n) & 1n;
    return supported === 1n
      ? { state: 'supported', evidence: `${unit} reports interrupt remapping in its ecap register` }
      : { state: 'disabled', evidence: `${unit} has no interrupt remapping in its ecap register` };
  }
  return { state: 'unknown', evidence: null };
}

async function readAcpi(sysfs: SysfsReader): Promise<VirtFacts['acpi']> {
  const tables = await sysfs.list('/sys/firmware/acpi/tables');
  if (tables.length === 0) return null;
  // Intel VT-d is announced by the DMAR table, AMD-Vi by IVRS; without it the kernel finds no IOMMU.
  return { dmar: tables.includes('DMAR'), ivrs: tables.includes('IVRS') };
}

async function readDevVfio(host: HostPort): Promise<VirtFacts['devVfio']> {
  let names: string[];
  try {
    names = await host.list('/dev/vfio');
  } catch (error) {
    if (isHostError(error)) return [];
    throw error;
  }
  const entries = await Promise.all(
    names
      .filter((name) => name === 'vfio' || /^(noiommu-)?\d+$/.test(name))
      .map(async (name) => {
        const path = `/dev/vfio/${name}`;
        const stat = await host.stat(path);
        return { path, kind: stat.kind, mode: stat.mode };
      }),
  );
  // The container first, then groups by number.
  const rank = (path: string) => (path === '/dev/vfio/vfio' ? -1 : Number(/\d+$/.exec(path)?.[0] ?? 0));
  return entries.sort((a, b) => rank(a.path) - rank(b.path));
}

async function readConsoles(sysfs: SysfsReader): Promise<VirtFacts['consoles']> {
  const [vtNames, fbNames] = await Promise.all([sysfs.list('/sys/class/vtconsole'), sysfs.list('/sys/class/graphics')]);
  const known = (await sysfs.exists('/sys/class/vtconsole')) || (await sysfs.exists('/sys/class/graphics'));
  const vtconsoles = await Promise.all(
    vtNames.map(async (id) => ({
      id,
      name: (await sysfs.text(`/sys/class/vtconsole/${id}/name`)) ?? '',
      bound: (await sysfs.text(`/sys/class/vtconsole/${id}/bind`)) === '1',
    })),
  );
  const framebuffers = await Promise.all(
    fbNames
      .filter((id) => /^fb\d+$/.test(id))
      .map(async (id) => ({
        id,
        name: await sysfs.text(`/sys/class/graphics/${id}/name`),
        device: await sysfs.linkName(`/sys/class/graphics/${id}/device`),
      })),
  );
  return { known, vtconsoles, framebuffers };
}
