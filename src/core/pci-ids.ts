/**
 * A parser for the pci.ids database (the hwdata/pciutils format), so names match lspci's.
 *
 * Format: vendor lines `vvvv  Name`, device lines `\tdddd  Name`, subsystem lines
 * `\t\tssss tttt  Name`; classes `C cc  Name`, subclasses `\tss  Name`, prog-ifs `\t\tpp  Name`.
 */

/** Names resolved for one function; undefined where the database has no entry. */
interface PciNames {
  vendor: string | undefined;
  device: string | undefined;
  subsystem: string | undefined;
}

interface VendorEntry {
  name: string;
  devices: Map<number, { name: string; subsystems: Map<string, string> }>;
}

/** A parsed pci.ids database. */
export interface PciIds {
  /** Names for vendor/device/subsystem ids, as lspci resolves them. */
  names(vendor: number, device: number, subsystemVendor?: number, subsystemDevice?: number): PciNames;
  /** The vendor name alone (used for subsystem vendors). */
  vendorName(vendor: number): string | undefined;
  /** Class and subclass names for a 24-bit class code ("Display controller", "3D controller"). */
  className(classCode: number): { base: string | undefined; sub: string | undefined };
}

const HEX4 = /^[0-9a-fA-F]{4}$/;
const HEX2 = /^[0-9a-fA-F]{2}$/;

/** Parses the text of a pci.ids file. Malformed lines are skipped, as pciutils does. */
export function parsePciIds(text: string): PciIds {
  const vendors = new Map<number, VendorEntry>();
  const classes = new Map<number, { name: string; subs: Map<number, string> }>();
  let vendor: VendorEntry | undefined;
  let device: { name: string; subsystems: Map<string, string> } | undefined;
  let klass: { name: string; subs: Map<number, string> } | undefined;

  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('C ')) {
      const id = line.slice(2, 4);
      if (!HEX2.test(id)) continue;
      klass = { name: line.slice(4).trim(), subs: new Map() };
      classes.set(Number.parseInt(id, 16), klass);
      vendor = undefined;
      device = undefined;
      continue;
    }
    if (line.startsWith('\t\t')) {
      if (device !== undefined) {
        const ids = line.slice(2, 11);
        const [sv, sd] = ids.split(' ');
        if (sv !== undefined && sd !== undefined && HEX4.test(sv) && HEX4.test(sd)) {
          device.subsystems.set(`${sv.toLowerCase()}:${sd.toLowerCase()}`, line.slice(11).trim());
        }
      }
      continue; // prog-if names are not used
    }
    if (line.startsWith('\t')) {
      const id = line.slice(1).split(/\s/, 1)[0] ?? '';
      const name = line.slice(1 + id.length).trim();
      if (vendor !== undefined && HEX4.test(id)) {
        device = { name, subsystems: new Map() };
        vendor.devices.set(Number.parseInt(id, 16), device);
      } else if (klass !== undefined && HEX2.test(id)) {
        klass.subs.set(Number.parseInt(id, 16), name);
      }
      continue;
    }
    const id = line.slice(0, 4);
    if (HEX4.test(id)) {
      vendor = { name: line.slice(4).trim(), devices: new Map() };
      vendors.set(Number.parseInt(id, 16), vendor);
      device = undefined;
      klass = undefined;
    } else {
      // Other top-level sections (e.g. "X" for other ids) end the current vendor/class.
      vendor = undefined;
      klass = undefined;
      device = undefined;
    }
  }

  return {
    names(vendorId, deviceId, subVendor, subDevice) {
      const v = vendors.get(vendorId);
      const d = v?.devices.get(deviceId);
      let subsystem: string | undefined;
      if (subVendor !== undefined && subDevice !== undefined) {
        subsystem = d?.subsystems.get(`${hex4(subVendor)}:${hex4(subDevice)}`);
      }
      return { vendor: v?.name, device: d?.name, subsystem };
    },
    vendorName: (vendorId) => vendors.get(vendorId)?.name,
    className(classCode) {
      const c = classes.get((classCode >> 16) & 0xff);
      return { base: c?.name, sub: c?.subs.get((classCode >> 8) & 0xff) };
    },
  };
}

/**
 * The same database as {@link parsePciIds}, parsing only the sections a lookup needs: a
 * vendor's lines (found by searching for its id at the start of a line) or the class
 * list. pci.ids is 1.3 MB and a command looks up a handful of vendors, so this costs a few
 * searches instead of parsing every line on every run.
 */
export function indexPciIds(text: string): PciIds {
  const vendors = new Map<number, PciIds>();
  let classes: PciIds | undefined;
  const vendor = (id: number): PciIds => {
    let parsed = vendors.get(id);
    if (parsed === undefined) {
      parsed = parsePciIds(section(text, hex4(id)));
      vendors.set(id, parsed);
    }
    return parsed;
  };
  return {
    names: (vendorId, deviceId, subVendor, subDevice) =>
      vendor(vendorId).names(vendorId, deviceId, subVendor, subDevice),
    vendorName: (vendorId) => vendor(vendorId).vendorName(vendorId),
    className(classCode) {
      if (classes === undefined) {
        const at = lineStart(text, 'C ');
        classes = parsePciIds(at === -1 ? '' : text.slice(at));
      }
      return classes.className(classCode);
    },
  };
}

/** The lines of the top-level entry whose line starts with `head`, up to the next top-level line. */
function section(text: string, head: string): string {
  let at = lineStart(text, head);
  // "10de" must be the whole id: the character after it is the separator (never a hex digit).
  while (at !== -1 && /[0-9a-fA-F]/.test(text.charAt(at + head.length))) at = lineStart(text, head, at + 1);
  if (at === -1) return '';
  let end = text.indexOf('\n', at);
  while (end !== -1) {
    const next = text.charAt(end + 1);
    // Device, subsystem, comment and empty lines belong to the section; anything else ends it.
    if (next !== '\t' && next !== '#' && next !== '\n') break;
    end = text.indexOf('\n', end + 1);
  }
  return text.slice(at, end === -1 ? text.length : end);
}

/** Index of the first line at or after `from` that starts with `head`, or -1. */
function lineStart(text: string, head: string, from = 0): number {
  if (from === 0 && text.startsWith(head)) return 0;
  const at = text.indexOf(`\n${head}`, Math.max(0, from - 1));
  return at === -1 ? -1 : at + 1;
}

/** An empty database: every lookup misses, so callers fall back to numeric ids. */
export const NO_PCI_IDS: PciIds = parsePciIds('');

function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}
