/**
 * Mediated-device candidates: one per vGPU type per GPU (or virtual mdev parent), mdev and
 * NVIDIA vendor-VFIO alike, from the type listing of `vgpuctl types` (ops/vgpu).
 */
import type { Gpu, Inventory } from '../discovery/inventory.ts';
import { listVgpuTypes, type VgpuType } from '../ops/vgpu/list-types.ts';
import { parseNvidiaTypeName } from '../ops/vgpu/nvidia-type-name.ts';
import { vgpuHosts } from '../ops/vgpu/vgpu-hosts.ts';
import { type DraftCandidate, shortGpuName } from './candidate.ts';
import { hostBlockers } from './scan-hardware.ts';

// Parents that register mdev types but are not display devices (samples/vfio-mdev/mtty.c).
const NOT_GPUS = new Set(['mtty']);

/** NVIDIA C-series profiles are compute-only: no display, no console (NVIDIA vGPU docs). */
function hasDisplay(type: VgpuType): boolean {
  return type.name === null || parseNvidiaTypeName(type.name)?.series !== 'C';
}

function vendorOf(inventory: Inventory, gpu: string): string | null {
  const pci = inventory.gpus.find((g) => g.address === gpu);
  if (pci !== undefined) return pci.vendor.id;
  // KubeVirt's fake NVIDIA module registers the virtual parent "nvidia" (anchors §10).
  return gpu === 'nvidia' ? '10de' : null;
}

function labelOf(inventory: Inventory, gpu: string): string {
  const pci = inventory.gpus.find((g) => g.address === gpu);
  return pci === undefined ? `mdev parent "${gpu}"` : shortGpuName(pci);
}

/** mdev candidates: every type of every vGPU host, and an unavailable one per other GPU saying why. */
export function mdevCandidates(inventory: Inventory): DraftCandidate[] {
  const types = listVgpuTypes(inventory).filter(
    (t) => !NOT_GPUS.has(t.gpu) && (t.deviceApi ?? 'vfio-pci') === 'vfio-pci',
  );
  const hosts = vgpuHosts(inventory).filter((h) => !NOT_GPUS.has(h.gpu));
  const out: DraftCandidate[] = [];
  for (const type of types) {
    const vendorFunctions = type.mechanism === 'vendor-vfio';
    // Vendor-VFIO VFs are assigned through VFIO (IOMMU needed); mdevs are translated by
    // their vendor driver and need only KVM.
    const reasons = hostBlockers(inventory, { iommu: vendorFunctions, vfio: false });
    if (type.availableInstances === 0) {
      reasons.push(
        type.instances > 0
          ? `no instances left: ${type.instances} of this type already exist and the GPU is full`
          : 'no instances available (available_instances is 0: another type or size occupies the GPU)',
      );
    }
    const bootVga = inventory.gpus.find((g) => g.address === type.gpu)?.bootVga ?? false;
    const nvidia = type.nvidiaTypeId !== null || vendorFunctions;
    out.push({
      mode: 'mdev',
      device: type.gpu,
      label: `${type.name ?? type.id} on ${labelOf(inventory, type.gpu)}`,
      available: reasons.length === 0,
      reasons,
      notes: [
        `${type.id}${type.framebufferMiB === null ? '' : `, ${type.framebufferMiB} MiB framebuffer`}, ${type.availableInstances ?? 'unknown'} available`,
        ...(vendorFunctions ? ['NVIDIA vendor-specific VFIO: the vGPU is a VF the VM gets whole'] : []),
      ],
      order: [Number(bootVga)],
      target: {
        kind: 'mdev',
        gpu: type.gpu,
        mechanism: type.mechanism,
        typeId: type.id,
        typeName: type.name,
        framebufferMiB: type.framebufferMiB,
        availableInstances: type.availableInstances,
        vendorId: vendorOf(inventory, type.gpu),
        nvidia,
        display: hasDisplay(type),
      },
    });
  }
  const withTypes = new Set(types.map((t) => t.gpu));
  for (const host of hosts.filter((h) => !withTypes.has(h.gpu))) {
    const reason =
      host.mechanism === 'vendor-vfio' && host.vfs.length === 0
        ? `its SR-IOV VFs are not enabled (0 of ${host.totalVfs}): NVIDIA vendor-VFIO vGPU types appear on VFs; enable them with "vgpuctl sriov ${host.gpu} --vfs N"`
        : 'it offers no vGPU types now (is nvidia-vgpud running? mdev types appear once it has)';
    out.push(unavailable(inventory, host.gpu, reason));
  }
  const hostNames = new Set(hosts.map((h) => h.gpu));
  for (const gpu of inventory.gpus.filter((g) => !hostNames.has(g.address))) {
    out.push(unavailable(inventory, gpu.address, noVgpuReason(gpu)));
  }
  return out;
}

function noVgpuReason(gpu: Gpu): string {
  return gpu.driver === null
    ? 'it has no driver bound, so no vGPU types'
    : `its driver (${gpu.driver}) offers no mediated devices or vGPUs`;
}

function unavailable(inventory: Inventory, gpu: string, reason: string): DraftCandidate {
  return {
    mode: 'mdev',
    device: gpu,
    label: `vGPU on ${labelOf(inventory, gpu)}`,
    available: false,
    reasons: [reason],
    notes: [],
    order: [1],
    target: {
      kind: 'mdev',
      gpu,
      mechanism: 'mdev',
      typeId: '',
      typeName: null,
      framebufferMiB: null,
      availableInstances: 0,
      vendorId: vendorOf(inventory, gpu),
      nvidia: false,
      display: false,
    },
  };
}
