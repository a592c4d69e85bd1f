/**
 * A pure builder of PCI configuration space: the 4096 bytes a PCIe function's sysfs
 * `config` file returns (drivers/pci/pci-sysfs.c pci_read_config), laid out as the
 * PCI Local Bus and PCI Express Base specifications define the registers.
 */

/** A BAR as programmed by firmware. */
export interface ConfigBar {
  index: number;
  kind: 'mem32' | 'mem64' | 'io';
  prefetchable: boolean;
  size: number;
  /** Assigned bus address; 0 leaves the BAR unprogrammed. */
  address: bigint;
}

/** Everything the builder needs; derived from a catalog model and the device's placement. */
export interface ConfigSpaceInput {
  vendor: number;
  device: number;
  classCode: number;
  revision: number;
  headerType: 0 | 1;
  /** Sets the multi-function bit (0x80) of the header type register. */
  multiFunction: boolean;
  subsystemVendor: number;
  subsystemDevice: number;
  /** BARs in the header; a VF passes none (VF BARs read as zero). */
  bars: ConfigBar[];
  rom?: { size: number; address: bigint };
  interruptPin: number;
  interruptLine: number;
  /** Memory/IO decoding and bus mastering enabled in the command register. */
  commandEnabled: boolean;
  pm: boolean;
  msi?: { vectors: number; is64: boolean };
  msix?: { tableSize: number; bar: number; tableOffset: number; pbaOffset: number };
  pcie: {
    portType: 'endpoint' | 'root-port';
    maxGen: number;
    maxWidth: number;
    currentGen: number;
    currentWidth: number;
    /** Physical slot number for root ports. */
    slot?: number;
  };
  bridge?: {
    primaryBus: number;
    secondaryBus: number;
    subordinateBus: number;
    memWindow?: { base: bigint; limit: bigint };
    prefWindow?: { base: bigint; limit: bigint };
  };
  sriov?: {
    totalVfs: number;
    numVfs: number;
    offset: number;
    stride: number;
    vfDevice: number;
    vfBars: ConfigBar[];
  };
  /** ARI extended capability (multi-function devices and VFs). */
  ari?: { nextFunction: number };
  /** ACS extended capability (root ports: isolates what lies below). */
  acs: boolean;
}

/** Standard capability ids (include/uapi/linux/pci_regs.h). */
export const CAP_ID = { pm: 0x01, msi: 0x05, pcie: 0x10, msix: 0x11 } as const;
/** Extended capability ids. */
export const EXT_CAP_ID = { acs: 0x000d, ari: 0x000e, sriov: 0x0010 } as const;

/** PCIe config space size (PCI_CFG_SPACE_EXP_SIZE). */
const CFG_SPACE_EXP_SIZE = 4096;

function writeBar(buf: Buffer, offset: number, bar: ConfigBar): void {
  if (bar.kind === 'io') {
    buf.writeUInt32LE((Number(bar.address) & 0xfffffffc) | 0x1, offset);
    return;
  }
  const typeBits = (bar.kind === 'mem64' ? 0x4 : 0) | (bar.prefetchable ? 0x8 : 0);
  buf.writeUInt32LE((Number(bar.address & 0xfffffff0n) | typeBits) >>> 0, offset);
  if (bar.kind === 'mem64') buf.writeUInt32LE(Number(bar.address >> 32n) >>> 0, offset + 4);
}

