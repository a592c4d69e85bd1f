import type { Inventory, MdevParentInfo } from '../../discovery/inventory.ts';
import type { VgpuType } from '../../ops/vgpu/list-types.ts';
import { formatMiB } from './gpu-text.ts';
import { renderTable } from './table.ts';

/** The `vgpuctl types` table: one row per type per GPU, both mechanisms. */
export function renderVgpuTypes(types: readonly VgpuType[], notes: readonly string[]): string {
  const dash = (value: number | string | null) => (value === null ? '-' : String(value));
  const table =
    types.length === 0
      ? 'No vGPU types found.'
      : renderTable(types, [
          { header: 'GPU', value: (t) => t.gpu },
          { header: 'TYPE', value: (t) => t.id },
          { header: 'NAME', value: (t) => t.name ?? '-' },
          {
            header: 'FRAMEBUFFER',
            value: (t) => (t.framebufferMiB === null ? '-' : formatMiB(t.framebufferMiB)),
            align: 'right',
          },
          { header: 'HEADS', value: (t) => dash(t.heads), align: 'right' },
          { header: 'MAX RES', value: (t) => dash(t.maxResolution) },
          { header: 'FPS', value: (t) => (t.frameRateLimit === 0 ? 'any' : dash(t.frameRateLimit)), align: 'right' },
          {
            header: 'AVAILABLE',
            value: (t) => `${dash(t.availableInstances)}${t.maxInstances === null ? '' : ` of ${t.maxInstances}`}`,
            align: 'right',
          },
          { header: 'MECHANISM', value: (t) => t.mechanism },
        ]);
  return [table, ...notes.map((n) => `note: ${n}`)].join('\n');
}

/** One parent's types in mdevctl's `types --dumpjson` shape. */
export type MdevctlTypesJson = Record<string, Record<string, Record<string, string | number>>[]>[];

/**
 * mdevctl's `types --dumpjson` as Debian's mdevctl 1.2.0 prints it: `[]` without parents,
 * else one object holding every parent in byte order, each with its types in sysfs order as
 * `{type: {available_instances, device_api, name?, description?}}`, the description's lines
 * joined with ", " (mdevctl/mdevctl src/main.rs `supported_types`).
 */
export function mdevctlTypesJson(parents: readonly MdevParentInfo[]): MdevctlTypesJson {
  if (parents.length === 0) return [];
  const entries = [...parents]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((parent) => [
      parent.name,
      parent.types.map((type) => {
        const entry: Record<string, string | number> = {
          available_instances: type.availableInstances ?? 0,
          device_api: type.deviceApi ?? '',
        };
        if (type.name !== null && type.name !== '') entry.name = type.name;
        const description = type.description?.trim().replace(/\n/g, ', ') ?? '';
        if (description !== '') entry.description = description;
        return { [type.id]: entry };
      }),
    ]);
  return [Object.fromEntries(entries)];
}

/** Every mdev parent of an inventory: GPUs, their VFs, and virtual parents. */
export function mdevParentsOf(inventory: Inventory): MdevParentInfo[] {
  return [
    ...inventory.gpus.flatMap((g) => [g.mdev, ...(g.sriov?.vfs ?? []).map((vf) => vf.mdev)]),
    ...inventory.otherMdevParents,
  ].filter((p): p is MdevParentInfo => p !== null);
}
