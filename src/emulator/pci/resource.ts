/**
 * The `resource` file and BAR placement: one `start end flags` line per resource index
 * (drivers/pci/pci-sysfs.c resource_show; index layout from include/linux/pci.h).
 */
import type { BarModel } from '../catalog/pci-model.ts';

/** A resource as the kernel tracks it (struct resource): inclusive range and IORESOURCE_* flags. */
export interface PciResource {
  start: bigint;
  end: bigint;
  flags: number;
}

// include/linux/ioport.h
const IORESOURCE_IO = 0x00000100;
const IORESOURCE_MEM = 0x00000200;
const IORESOURCE_PREFETCH = 0x00002000;
const IORESOURCE_READONLY = 0x00004000;
const IORESOURCE_SIZEALIGN = 0x00040000;
const IORESOURCE_MEM_64 = 0x00100000;

/** Resource slots with CONFIG_PCI_IOV: BARs 0–5, ROM 6, SR-IOV BARs 7–12, bridge windows 13–16. */
export const PCI_ROM_RESOURCE = 6;
export const PCI_IOV_RESOURCES = 7;
export const PCI_BRIDGE_RESOURCES = 13;
const ENDPOINT_LINES = 13;
const BRIDGE_LINES = 17;

/** IORESOURCE flags of a BAR, including the low BAR-type bits the kernel keeps (pci_parse_bar_flags). */
export function barFlags(bar: Pick<BarModel, 'kind' | 'prefetchable'>): number {
  if (bar.kind === 'io') return IORESOURCE_IO | IORESOURCE_SIZEALIGN | 0x1;
  let flags = IORESOURCE_MEM | IORESOURCE_SIZEALIGN;
  if (bar.prefetchable) flags |= IORESOURCE_PREFETCH | 0x8;
  if (bar.kind === 'mem64') flags |= IORESOURCE_MEM_64 | 0x4;
  return flags;
}

/** Flags of an expansion ROM resource. */
export const ROM_FLAGS = IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_READONLY | IORESOURCE_SIZEALIGN;

function hex16(value: bigint | number): string {
  return `0x${BigInt(value).toString(16).padStart(16, '0')}`;
}

/** Renders `resource`: 13 lines for endpoints, 17 for bridges; empty slots are three zeros. */
export function formatResourceFile(resources: ReadonlyMap<number, PciResource>, bridge: boolean): string {
  const lines = bridge ? BRIDGE_LINES : ENDPOINT_LINES;
  let out = '';
  for (let i = 0; i < lines; i++) {
    const r = resources.get(i);
    out +=
      r === undefined
        ? `${hex16(0)} ${hex16(0)} ${hex16(0)}\n`
        : `${hex16(r.start)} ${hex16(r.end)} ${hex16(r.flags)}\n`;
  }
  return out;
}

/**
 * Deterministic firmware-like address allocator: non-prefetchable MMIO below 4 GiB,
 * prefetchable MMIO high, I/O ports from 0x3000; each range naturally aligned.
 */
export class AddressAllocator {
  private mmio32 = 0x9000_0000n;
  private mmio64 = 0x38_0000_0000_00n;
  private io = 0x3000n;

  /** Allocates a naturally aligned range for a region of `size` bytes. */
  allocate(kind: BarModel['kind'], prefetchable: boolean, size: number): bigint {
    const len = BigInt(size);
    const align = (cursor: bigint): bigint => ((cursor + len - 1n) / len) * len;
    if (kind === 'io') {
      const start = align(this.io);
      this.io = start + len;
      return start;
    }
    if (prefetchable) {
      const start = align(this.mmio64);
      this.mmio64 = start + len;
      return start;
    }
    const start = align(this.mmio32);
    this.mmio32 = start + len;
    return start;
  }

  /** Starts a new bridge window: memory windows have 1 MiB granularity (PCI-to-PCI bridge spec). */
  startWindow(): void {
    const mib = 0x10_0000n;
    this.mmio32 = ((this.mmio32 + mib - 1n) / mib) * mib;
    this.mmio64 = ((this.mmio64 + mib - 1n) / mib) * mib;
  }
}
