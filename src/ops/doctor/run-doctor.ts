/**
 * `vgpuctl doctor`: runs every check over facts read beforehand and returns the report as
 * data — text and --json are two renderings of it.
 */
import { parsePciAddress } from '../../core/pci-address.ts';
import type { PciIds } from '../../core/pci-ids.ts';
import { discover } from '../../discovery/discover.ts';
import { readVirtFacts } from '../../discovery/virt-facts.ts';
import type { HostPort } from '../../host/host-port.ts';
import { notAGpu } from '../passthrough/locate-device.ts';
import type { CheckResult, DoctorFacts, GpuCheck, HostCheck, SectionId, Verdict } from './check.ts';
import { HOST_CHECKS } from './host-checks.ts';
import { PASSTHROUGH_CHECKS } from './passthrough-checks.ts';
import { SRIOV_CHECKS } from './sriov-checks.ts';
import { VGPU_GPU_CHECKS, VGPU_HOST_CHECKS } from './vgpu-checks.ts';

/** The doctor's findings. */
export interface DoctorReport {
  /** The host examined, as discovery names it. */
  source: string;
  /** The GPU the report is limited to, or null for all. */
  address: string | null;
  checks: CheckResult[];
  /** Checks per verdict. */
  summary: Record<Verdict, number>;
}

/** Section titles, in report order. */
export const SECTIONS: readonly { id: SectionId; title: string }[] = [
  { id: 'host', title: 'Host' },
  { id: 'passthrough', title: 'Passthrough (vfio-pci)' },
  { id: 'sriov', title: 'SR-IOV' },
  { id: 'vgpu', title: 'vGPU (mdev, NVIDIA vGPU)' },
];

const SECTION_CHECKS: Record<SectionId, { host: readonly HostCheck[]; gpu: readonly GpuCheck[] }> = {
  host: { host: HOST_CHECKS, gpu: [] },
  passthrough: { host: [], gpu: PASSTHROUGH_CHECKS },
  sriov: { host: [], gpu: SRIOV_CHECKS },
  vgpu: { host: VGPU_HOST_CHECKS, gpu: VGPU_GPU_CHECKS },
};

/** Reads what the checks need: the inventory and the doctor's extra host facts. */
export async function readDoctorFacts(host: HostPort, options: { pciIds?: PciIds } = {}): Promise<DoctorFacts> {
  const [inventory, virt] = await Promise.all([
    discover(host, options.pciIds === undefined ? {} : { pciIds: options.pciIds }),
    readVirtFacts(host),
  ]);
  return { inventory, virt };
}

/**
 * Runs the checks: host checks, then per mode the checks of every GPU (or only of the GPU
 * at `options.address`). Throws NOT_A_GPU or DEVICE_NOT_FOUND for an address that is not a GPU.
 */
export function runDoctor(facts: DoctorFacts, options: { address?: string } = {}): DoctorReport {
  const { inventory } = facts;
  let gpus = inventory.gpus;
  let address: string | null = null;
  if (options.address !== undefined) {
    address = parsePciAddress(options.address);
    const gpu = gpus.find((g) => g.address === address);
    if (gpu === undefined) throw notAGpu(inventory, address, `check GPU "${address}"`);
    gpus = [gpu];
  }
  const checks: CheckResult[] = [];
  for (const { id: section } of SECTIONS) {
    const { host, gpu: perGpu } = SECTION_CHECKS[section];
    for (const check of host) checks.push({ section, id: check.id, subject: null, ...check.run(facts) });
    for (const gpu of gpus) {
      for (const check of perGpu) {
        if (check.applies(gpu, facts))
          checks.push({ section, id: check.id, subject: gpu.address, ...check.run(gpu, facts) });
      }
    }
  }
  const summary: Record<Verdict, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const check of checks) summary[check.verdict]++;
  return { source: inventory.host.source, address, checks, summary };
}
