/** `vgpuctl types [GPU]`: every creatable vGPU type, mdev and NVIDIA vendor-VFIO alike. */
import type { Inventory } from '../../discovery/inventory.ts';
import { listVgpuTypes, type VgpuType } from '../../ops/vgpu/list-types.ts';
import { resolveGpu } from '../../ops/vgpu/resolve.ts';
import { vgpuHosts } from '../../ops/vgpu/vgpu-hosts.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { type MdevctlTypesJson, mdevctlTypesJson, mdevParentsOf, renderVgpuTypes } from '../render/vgpu-types.ts';
import { vgpuDeps } from './vgpu/shared.ts';

/** Filters of `vgpuctl types`. */
interface TypesOptions {
  gpu?: string | undefined;
  /** Case-insensitive part of the type's name or id. */
  name?: string | undefined;
  /** Only types with instances available now. */
  available?: boolean | undefined;
  /** `table` (default) or `mdevctl` (the shape of `mdevctl types --dumpjson`). */
  format?: 'table' | 'mdevctl' | undefined;
}

/** Runs `vgpuctl types`. */
export async function typesCommand(
  context: CommandContext,
  options: TypesOptions,
): Promise<CommandResult<VgpuType[] | MdevctlTypesJson>> {
  // Types need the mdev parents and VFs, not PCI details, IOMMU groups or instances' links.
  const inventory = await vgpuDeps(context, options.gpu).discover();
  const gpus = selectGpus(inventory, options.gpu);
  const name = options.name?.toLowerCase();
  const keep = (id: string, typeName: string | null, available: number | null) =>
    (name === undefined || id.toLowerCase().includes(name) || (typeName?.toLowerCase().includes(name) ?? false)) &&
    (options.available !== true || (available ?? 0) > 0);

  if (options.format === 'mdevctl') {
    const parents = mdevParentsOf(inventory)
      .filter((p) => gpus === undefined || gpus.has(p.name) || gpus.has(ownerOf(inventory, p.name)))
      .map((p) => ({ ...p, types: p.types.filter((t) => keep(t.id, t.name, t.availableInstances)) }));
    const json = mdevctlTypesJson(parents);
    return { data: json, text: JSON.stringify(json, null, 2), foreignJson: true };
  }

  const types = listVgpuTypes(inventory).filter(
    (t) => (gpus === undefined || gpus.has(t.gpu)) && keep(t.id, t.name, t.availableInstances),
  );
  const notes = vgpuHosts(inventory)
    .filter(
      (h) =>
        h.mechanism === 'vendor-vfio' &&
        h.vfs.length === 0 &&
        (gpus === undefined || gpus.has(h.gpu)) &&
        name === undefined,
    )
    .map(
      (h) =>
        `${h.gpu} is an NVIDIA vendor-VFIO GPU with no SR-IOV VFs enabled (0 of ${h.totalVfs}); its vGPU types appear once VFs are enabled ("vgpuctl sriov ${h.gpu} --vfs N", or /usr/lib/nvidia/sriov-manage -e ${h.gpu})`,
    );
  return { data: types, text: renderVgpuTypes(types, notes) };
}

/** The GPUs `--gpu` selects (a GPU, a VF's PF, or an mdev parent); undefined: all. */
function selectGpus(inventory: Inventory, gpu: string | undefined): Set<string> | undefined {
  if (gpu === undefined) return undefined;
  const target = resolveGpu(vgpuHosts(inventory), gpu, 'list vGPU types');
  return new Set([target.host.gpu, ...(target.only === undefined ? [] : [target.only])]);
}

function ownerOf(inventory: Inventory, parent: string): string {
  return inventory.gpus.find((g) => g.sriov?.vfs.some((vf) => vf.address === parent))?.address ?? parent;
}
