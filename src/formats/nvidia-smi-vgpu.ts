/**
 * Reads `nvidia-smi vgpu -ghm`: per GPU, a `GPU <bus id>` line and its
 * `Heterogeneous Mode : Enabled|Disabled` (NVIDIA's name for mixed-size mode).
 */

/** Mixed-size mode per PCI address (`0000:41:00.0`); GPUs printing N/A are left out. */
export function parseHeterogeneousMode(text: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  let gpu: string | undefined;
  for (const line of text.split('\n')) {
    const header = /^GPU\s+([0-9A-Fa-f]{4,8}):([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2})\.([0-7])\s*$/.exec(line.trim());
    if (header !== null) {
      const [, domain, bus, device, fn] = header as unknown as [string, string, string, string, string];
      gpu = `${domain.slice(-4)}:${bus}:${device}.${fn}`.toLowerCase();
      continue;
    }
    const mode = /^\s*Heterogeneous Mode\s*:\s*(Enabled|Disabled)\s*$/i.exec(line);
    if (mode !== null && gpu !== undefined) out.set(gpu, (mode[1] as string).toLowerCase() === 'enabled');
  }
  return out;
}
