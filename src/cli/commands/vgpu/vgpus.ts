/** `vgpuctl vgpus`: running and defined vGPUs with their state. */
import { listAllVgpus } from '../../../ops/vgpu/lifecycle.ts';
import type { VgpuEntry } from '../../../ops/vgpu/list-vgpus.ts';
import { resolveGpu } from '../../../ops/vgpu/resolve.ts';
import { vgpuHosts } from '../../../ops/vgpu/vgpu-hosts.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import { type MdevctlListJson, mdevctlListJson, renderVgpuList } from '../../render/vgpu-list.ts';
import { vgpuDeps } from './shared.ts';

/** `vgpuctl vgpus`. */
export async function vgpusCommand(
  context: CommandContext,
  options: { gpu?: string | undefined; format?: 'table' | 'mdevctl' | undefined; defined?: boolean | undefined },
): Promise<CommandResult<VgpuEntry[] | MdevctlListJson>> {
  const { inventory, entries: all } = await listAllVgpus(vgpuDeps(context, options.gpu));
  let entries = all;
  if (options.gpu !== undefined) {
    const target = resolveGpu(vgpuHosts(inventory), options.gpu, 'list vGPUs');
    entries = entries.filter(
      (e) =>
        e.gpu === target.host.gpu && (target.only === undefined || e.parent === target.only || e.id === target.only),
    );
  }
  if (options.format === 'mdevctl') {
    const json = mdevctlListJson(entries, options.defined === true);
    return { data: json, text: JSON.stringify(json, null, 2), foreignJson: true };
  }
  if (options.defined === true) entries = entries.filter((e) => e.definition !== null);
  return { data: entries, text: renderVgpuList(entries) };
}
