/** `vgpuctl vgpus`: running and defined vGPUs, as a table or as mdevctl's JSON. */
import { Option } from '@commander-js/extra-typings';
import { listAllVgpus } from '../../../ops/vgpu/lifecycle.ts';
import type { VgpuEntry } from '../../../ops/vgpu/list-vgpus.ts';
import { resolveGpu } from '../../../ops/vgpu/resolve.ts';
import { vgpuHosts } from '../../../ops/vgpu/vgpu-hosts.ts';
import type { CommandResult } from '../../command-result.ts';
import type { CommandContext } from '../../context.ts';
import { type MdevctlListJson, mdevctlListJson, renderVgpuList } from '../../render/vgpu-list.ts';
import type { CommandModule } from '../index.ts';
import { vgpuDeps } from './shared.ts';

/** `vgpuctl vgpus`. */
async function vgpusCommand(
  context: CommandContext,
  options: { gpu?: string | undefined; format?: 'table' | 'mdevctl' | undefined; defined?: boolean | undefined },
): Promise<CommandResult<VgpuEntry[] | MdevctlListJson>> {
  const { inventory, entries: all } = await listAllVgpus(vgpuDeps(context));
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
    return { data: json, text: JSON.stringify(json, null, 2) };
  }
  if (options.defined === true) entries = entries.filter((e) => e.definition !== null);
  return { data: entries, text: renderVgpuList(entries) };
}

/** Registers `vgpuctl vgpus`. */
export function registerVgpus(program: Parameters<CommandModule>[0], cli: Parameters<CommandModule>[1]): void {
  program
    .command('vgpus')
    .description('list running and defined vGPUs with their state')
    .option('--gpu <gpu>', 'only this GPU or mdev parent')
    .option('--defined', 'only defined vGPUs (with --format mdevctl: as "mdevctl list --defined --dumpjson")')
    .addOption(
      new Option('--format <format>', 'table, or mdevctl for "mdevctl list --dumpjson" JSON').choices([
        'table',
        'mdevctl',
      ] as const),
    )
    .action((options) =>
      cli.withHost((context) =>
        vgpusCommand(context, { gpu: options.gpu, format: options.format, defined: options.defined }),
      ),
    );
}
