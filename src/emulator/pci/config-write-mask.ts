/**
 * Which bits of configuration space a write may change, as hardware implements them: the
 * read/write bits of the header and of the capabilities' control registers. Identity (vendor,
 * device, class, revision, subsystem), capability ids and pointers, capability registers
 * and status are read-only. Status registers' write-1-to-clear bits are left out too: the
 * emulated device never sets them, so a write of 1 leaves them 0 exactly as clearing would.
 * Register layouts: PCI Local Bus 3.0 §6.2, PCI Express Base 4.0 §7.5, SR-IOV 1.1 §3.3;
 * offsets as include/uapi/linux/pci_regs.h names them.
 */
import type { ConfigBar } from './config-space.ts';
import { CAP_ID, CFG_SPACE_EXP_SIZE, EXT_CAP_ID } from './config-space.ts';

/** What the mask depends on besides the capability lists found in `config`. */
export interface WriteMaskInput {
  headerType: 0 | 1;
  /** BARs as implemented: a BAR's address bits below its size read as zero (BAR sizing). */
  bars: readonly ConfigBar[];
  romSize?: number;
  /** A VF's Memory Space bit is read-only zero (the PF's VF MSE decides; SR-IOV §3.4.1.3). */
  isVf: boolean;
}

function put16(mask: Buffer, at: number, bits: number): void {
  mask.writeUInt16LE(bits & 0xffff, at);
}

function put32(mask: Buffer, at: number, bits: number): void {
  mask.writeUInt32LE(bits >>> 0, at);
}

function barMask(mask: Buffer, at: number, bar: ConfigBar): void {
  const size = BigInt(Math.max(bar.size, bar.kind === 'io' ? 4 : 16));
  const address = ~(size - 1n);
  put32(mask, at, Number(address & (bar.kind === 'io' ? 0xfffffffcn : 0xfffffff0n)));
  if (bar.kind === 'mem64') put32(mask, at + 4, Number((address >> 32n) & 0xffffffffn));
}

/** The 4096-byte write mask of a function whose current config space is `config`. */
export function configWriteMask(config: Buffer, input: WriteMaskInput): Buffer {
  const mask = Buffer.alloc(CFG_SPACE_EXP_SIZE);
  // PCI_COMMAND: I/O, memory, bus master, parity, SERR#, INTx disable.
  // A VF's Memory Space bit, and the I/O Space bit of a function without I/O BARs, are read-only zero.
  const hasIo = input.bars.some((bar) => bar.kind === 'io');
  put16(mask, 0x04, input.isVf ? 0x0544 : hasIo ? 0x0547 : 0x0546);
  mask[0x0c] = 0xff; // PCI_CACHE_LINE_SIZE
  mask[0x3c] = 0xff; // PCI_INTERRUPT_LINE
  const barSlots = input.headerType === 1 ? 2 : 6;
  if (!input.isVf) for (const bar of input.bars) if (bar.index < barSlots) barMask(mask, 0x10 + 4 * bar.index, bar);
  if (input.headerType === 0) {
    // PCI_ROM_ADDRESS: address bits above the ROM's size, and the enable bit.
    if (input.romSize !== undefined) put32(mask, 0x30, (~(input.romSize - 1) & 0xfffff800) | 0x1);
  } else {
    // Bridge bus numbers, secondary latency, I/O, memory and prefetchable windows, bridge control.
    for (let at = 0x18; at <= 0x1b; at++) mask[at] = 0xff;
    mask[0x1c] = 0xf0;
    mask[0x1d] = 0xf0;
    put16(mask, 0x20, 0xfff0);
    put16(mask, 0x22, 0xfff0);
    put16(mask, 0x24, 0xfff0);
    put16(mask, 0x26, 0xfff0);
    put32(mask, 0x28, 0xffffffff);
    put32(mask, 0x2c, 0xffffffff);
    put32(mask, 0x30, 0xffffffff);
    put16(mask, 0x3e, 0x0fff);
  }
  for (let at = config[0x34] ?? 0, seen = 0; at !== 0 && seen < 48; at = config[at + 1] ?? 0, seen++) {
    switch (config[at]) {
      case CAP_ID.pm:
        put16(mask, at + 4, 0x0103); // PMCSR: PowerState, PME_En
        break;
      case CAP_ID.msi: {
        const is64 = ((config[at + 2] ?? 0) & 0x80) !== 0;
        put16(mask, at + 2, 0x0071); // MSI Enable, Multiple Message Enable
        put32(mask, at + 4, 0xfffffffc); // Message Address
        if (is64) put32(mask, at + 8, 0xffffffff);
        put16(mask, at + (is64 ? 0x0c : 0x08), 0xffff); // Message Data
        break;
      }
      case CAP_ID.msix:
        put16(mask, at + 2, 0xc000); // MSI-X Enable, Function Mask
        break;
      case CAP_ID.pcie: {
        const rootPort = (((config[at + 2] ?? 0) >> 4) & 0xf) === 4;
        put16(mask, at + 0x08, 0x7fff); // DevCtl (bit 15, Initiate FLR, reads 0)
        put16(mask, at + 0x10, 0x0fdb); // LnkCtl (bit 5, Retrain Link, reads 0)
        if (rootPort) put16(mask, at + 0x18, 0x1fff); // SltCtl
        if (rootPort) put16(mask, at + 0x1c, 0x001f); // RootCtl
        put16(mask, at + 0x28, 0x003f); // DevCtl2: completion timeout, ARI forwarding
        put16(mask, at + 0x30, 0x003f); // LnkCtl2: target speed, compliance, HASD
        break;
      }
      default:
        break; // capabilities the emulated functions do not implement have no writable bits here
    }
  }
  for (let at = 0x100, seen = 0; at !== 0 && at < CFG_SPACE_EXP_SIZE && seen < 64; seen++) {
    const header = config.readUInt32LE(at);
    if (header === 0) break;
    if ((header & 0xffff) === EXT_CAP_ID.acs) put16(mask, at + 6, 0x007f); // ACS Control
    // SR-IOV Control and NumVFs stay read-only here: VFs are the kernel's to enable
    // (drivers/pci/iov.c sriov_enable, through sriov_numvfs); a raw write behind its back
    // would leave VFs the kernel does not know.
    at = header >>> 20;
  }
  return mask;
}

/** Applies one write of `data` at `offset` to the written bits kept in `values`/`written`. */
export function applyConfigWrite(
  values: Buffer,
  written: Buffer,
  mask: Buffer,
  offset: number,
  data: Uint8Array,
): void {
  for (let i = 0; i < data.length && offset + i < mask.length; i++) {
    const at = offset + i;
    const bits = mask[at] ?? 0;
    values[at] = ((values[at] ?? 0) & ~bits) | ((data[i] ?? 0) & bits);
    written[at] = (written[at] ?? 0) | bits;
  }
}

/** The config space as read now: the device's own bytes, with written bits as written. */
export function overlayConfigWrites(config: Buffer, values: Buffer, written: Buffer): Buffer {
  for (let at = 0; at < config.length; at++) {
    const bits = written[at] ?? 0;
    if (bits !== 0) config[at] = ((config[at] ?? 0) & ~bits) | ((values[at] ?? 0) & bits);
  }
  return config;
}
