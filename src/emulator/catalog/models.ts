/**
 * The device catalog: real PCI ids and plausible BAR layouts of the GPUs, audio functions
 * and root ports the emulator places into scenarios.
 */
import type { BarModel, PciModel } from './pci-model.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const NVIDIA = 0x10de;
const INTEL = 0x8086;

/** The BAR layout every NVIDIA GPU since Fermi uses: 16 MiB regs, 64-bit FB and 32 MiB aperture, I/O. */
function nvidiaBars(fbSize: number): BarModel[] {
  return [
    { index: 0, kind: 'mem32', prefetchable: false, size: 16 * MiB },
    { index: 1, kind: 'mem64', prefetchable: true, size: fbSize },
    { index: 3, kind: 'mem64', prefetchable: true, size: 32 * MiB },
    { index: 5, kind: 'io', prefetchable: false, size: 128 },
  ];
}

/** Datacenter GPUs have no I/O BAR. */
function nvidiaComputeBars(fbSize: number): BarModel[] {
  return nvidiaBars(fbSize).filter((bar) => bar.kind !== 'io');
}

function nvidiaVfBars(fbSize: number): BarModel[] {
  return [
    { index: 0, kind: 'mem32', prefetchable: false, size: 16 * MiB },
    { index: 1, kind: 'mem64', prefetchable: true, size: fbSize },
    { index: 3, kind: 'mem64', prefetchable: true, size: 32 * MiB },
  ];
}

function hdaAudio(id: string, device: number, marketingName: string): PciModel {
  return {
    id,
    marketingName,
    vendor: NVIDIA,
    device,
    subsystemVendor: NVIDIA,
    subsystemDevice: 0x0000,
    classCode: 0x040300,
    revision: 0xa1,
    headerType: 0,
    bars: [{ index: 0, kind: 'mem32', prefetchable: false, size: 16 * 1024 }],
    pcie: { portType: 'endpoint', maxGen: 4, maxWidth: 16 },
    msi: { vectors: 1, is64: true },
    interruptPin: 2,
    defaultDriver: 'snd_hda_intel',
    vgpuModes: [],
    dmaMaskBits: 32,
  };
}

