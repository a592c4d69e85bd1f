/** CPU masks as the kernel prints them for local_cpus/local_cpulist (lib/bitmap.c bitmap_print_to_pagebuf). */

/** The emulated topology: 2 NUMA nodes of 16 CPUs each. */
const CPUS_PER_NODE = 16;
export const NUMA_NODES = 2;
const NR_CPUS = CPUS_PER_NODE * NUMA_NODES;

function cpusOf(node: number): number[] {
  if (node < 0 || node >= NUMA_NODES) return Array.from({ length: NR_CPUS }, (_, i) => i);
  return Array.from({ length: CPUS_PER_NODE }, (_, i) => node * CPUS_PER_NODE + i);
}

/** `%*pb`: 32-bit hex words, most significant first, comma separated. */
export function cpumaskHex(node: number): string {
  const words = Math.ceil(NR_CPUS / 32);
  const bits = new Array<number>(words).fill(0);
  for (const cpu of cpusOf(node)) bits[cpu >> 5] = ((bits[cpu >> 5] ?? 0) | (1 << (cpu & 31))) >>> 0;
  const digits = Math.ceil(Math.min(NR_CPUS, 32) / 4);
  return bits
    .reverse()
    .map((word, i) => word.toString(16).padStart(i === 0 ? Math.ceil((NR_CPUS - 32 * (words - 1)) / 4) : digits, '0'))
    .join(',');
}

/** `%*pbl`: ranges such as `0-15`. */
export function cpulist(node: number): string {
  const cpus = cpusOf(node);
  const first = cpus[0] ?? 0;
  const last = cpus[cpus.length - 1] ?? 0;
  return first === last ? `${first}` : `${first}-${last}`;
}
