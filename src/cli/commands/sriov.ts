/** `vgpuctl sriov ADDRESS [--vfs N] [--autoprobe|--no-autoprobe]`: show, enable or disable a GPU's VFs. */
import { VgpuctlError } from '../../core/errors.ts';
import { clip, parsePciAddress } from '../../core/pci-address.ts';
import { discover } from '../../discovery/discover.ts';
import type { Gpu, Inventory } from '../../discovery/inventory.ts';
import { applyPlan } from '../../ops/passthrough/apply-plan.ts';
import { notAGpu } from '../../ops/passthrough/locate-device.ts';
import { planSriov } from '../../ops/sriov/plan-sriov.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { type DryRunResult, renderDryRun } from '../render/bind-text.ts';
import { renderSriov, type SriovResult } from '../render/sriov-text.ts';

/** Options of `vgpuctl sriov`. */
interface SriovOptions {
  vfs?: string;
  autoprobe?: boolean;
}

/** Parses --vfs strictly: digits only (no "4x", "0x4" or "-1"). */
function parseVfCount(text: string, address: string): number {
  if (!/^\d{1,5}$/.test(text.trim())) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot set the VF count of "${address}" to "${clip(text)}": it must be a whole number, 0 or more`,
      {
        hint: 'Give --vfs a count such as 4, or 0 to disable the VFs',
      },
    );
  }
  return Number(text.trim());
}

/** Shows the VFs of a GPU, or plans, executes and verifies a new VF count. */
export async function sriovCommand(
  context: CommandContext,
  input: string,
  options: SriovOptions,
): Promise<CommandResult<SriovResult | DryRunResult>> {
  const address = parsePciAddress(input);
  const before = await discover(context.host, { pciIds: context.pciIds });
  const gpuBefore = before.gpus.find((g) => g.address === address);
  if (options.vfs === undefined && options.autoprobe === undefined) {
    if (gpuBefore === undefined) throw notAGpu(before, address, `show the VFs of "${address}"`);
    return result(gpuBefore, before, false, gpuBefore.sriov?.numVfs ?? 0);
  }
  const numVfs = options.vfs === undefined ? (gpuBefore?.sriov?.numVfs ?? 0) : parseVfCount(options.vfs, address);
  const plan = planSriov(before, {
    address,
    numVfs,
    ...(options.autoprobe === undefined ? {} : { autoprobe: options.autoprobe }),
  });
  if (context.dryRun) return { data: { dryRun: true, plan }, text: renderDryRun(plan, `it already has ${numVfs} VFs`) };
  const gpu = gpuBefore as Gpu; // planSriov found it
  if (plan.steps.length === 0) return result(gpu, before, false, gpu.sriov?.numVfs ?? 0);
  const { after } = await applyPlan(context.host, plan, { pciIds: context.pciIds, before, watch: [address] });
  const now = after.gpus.find((g) => g.address === address);
  if (now?.sriov == null || now.sriov.numVfs !== numVfs || now.sriov.vfs.length !== numVfs) {
    throw new VgpuctlError(
      'SYSFS_WRITE_FAILED',
      `Cannot verify the VF count of "${address}": expected ${numVfs}, found ${now?.sriov?.vfs.length ?? 0}`,
      {
        hint: `Run "vgpuctl sriov ${address}" to see the VFs now`,
      },
    );
  }
  return result(now, after, true, gpu.sriov?.numVfs ?? 0);
}

function result(gpu: Gpu, inventory: Inventory, changed: boolean, numVfsBefore: number): CommandResult<SriovResult> {
  const sriov = gpu.sriov;
  if (sriov === null) {
    throw new VgpuctlError(
      'UNSUPPORTED',
      `Cannot show the VFs of "${gpu.address}": it has no SR-IOV capability (no sriov_totalvfs)`,
      {
        hint: `GPUs on ${inventory.host.source} with SR-IOV: ${
          inventory.gpus
            .filter((g) => g.sriov !== null)
            .map((g) => g.address)
            .join(', ') || 'none'
        }`,
      },
    );
  }
  const vendorVfio = gpu.hostVgpuMode === 'SR-IOV' || sriov.vfs.some((vf) => vf.vgpu !== null);
  const next =
    sriov.numVfs === 0
      ? `enable VFs with "vgpuctl sriov ${gpu.address} --vfs N" (N up to ${sriov.totalVfs})`
      : vendorVfio
        ? 'give a VF a vGPU type (NVIDIA vendor-specific VFIO: nvidia/current_vgpu_type), then assign the VF to a VM'
        : sriov.vfs.some((vf) => vf.mdev !== null)
          ? 'create mediated vGPUs on the VFs (mdev types)'
          : `assign a VF to a VM with "vgpuctl bind ${sriov.vfs[0]?.address ?? gpu.address}"`;
  const data: SriovResult = {
    address: gpu.address,
    changed,
    totalVfs: sriov.totalVfs,
    numVfsBefore,
    numVfs: sriov.numVfs,
    driversAutoprobe: sriov.driversAutoprobe,
    driver: gpu.driver,
    vfs: sriov.vfs,
    next,
  };
  return { data, text: renderSriov(data) };
}
