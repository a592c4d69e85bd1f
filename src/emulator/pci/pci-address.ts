/** PCI address arithmetic for the emulated bus (domain:bus:device.function). */

/** A parsed PCI address. */
export interface Bdf {
  domain: number;
  bus: number;
  device: number;
  fn: number;
}

/** Parses `0000:3b:00.0`; the caller has validated the form. */
export function parseBdf(address: string): Bdf {
  const match = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/.exec(address);
  if (match === null) throw new Error(`not a PCI address: ${address}`);
  return {
    domain: Number.parseInt(match[1] as string, 16),
    bus: Number.parseInt(match[2] as string, 16),
    device: Number.parseInt(match[3] as string, 16),
    fn: Number(match[4]),
  };
}

/** Formats an address as the kernel names PCI devices (`%04x:%02x:%02x.%d`). */
export function formatBdf(bdf: Bdf): string {
  const hex = (value: number, width: number): string => value.toString(16).padStart(width, '0');
  return `${hex(bdf.domain, 4)}:${hex(bdf.bus, 2)}:${hex(bdf.device, 2)}.${bdf.fn}`;
}

/** The address of VF `index` of a PF: devfn + offset + stride·index, spilling to higher buses (drivers/pci/iov.c pci_iov_virtfn_bus/devfn). */
export function vfAddress(pf: string, offset: number, stride: number, index: number): string {
  const bdf = parseBdf(pf);
  const devfn = ((bdf.device << 3) | bdf.fn) + offset + stride * index;
  return formatBdf({ domain: bdf.domain, bus: bdf.bus + (devfn >> 8), device: (devfn >> 3) & 0x1f, fn: devfn & 7 });
}
