/**
 * Candidates that hand the VM hardware: the whole GPU (passthrough) and SR-IOV virtual
 * functions. Both rest on the bind checks of `vgpuctl bind` (ops/passthrough), so the
 * manager refuses exactly what bind would refuse, for the same reasons.
 */
import { isVgpuctlError } from '../core/errors.ts';
import { vfAddress } from '../core/pci-address.ts';
import type { Gpu, Inventory, VirtualFunction } from '../discovery/inventory.ts';
import { assessBind } from '../ops/passthrough/bind-checks.ts';
import { isVfioDriver } from '../ops/passthrough/driver-name.ts';
import { groupViability } from '../ops/passthrough/group-viability.ts';
import { type DraftCandidate, shortGpuName } from './candidate.ts';

/** Where a PF's VFs will appear: `sriov_offset` and `sriov_stride` (PCIe SR-IOV capability). */
export interface VfGeometry {
  offset: number;
  stride: number;
}

/** Host-level facts that rule out device assignment, as reasons with their fixes. */
export function hostBlockers(inventory: Inventory, needs: { iommu: boolean; vfio: boolean }): string[] {
  const host = inventory.host;
  const reasons: string[] = [];
  if (!host.kvm.available) {
    reasons.push(
      'KVM is not available (no /dev/kvm): assigned devices need hardware virtualization; enable VT-x/AMD-V and load kvm',
    );
  }
  if (needs.iommu && !host.iommu.enabled) {
    reasons.push(
      'the IOMMU is off (no IOMMU groups): enable VT-d/AMD-Vi in the firmware and boot with intel_iommu=on or amd_iommu=on',
    );
  }
  if (needs.vfio && !host.vfio.modules.includes('vfio_pci')) {
    reasons.push('the vfio-pci driver is not loaded: modprobe vfio-pci');
  }
  return reasons;
}

/** "Cannot bind "x" to vfio-pci: <state>" → "<state>": the reason without the action. */
function stateOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Cannot (?:[^":]|"[^"]*")*: /, '');
}

/** What bind would say about `address`: its reasons not to, and the endpoints it would move. */
function bindVerdict(
  inventory: Inventory,
  address: string,
): { reasons: string[]; endpoints: { address: string; driver: string | null }[] } {
  try {
    const assessment = assessBind(inventory, { address });
    return { reasons: assessment.findings.map((f) => stateOf(f.message)), endpoints: assessment.endpoints };
  } catch (error) {
    if (!isVgpuctlError(error)) throw error;
    return { reasons: [stateOf(error)], endpoints: [] };
  }
}

/** Whole-GPU candidates, one per GPU. */
export function passthroughCandidates(inventory: Inventory): DraftCandidate[] {
  const blockers = hostBlockers(inventory, { iommu: true, vfio: true });
  return inventory.gpus.map((gpu) => {
    const verdict = bindVerdict(inventory, gpu.address);
    const functions = verdict.endpoints.length > 0 ? verdict.endpoints.map((d) => d.address) : [gpu.address];
    const others = functions.filter((a) => a !== gpu.address);
    const reasons = [...blockers, ...verdict.reasons];
    const notes: string[] = [];
    if (others.length > 0) notes.push(`its IOMMU group also holds ${others.join(', ')}: the VM gets them too`);
    const toBind = verdict.endpoints.filter((d) => !isVfioDriver(d.driver)).map((d) => d.address);
    if (toBind.length === 0 && verdict.endpoints.length > 0) notes.push('already bound to vfio-pci');
    else if (gpu.driver !== null) notes.push(`the host loses the GPU: it leaves ${gpu.driver} for vfio-pci`);
    const viable = gpu.iommuGroup === null ? false : safeViable(inventory, gpu.iommuGroup.id);
    return {
      mode: 'passthrough',
      device: gpu.address,
      label: `${shortGpuName(gpu)}${others.length > 0 ? ` with ${others.join(', ')}` : ''}`,
      available: reasons.length === 0,
      reasons,
      notes,
      // Not the boot VGA, a group already viable, then GPUs that cannot be shared otherwise
      // (no mdev, no SR-IOV): sharing-capable GPUs are worth more to the host as vGPUs.
      order: [Number(gpu.bootVga), Number(!viable), Number(gpu.mdev !== null || gpu.sriov !== null)],
      target: { kind: 'passthrough', gpu: gpu.address, groupId: gpu.iommuGroup?.id ?? null, functions, toBind },
    };
  });
}