/** Builds the 4096-byte configuration space. */
export function buildConfigSpace(input: ConfigSpaceInput): Buffer {
  const buf = Buffer.alloc(CFG_SPACE_EXP_SIZE);
  buf.writeUInt16LE(input.vendor, 0x00);
  buf.writeUInt16LE(input.device, 0x02);
  const hasIo = input.bars.some((bar) => bar.kind === 'io');
  const command = input.commandEnabled ? (hasIo ? 0x1 : 0) | 0x2 | 0x4 : 0;
  buf.writeUInt16LE(command, 0x04);
  buf.writeUInt16LE(0x0010, 0x06); // PCI_STATUS_CAP_LIST
  buf.writeUInt8(input.revision, 0x08);
  buf.writeUInt8(input.classCode & 0xff, 0x09);
  buf.writeUInt8((input.classCode >> 8) & 0xff, 0x0a);
  buf.writeUInt8((input.classCode >> 16) & 0xff, 0x0b);
  buf.writeUInt8(0x10, 0x0c); // cache line size 64 bytes
  buf.writeUInt8(input.headerType | (input.multiFunction ? 0x80 : 0), 0x0e);
  const barSlots = input.headerType === 1 ? 2 : 6;
  for (const bar of input.bars) if (bar.index < barSlots) writeBar(buf, 0x10 + 4 * bar.index, bar);
  if (input.headerType === 0) {
    buf.writeUInt16LE(input.subsystemVendor, 0x2c);
    buf.writeUInt16LE(input.subsystemDevice, 0x2e);
    if (input.rom !== undefined) buf.writeUInt32LE(Number(input.rom.address & 0xfffff800n) >>> 0, 0x30);
  } else if (input.bridge !== undefined) {
    const b = input.bridge;
    buf.writeUInt8(b.primaryBus, 0x18);
    buf.writeUInt8(b.secondaryBus, 0x19);
    buf.writeUInt8(b.subordinateBus, 0x1a);
    buf.writeUInt8(0xf0, 0x1c); // I/O window closed: base > limit
    buf.writeUInt8(0x00, 0x1d);
    if (b.memWindow !== undefined) {
      buf.writeUInt16LE(Number((b.memWindow.base >> 16n) & 0xfff0n), 0x20);
      buf.writeUInt16LE(Number((b.memWindow.limit >> 16n) & 0xfff0n), 0x22);
    } else {
      buf.writeUInt16LE(0xfff0, 0x20);
    }
    if (b.prefWindow !== undefined) {
      buf.writeUInt16LE(Number((b.prefWindow.base >> 16n) & 0xfff0n) | 0x1, 0x24); // 64-bit window
      buf.writeUInt16LE(Number((b.prefWindow.limit >> 16n) & 0xfff0n) | 0x1, 0x26);
      buf.writeUInt32LE(Number(b.prefWindow.base >> 32n) >>> 0, 0x28);
      buf.writeUInt32LE(Number(b.prefWindow.limit >> 32n) >>> 0, 0x2c);
    } else {
      buf.writeUInt16LE(0xfff1, 0x24);
      buf.writeUInt16LE(0x0001, 0x26);
    }
    buf.writeUInt16LE(0x0010, 0x3e); // bridge control: VGA16
  }
  buf.writeUInt8(input.interruptPin === 0 ? 0 : input.interruptLine, 0x3c);
  buf.writeUInt8(input.interruptPin, 0x3d);

  // Capability list from 0x60, as NVIDIA and most endpoints place it.
  const caps: { id: number; size: number; fill: (at: number) => void }[] = [];
  if (input.pm) caps.push({ id: CAP_ID.pm, size: 8, fill: (at) => fillPm(buf, at) });
  if (input.msi !== undefined) {
    const msi = input.msi;
    caps.push({ id: CAP_ID.msi, size: msi.is64 ? 0x10 : 0x0c, fill: (at) => fillMsi(buf, at, msi) });
  }
  caps.push({ id: CAP_ID.pcie, size: 0x3c, fill: (at) => fillPcie(buf, at, input.pcie) });
  if (input.msix !== undefined) {
    const msix = input.msix;
    caps.push({ id: CAP_ID.msix, size: 0x0c, fill: (at) => fillMsix(buf, at, msix) });
  }
  let at = 0x60;
  buf.writeUInt8(at, 0x34);
  caps.forEach((cap, i) => {
    const next = i + 1 < caps.length ? at + cap.size : 0;
    buf.writeUInt8(cap.id, at);
    buf.writeUInt8(next, at + 1);
    cap.fill(at);
    at = next;
  });

  // Extended capabilities from 0x100.
  const ext: { id: number; size: number; fill: (at: number) => void }[] = [];
  if (input.acs) ext.push({ id: EXT_CAP_ID.acs, size: 8, fill: (o) => buf.writeUInt32LE(0x001d001f, o + 4) });
  if (input.ari !== undefined) {
    const ari = input.ari;
    ext.push({ id: EXT_CAP_ID.ari, size: 8, fill: (o) => buf.writeUInt16LE(ari.nextFunction << 8, o + 4) });
  }
  if (input.sriov !== undefined) {
    const sriov = input.sriov;
    ext.push({ id: EXT_CAP_ID.sriov, size: 0x40, fill: (o) => fillSriov(buf, o, sriov) });
  }
  let extAt = 0x100;
  ext.forEach((cap, i) => {
    const next = i + 1 < ext.length ? extAt + cap.size : 0;
    buf.writeUInt32LE((cap.id | (1 << 16) | (next << 20)) >>> 0, extAt);
    cap.fill(extAt);
    extAt = next;
  });
  return buf;
}

