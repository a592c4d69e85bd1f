import { VgpuctlError } from '../../core/errors.ts';
import { clip, isPciAddress, parsePciAddress } from '../../core/pci-address.ts';
import { discover } from '../../discovery/discover.ts';
import type { Gpu, MdevParentInfo } from '../../discovery/inventory.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { renderGpu, renderMdevParent } from '../render/gpu-detail.ts';

/** `vgpuctl show ADDRESS|PARENT`: everything about one GPU (or one non-PCI mdev parent). */
export async function showCommand(
  context: CommandContext,
  target: string,
): Promise<CommandResult<Gpu | MdevParentInfo>> {
  const inventory = await discover(context.host, { pciIds: context.pciIds, deviceUsers: false });
  const parent = inventory.otherMdevParents.find((p) => p.name === target);
  if (parent !== undefined) return { data: parent, text: renderMdevParent(parent) };

  const address = parsePciAddress(target);
  const gpu = inventory.gpus.find((g) => g.address === address);
  if (gpu !== undefined) return { data: gpu, text: renderGpu(gpu, inventory) };

  const owner = inventory.gpus.find((g) => g.sriov?.vfs.some((vf) => vf.address === address));
  if (owner !== undefined) {
    throw new VgpuctlError('NOT_A_GPU', `Cannot show GPU "${address}": it is a virtual function of ${owner.address}`, {
      hint: `Run "vgpuctl show ${owner.address}" to see its VFs`,
    });
  }
  if (await context.host.exists(`/sys/bus/pci/devices/${address}`)) {
    const klass = (await context.host.readText(`/sys/bus/pci/devices/${address}/class`).catch(() => '')).trim();
    throw new VgpuctlError(
      'NOT_A_GPU',
      `Cannot show GPU "${address}": it is not a display controller (class ${klass || 'unknown'})`,
      {
        hint: 'Run "vgpuctl list" to see the GPUs on this host',
      },
    );
  }
  const known = inventory.gpus.map((g) => g.address).join(', ') || 'none';
  throw new VgpuctlError(
    'DEVICE_NOT_FOUND',
    `Cannot show GPU "${isPciAddress(address) ? address : clip(target)}": no such PCI device on ${context.host.description}`,
    {
      hint: `GPUs on this host: ${known}`,
    },
  );
}