/** Whether the GPU's group is viable; a group the inventory lacks is not (anything else is a bug, and thrown). */
function safeViable(inventory: Inventory, groupId: number): boolean {
  try {
    return groupViability(inventory, groupId).viable;
  } catch (error) {
    if (isVgpuctlError(error) && error.code === 'NOT_FOUND') return false;
    throw error;
  }
}

/** Whether a GPU's VFs are NVIDIA vGPU carriers rather than plain assignable functions. */
function nvidiaVgpuVfs(gpu: Gpu): boolean {
  return gpu.hostVgpuMode === 'SR-IOV' || (gpu.sriov?.vfs ?? []).some((vf) => vf.vgpu !== null || vf.mdev !== null);
}

/** A VF no VM and no vGPU uses: not on vfio-pci yet (a VM may hold those), no vGPU, no mdev. */
function isFreeVf(vf: VirtualFunction): boolean {
  return !isVfioDriver(vf.driver) && vf.vgpu?.currentTypeId == null && (vf.mdev?.instances.length ?? 0) === 0;
}

/** SR-IOV candidates, one per SR-IOV capable GPU. */
export function sriovCandidates(inventory: Inventory, geometry: ReadonlyMap<string, VfGeometry>): DraftCandidate[] {
  const blockers = hostBlockers(inventory, { iommu: true, vfio: true });
  return inventory.gpus
    .filter((gpu) => gpu.sriov !== null)
    .map((gpu): DraftCandidate => {
      const sriov = gpu.sriov as NonNullable<Gpu['sriov']>;
      const reasons = [...blockers];
      const notes: string[] = [];
      let vf: string | null = null;
      let enableVfs: number | null = null;
      if (nvidiaVgpuVfs(gpu)) {
        reasons.push(
          'its VFs carry NVIDIA vGPUs: the nvidia driver keeps them (vendor-specific VFIO or mdev), vfio-pci cannot take them; use mode mdev',
        );
      } else if (sriov.totalVfs === 0) {
        reasons.push('no VFs can be enabled (sriov_totalvfs is 0)');
      } else if (sriov.numVfs === 0) {
        enableVfs = 1;
        const where = geometry.get(gpu.address);
        vf = where === undefined ? null : vfAddress(gpu.address, where.offset, where.stride, 0);
        notes.push(`enables 1 of ${sriov.totalVfs} VFs first (none are enabled now)`);
      } else {
        const free = sriov.vfs.find(isFreeVf);
        if (free === undefined) {
          reasons.push(`no free VF: all ${sriov.numVfs} enabled VFs are on vfio-pci or host vGPUs`);
        } else {
          vf = free.address;
          const verdict = bindVerdict(inventory, free.address);
          reasons.push(...verdict.reasons.map((r) => `VF ${free.address}: ${r}`));
          notes.push(`${sriov.vfs.filter(isFreeVf).length} of ${sriov.numVfs} enabled VFs are free`);
        }
      }
      return {
        mode: 'sriov',
        device: gpu.address,
        label: `${vf === null ? 'a VF' : `VF ${vf}`} of ${shortGpuName(gpu)}`,
        available: reasons.length === 0,
        reasons,
        notes,
        order: [Number(gpu.bootVga), enableVfs === null ? 0 : 1],
        target: { kind: 'sriov', pf: gpu.address, vf, enableVfs, bind: true },
      };
    });
}
