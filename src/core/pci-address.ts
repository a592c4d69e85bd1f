import { VgpuctlError } from './errors.ts';

/** A canonical PCI function address, `dddd:bb:dd.f` in lower-case hex (e.g. `0000:3b:00.0`). */
export type PciAddress = string & { readonly __brand: 'PciAddress' };

const FULL = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;
const SHORT = /^([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;

/**
 * Parses a PCI address as users type it: full (`0000:3B:00.0`) or without the domain
 * (`3b:00.0`, as lspci prints it). Device numbers above 0x1f are rejected (5 bits).
 *
 * @example
 * parsePciAddress('3b:00.0'); // '0000:3b:00.0'
 */
export function parsePciAddress(input: string): PciAddress {
  const text = input.trim();
  const full = FULL.exec(text);
  const short = full === null ? SHORT.exec(text) : null;
  const parts = full !== null ? full.slice(1) : short !== null ? ['0000', ...short.slice(1)] : undefined;
  if (parts === undefined || Number.parseInt(parts[2] as string, 16) > 0x1f) {
    throw new VgpuctlError('INVALID_PCI_ADDRESS', `Cannot parse PCI address "${clip(input)}": expected dddd:bb:dd.f`, {
      hint: 'Use the form lspci -D prints, for example 0000:3b:00.0',
    });
  }
  const [domain, bus, device, fn] = parts as [string, string, string, string];
  return `${domain.toLowerCase()}:${bus.toLowerCase()}:${device.toLowerCase()}.${fn}` as PciAddress;
}

/** True when `input` is already a canonical PCI address (as sysfs names devices). */
export function isPciAddress(input: string): input is PciAddress {
  const m = FULL.exec(input);
  return m !== null && input === input.toLowerCase() && Number.parseInt(m[3] as string, 16) <= 0x1f;
}

/** Orders PCI addresses numerically (domain, bus, device, function). */
export function comparePciAddress(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0; // fixed-width lower-case hex sorts numerically as text
}

/** The slot part shared by all functions of a device: `0000:01:00`. */
export function pciSlot(address: PciAddress): string {
  return address.slice(0, address.lastIndexOf('.'));
}

/** Shortens user input for messages, so a pasted blob does not flood the terminal. */
export function clip(input: string, max = 64): string {
  const printable = input.replace(/[\u0000-\u001f\u007f]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

/** A PCI address as numbers, for address arithmetic. */
export interface Bdf {
  domain: number;
  bus: number;
  device: number;
  fn: number;
}

/** Splits a canonical address (`0000:3b:00.0`) into numbers; the caller has validated the form. */
export function parseBdf(address: string): Bdf {
  const match = FULL.exec(address);
  if (match === null) throw new Error(`not a PCI address: ${address}`);
  return {
    domain: Number.parseInt(match[1] as string, 16),
    bus: Number.parseInt(match[2] as string, 16),
    device: Number.parseInt(match[3] as string, 16),
    fn: Number(match[4]),
  };
}

/** Formats an address as the kernel names PCI devices (`%04x:%02x:%02x.%d`). */
export function formatBdf(bdf: Bdf): PciAddress {
  const hex = (value: number, width: number): string => value.toString(16).padStart(width, '0');
  return `${hex(bdf.domain, 4)}:${hex(bdf.bus, 2)}:${hex(bdf.device, 2)}.${bdf.fn}` as PciAddress;
}

/**
 * The address of VF `index` of a PF: devfn + offset + stride·index, spilling to higher buses
 * (drivers/pci/iov.c pci_iov_virtfn_bus/devfn).
 */
export function vfAddress(pf: string, offset: number, stride: number, index: number): PciAddress {
  const bdf = parseBdf(pf);
  const devfn = ((bdf.device << 3) | bdf.fn) + offset + stride * index;
  return formatBdf({ domain: bdf.domain, bus: bdf.bus + (devfn >> 8), device: (devfn >> 3) & 0x1f, fn: devfn & 7 });
}