const MODELS: readonly PciModel[] = [
  {
    id: 'intel-uhd-630',
    marketingName: 'Intel UHD Graphics 630',
    vendor: INTEL,
    device: 0x3e92,
    subsystemVendor: 0x1028,
    subsystemDevice: 0x085a,
    classCode: 0x030000,
    revision: 0x00,
    headerType: 0,
    bars: [
      { index: 0, kind: 'mem64', prefetchable: false, size: 16 * MiB },
      { index: 2, kind: 'mem64', prefetchable: true, size: 256 * MiB },
      { index: 4, kind: 'io', prefetchable: false, size: 64 },
    ],
    romSize: 128 * 1024,
    pcie: { portType: 'endpoint', maxGen: 1, maxWidth: 1 },
    msi: { vectors: 1, is64: false },
    interruptPin: 1,
    defaultDriver: 'i915',
    vgpuModes: ['gvt-g'],
    dmaMaskBits: 39,
  },
  {
    id: 'geforce-rtx-4070',
    marketingName: 'NVIDIA GeForce RTX 4070',
    vendor: NVIDIA,
    device: 0x2786,
    subsystemVendor: 0x10de,
    subsystemDevice: 0x18fe,
    classCode: 0x030000,
    revision: 0xa1,
    headerType: 0,
    bars: nvidiaBars(16 * GiB),
    romSize: 512 * 1024,
    pcie: { portType: 'endpoint', maxGen: 4, maxWidth: 16 },
    msi: { vectors: 1, is64: true },
    interruptPin: 1,
    // Seed 000's capture reports 8 GiB physical for its RTX 4070; the lab follows the seed.
    vramMiB: 8 * 1024,
    defaultDriver: 'nvidia',
    companions: [{ function: 1, model: 'geforce-rtx-4070-audio' }],
    vgpuModes: [],
    dmaMaskBits: 47,
  },
  hdaAudio('geforce-rtx-4070-audio', 0x22bc, 'NVIDIA AD104 High Definition Audio Controller'),
  {
    id: 'tesla-t4',
    marketingName: 'NVIDIA Tesla T4',
    vendor: NVIDIA,
    device: 0x1eb8,
    subsystemVendor: 0x10de,
    subsystemDevice: 0x12a2,
    classCode: 0x030200,
    revision: 0xa1,
    headerType: 0,
    bars: nvidiaComputeBars(256 * MiB),
    pcie: { portType: 'endpoint', maxGen: 3, maxWidth: 16 },
    msi: { vectors: 1, is64: true },
    interruptPin: 1,
    vramMiB: 16 * 1024,
    defaultDriver: 'nvidia',
    vgpuModes: ['mdev'],
    dmaMaskBits: 47,
  },
  {
    id: 'l40s',
    marketingName: 'NVIDIA L40S',
    vendor: NVIDIA,
    device: 0x26b9,
    subsystemVendor: 0x10de,
    subsystemDevice: 0x1851,
    classCode: 0x030200,
    revision: 0xa1,
    headerType: 0,
    bars: nvidiaComputeBars(64 * GiB),
    pcie: { portType: 'endpoint', maxGen: 4, maxWidth: 16 },
    msi: { vectors: 1, is64: true },
    interruptPin: 1,
    sriov: { totalVfs: 32, vfDevice: 0x26b9, offset: 4, stride: 1, vfBars: nvidiaVfBars(2 * GiB), vfTotalMsix: 0 },
    vramMiB: 48 * 1024,
    defaultDriver: 'nvidia',
    vgpuModes: ['vendor-vfio'],
    dmaMaskBits: 47,
  },
  {
    id: 'geforce-gtx-1060-6gb',
    marketingName: 'NVIDIA GeForce GTX 1060 6GB',
    vendor: NVIDIA,
    device: 0x1c03,
    subsystemVendor: 0x1458,
    subsystemDevice: 0x3726,
    classCode: 0x030000,
    revision: 0xa1,
    headerType: 0,
    bars: nvidiaBars(256 * MiB),
    romSize: 512 * 1024,
    pcie: { portType: 'endpoint', maxGen: 3, maxWidth: 16 },
    msi: { vectors: 1, is64: true },
    interruptPin: 1,
    vramMiB: 6 * 1024,
    defaultDriver: 'nvidia',
    companions: [{ function: 1, model: 'geforce-gtx-1060-audio' }],
    vgpuModes: ['mdev'],
    dmaMaskBits: 47,
  },
  hdaAudio('geforce-gtx-1060-audio', 0x10f1, 'NVIDIA GP106 High Definition Audio Controller'),
  {
    id: 'a10',
    marketingName: 'NVIDIA A10',
    vendor: NVIDIA,
    device: 0x2236,
    subsystemVendor: 0x10de,
    subsystemDevice: 0x1482,
    classCode: 0x030200,
    revision: 0xa1,
    headerType: 0,
    bars: nvidiaComputeBars(64 * GiB),
    pcie: { portType: 'endpoint', maxGen: 4, maxWidth: 16 },
    msi: { vectors: 1, is64: true },
    interruptPin: 1,
    sriov: { totalVfs: 16, vfDevice: 0x2238, offset: 4, stride: 1, vfBars: nvidiaVfBars(2 * GiB), vfTotalMsix: 0 },
    vramMiB: 24 * 1024,
    defaultDriver: 'nvidia',
    companions: [{ function: 1, model: 'a10-audio' }],
    vgpuModes: ['sriov-mdev', 'vendor-vfio'],
    dmaMaskBits: 47,
  },
  hdaAudio('a10-audio', 0x1aef, 'NVIDIA GA102 High Definition Audio Controller'),
  {
    id: 'pcie-root-port',
    marketingName: 'PCI Express Root Port',
    vendor: INTEL,
    device: 0x2030,
    subsystemVendor: 0x8086,
    subsystemDevice: 0x0000,
    classCode: 0x060400,
    revision: 0x04,
    headerType: 1,
    bars: [],
    pcie: { portType: 'root-port', maxGen: 4, maxWidth: 16 },
    msi: { vectors: 1, is64: false },
    interruptPin: 1,
    defaultDriver: 'pcieport',
    vgpuModes: [],
    dmaMaskBits: 32,
  },
];

const BY_ID = new Map(MODELS.map((model) => [model.id, model]));

/** The catalog model with this id, or undefined. */
export function getModel(id: string): PciModel | undefined {
  return BY_ID.get(id);
}
