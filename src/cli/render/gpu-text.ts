import type { Gpu, MdevParentInfo } from '../../discovery/inventory.ts';

/** A short model name for tables: "Tesla T4" from "TU104GL [Tesla T4]", else the device name or ids. */
export function shortGpuName(gpu: Gpu): string {
  const vendor = shortVendor(gpu.vendor.name);
  const model = gpu.device.name === null ? null : (/\[(.+)\]/.exec(gpu.device.name)?.[1] ?? gpu.device.name);
  return model === null
    ? `${vendor ?? gpu.vendor.id} device ${gpu.device.id}`
    : `${vendor === null ? '' : `${vendor} `}${model}`;
}

function shortVendor(name: string | null): string | null {
  if (name === null) return null;
  return name
    .replace(/\s+(Corporation|Corp\.|Inc\.|Co\.,? Ltd\.?|Limited|Ltd\.)$/i, '')
    .replace(/^Advanced Micro Devices, Inc\. \[AMD\/ATI\]$/, 'AMD');
}

/** "10 GiB (8 GiB + 2 GiB virtual)", "15 GiB", or "unknown". */
export function formatVram(vram: Gpu['vram']): string {
  if (vram.totalMiB === null) return 'unknown';
  const total = formatMiB(vram.totalMiB);
  if (vram.virtualMiB !== null && vram.virtualMiB > 0 && vram.physicalMiB !== null) {
    return `${total} (${formatMiB(vram.physicalMiB)} + ${formatMiB(vram.virtualMiB)} virtual)`;
  }
  return total;
}

/** MiB as "512 MiB", "2 GiB", "1.5 GiB". */
export function formatMiB(mib: number): string {
  if (mib < 1024) return `${mib} MiB`;
  const gib = mib / 1024;
  return `${Number(gib.toFixed(1))} GiB`;
}

/** Bytes as the largest exact binary unit ("16M", "256G"), as lspci prints region sizes. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['T', 2 ** 40],
    ['G', 2 ** 30],
    ['M', 2 ** 20],
    ['K', 2 ** 10],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}`;
}

/** What the GPU offers for virtualization, in a few words. */
export function describeVirtualization(gpu: Gpu): string {
  const parts: string[] = [];
  if (gpu.sriov !== null) {
    parts.push(`SR-IOV ${gpu.sriov.numVfs}/${gpu.sriov.totalVfs} VFs`);
    const vendorVfs = gpu.sriov.vfs.filter((vf) => vf.vgpu !== null);
    if (vendorVfs.length > 0) {
      parts.push(`vGPU ${vendorVfs.filter((vf) => vf.vgpu?.currentTypeId !== null).length} on VFs`);
    }
    const mdevVfs = gpu.sriov.vfs.filter((vf) => vf.mdev !== null);
    if (mdevVfs.length > 0) parts.push(`mdev on ${mdevVfs.length} VFs`);
  }
  if (gpu.mdev !== null) parts.push(describeMdev(gpu.mdev));
  if (gpu.mig !== null && gpu.mig.current !== 'N/A') parts.push(`MIG ${gpu.mig.current.toLowerCase()}`);
  return parts.length === 0 ? '-' : parts.join(', ');
}

/** "mdev: 17 types, 2 vGPUs". */
export function describeMdev(parent: MdevParentInfo): string {
  const n = parent.instances.length;
  return `mdev: ${parent.types.length} type${parent.types.length === 1 ? '' : 's'}, ${n} vGPU${n === 1 ? '' : 's'}`;
}