function fillPm(buf: Buffer, at: number): void {
  // PMC: version 3, D1/D2 unsupported, PME from D0/D3hot; PMCSR: D0, No_Soft_Reset.
  buf.writeUInt16LE(0x4803, at + 2);
  buf.writeUInt16LE(0x0008, at + 4);
}

function fillMsi(buf: Buffer, at: number, msi: { vectors: number; is64: boolean }): void {
  const mmc = Math.max(0, Math.ceil(Math.log2(Math.max(1, msi.vectors))));
  buf.writeUInt16LE((msi.is64 ? 0x0080 : 0) | (mmc << 1), at + 2);
}

function fillMsix(
  buf: Buffer,
  at: number,
  msix: { tableSize: number; bar: number; tableOffset: number; pbaOffset: number },
): void {
  buf.writeUInt16LE((msix.tableSize - 1) & 0x7ff, at + 2);
  buf.writeUInt32LE((msix.tableOffset | msix.bar) >>> 0, at + 4);
  buf.writeUInt32LE((msix.pbaOffset | msix.bar) >>> 0, at + 8);
}

function fillPcie(buf: Buffer, at: number, pcie: ConfigSpaceInput['pcie']): void {
  const rootPort = pcie.portType === 'root-port';
  // PCIe Capabilities: version 2, device/port type (0 endpoint, 4 root port), slot implemented.
  buf.writeUInt16LE(0x0002 | ((rootPort ? 4 : 0) << 4) | (rootPort ? 0x0100 : 0), at + 0x02);
  // Device Capabilities: MaxPayload 256, ExtTag, L0s/L1 acceptable latency, RBE, FLR (endpoints).
  const devCap = rootPort ? 0x00008001 : 0x10008fe1;
  buf.writeUInt32LE(devCap >>> 0, at + 0x04);
  buf.writeUInt16LE(0x2830, at + 0x08); // DevCtl: MaxPayload 128, MaxReadReq 512, RlxdOrd/ExtTag
  // Link Capabilities: speed, width, ASPM L1, exit latencies, DLL active reporting on root ports.
  const linkCap = pcie.maxGen | (pcie.maxWidth << 4) | (0x2 << 10) | (0x4 << 15) | (rootPort ? 0x00100000 : 0);
  buf.writeUInt32LE(linkCap >>> 0, at + 0x0c);
  buf.writeUInt16LE(0x0040, at + 0x10); // LnkCtl: common clock
  const linkStatus = pcie.currentGen | (pcie.currentWidth << 4) | 0x1000 | (rootPort ? 0x2000 : 0);
  buf.writeUInt16LE(linkStatus, at + 0x12);
  if (rootPort) {
    buf.writeUInt32LE(((pcie.slot ?? 0) << 19) >>> 0, at + 0x14); // SltCap: physical slot number, no hot-plug
    buf.writeUInt16LE(0x0040, at + 0x1a); // SltSta: presence detect
  }
  buf.writeUInt32LE(0x00000010, at + 0x24); // DevCap2: completion timeout disable
  let speeds = 0;
  for (let g = 1; g <= pcie.maxGen; g++) speeds |= 1 << g;
  buf.writeUInt32LE(speeds, at + 0x2c); // LnkCap2: supported link speeds vector
  buf.writeUInt16LE(pcie.maxGen, at + 0x30); // LnkCtl2: target link speed
}

function fillSriov(buf: Buffer, at: number, sriov: NonNullable<ConfigSpaceInput['sriov']>): void {
  const enabled = sriov.numVfs > 0;
  buf.writeUInt16LE(enabled ? 0x0019 : 0x0010, at + 0x08); // VF Enable + VF MSE; ARI capable hierarchy
  buf.writeUInt16LE(sriov.totalVfs, at + 0x0c); // InitialVFs
  buf.writeUInt16LE(sriov.totalVfs, at + 0x0e);
  buf.writeUInt16LE(sriov.numVfs, at + 0x10);
  buf.writeUInt16LE(sriov.offset, at + 0x14);
  buf.writeUInt16LE(sriov.stride, at + 0x16);
  buf.writeUInt16LE(sriov.vfDevice, at + 0x1a);
  buf.writeUInt32LE(0x00000553, at + 0x1c); // supported page sizes
  buf.writeUInt32LE(0x00000001, at + 0x20); // system page size 4K
  for (const bar of sriov.vfBars) if (bar.index < 6) writeBar(buf, at + 0x24 + 4 * bar.index, bar);
}
