/**
 * Pure parsers for the text formats the kernel and vendor drivers expose in sysfs and
 * procfs. Each cites where the format comes from; none of them touches the filesystem.
 */

/** One populated BAR from a PCI device's `resource` file. */
export interface PciBar {
  index: number;
  start: string;
  sizeBytes: number;
  kind: 'mem32' | 'mem64' | 'io';
  prefetchable: boolean;
}

// include/linux/ioport.h resource flags.
const IORESOURCE_IO = 0x100;
const IORESOURCE_MEM = 0x200;
const IORESOURCE_PREFETCH = 0x2000;
const IORESOURCE_MEM_64 = 0x100000;

/**
 * Parses `resource` (drivers/pci/pci-sysfs.c resource_show): one `start end flags` line
 * per resource index; indices 0–5 are the BARs. Unused entries are all zero.
 */
export function parseResourceFile(text: string): PciBar[] {
  const bars: PciBar[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < 6 && index < lines.length; index++) {
    const fields = (lines[index] ?? '').trim().split(/\s+/);
    if (fields.length !== 3) continue;
    const [start, end, flags] = fields.map((f) => BigInt(/^0x[0-9a-f]+$/i.test(f) ? f : '0')) as [
      bigint,
      bigint,
      bigint,
    ];
    if (flags === 0n || end < start || (start === 0n && end === 0n)) continue;
    const f = Number(flags & 0xffffffffn);
    const io = (f & IORESOURCE_IO) !== 0;
    if (!io && (f & IORESOURCE_MEM) === 0) continue;
    bars.push({
      index,
      start: `0x${start.toString(16)}`,
      sizeBytes: Number(end - start + 1n),
      kind: io ? 'io' : (f & IORESOURCE_MEM_64) !== 0 ? 'mem64' : 'mem32',
      prefetchable: (f & IORESOURCE_PREFETCH) !== 0,
    });
  }
  return bars;
}

/** Parses a `0x%04x`-style attribute (vendor, device, class, revision). */
export function parseHexAttribute(text: string): number | undefined {
  const value = text.trim();
  return /^0x[0-9a-fA-F]+$/.test(value) ? Number.parseInt(value.slice(2), 16) : undefined;
}

/** Parses a decimal attribute such as `numa_node` (`-1` when unknown) or `sriov_numvfs`. */
export function parseIntAttribute(text: string): number | undefined {
  const value = text.trim();
  return /^-?\d+$/.test(value) ? Number.parseInt(value, 10) : undefined;
}

/**
 * Parses `current_link_speed` (drivers/pci/probe.c pci_speed_string): "16.0 GT/s PCIe"
 * on current kernels, "8 GT/s" on ≤5.6. Returns GT/s, or undefined for "Unknown".
 */
export function parseLinkSpeed(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) GT\/s/.exec(text.trim());
  return m === null ? undefined : Number.parseFloat(m[1] as string);
}

/** The PCIe generation for a link speed in GT/s. */
export function pcieGeneration(gts: number): number | undefined {
  const table: Record<string, number> = { '2.5': 1, '5': 2, '8': 3, '16': 4, '32': 5, '64': 6 };
  return table[String(gts)];
}

/** Kernel command-line parameters (/proc/cmdline) as a map; bare flags map to "". */
export function parseCmdline(text: string): Map<string, string> {
  const params = new Map<string, string>();
  // Quotes group values with spaces (Documentation/admin-guide/kernel-parameters.rst).
  for (const m of text.trim().matchAll(/(?:[^\s"]+|"[^"]*")+/g)) {
    const token = m[0];
    const eq = token.indexOf('=');
    const key = eq < 0 ? token : token.slice(0, eq);
    const value = eq < 0 ? '' : token.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    params.set(key, value);
  }
  return params;
}

/** One entry of NVIDIA's `nvidia/creatable_vgpu_types` on a vendor-VFIO VF. */
export interface CreatableVgpuType {
  id: number;
  name: string;
}

/**
 * Parses `creatable_vgpu_types`: an optional header `ID    : vGPU Name`, then one
 * `<id> : <name>` line per type (NVIDIA vgpu-device-manager pkg/vgpu/vfio).
 */
export function parseCreatableVgpuTypes(text: string): CreatableVgpuType[] {
  const types: CreatableVgpuType[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s*:\s*(.+?)\s*$/.exec(line);
    if (m !== null) types.push({ id: Number.parseInt(m[1] as string, 10), name: m[2] as string });
  }
  return types;
}

/** What seed 000's `vram_info` reports. */
export interface VramInfo {
  gpuName: string | undefined;
  totalMiB: number | undefined;
  physicalMiB: number | undefined;
  virtualMiB: number | undefined;
}

/** Parses `vram_info` ("Total VRAM: 10240 MB (10 GB)" lines). */
export function parseVramInfo(text: string): VramInfo {
  const field = (label: string): number | undefined => {
    const m = new RegExp(`^${label}:\\s*(\\d+)\\s*MB`, 'm').exec(text);
    return m === null ? undefined : Number.parseInt(m[1] as string, 10);
  };
  return {
    gpuName: /^GPU:\s*(.+?)\s*$/m.exec(text)?.[1],
    totalMiB: field('Total VRAM'),
    physicalMiB: field('Physical VRAM'),
    virtualMiB: field('Virtual VRAM'),
  };
}
