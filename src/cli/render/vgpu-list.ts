import type { AutostartOutcome } from '../../ops/vgpu/autostart.ts';
import type { VgpuEntry } from '../../ops/vgpu/list-vgpus.ts';
import { renderTable } from './table.ts';

/** mdevctl's `list --dumpjson`: `[]`, or one object of parents, each a list of `{uuid: definition}`. */
export type MdevctlListJson = Record<
  string,
  Record<string, { mdev_type: string; start: string; attrs: Record<string, string>[] }>[]
>[];

/**
 * The mdev entries in the shape of Debian mdevctl 1.2.0's `list --dumpjson` (running ones)
 * or `list --defined --dumpjson` (defined ones): parents in byte order, devices by UUID.
 */
export function mdevctlListJson(entries: readonly VgpuEntry[], defined: boolean): MdevctlListJson {
  const chosen = entries.filter(
    (e) =>
      e.mechanism === 'mdev' &&
      e.type !== null &&
      (defined ? e.definition !== null && e.state !== 'invalid' : e.state === 'running'),
  );
  if (chosen.length === 0) return [];
  const byParent = new Map<string, VgpuEntry[]>();
  for (const e of chosen) byParent.set(e.parent, [...(byParent.get(e.parent) ?? []), e]);
  const parents = [...byParent.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    Object.fromEntries(
      parents.map((parent) => [
        parent,
        (byParent.get(parent) ?? [])
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .map((e) => ({
            [e.id]: {
              mdev_type: e.type ?? '',
              start: e.start ?? 'manual',
              attrs: e.attrs.map(([name, value]) => ({ [name]: value })),
            },
          })),
      ]),
    ),
  ];
}

/** The `vgpuctl vgpus` table: running and defined vGPUs, with problems listed below it. */
export function renderVgpuList(entries: readonly VgpuEntry[]): string {
  if (entries.length === 0) return 'No vGPUs running or defined.';
  const table = renderTable(entries, [
    { header: 'ID', value: (e) => e.id },
    { header: 'GPU', value: (e) => (e.parent === e.gpu ? e.gpu : `${e.gpu} (${e.parent})`) },
    { header: 'TYPE', value: (e) => e.type ?? '-' },
    { header: 'NAME', value: (e) => e.typeName ?? '-' },
    { header: 'STATE', value: (e) => e.state },
    { header: 'DEFINED', value: (e) => (e.state === 'invalid' ? 'invalid' : (e.start ?? 'no')) },
  ]);
  const problems = entries
    .filter((e) => e.problem !== null)
    .map((e) => `${e.id}: ${e.definition ?? ''}${e.definition === null ? '' : ': '}${e.problem}`);
  return problems.length === 0 ? table : `${table}\n\nProblems:\n${problems.map((p) => `  ${p}`).join('\n')}`;
}

/** The `vgpuctl start --all-auto` report: one row per autostart definition. */
export function renderAutostart(outcomes: readonly AutostartOutcome[], waitedMs: number): string {
  if (outcomes.length === 0) return 'No autostart vGPUs are defined.';
  const table = renderTable(outcomes, [
    { header: 'ID', value: (o) => o.id },
    { header: 'PARENT', value: (o) => o.parent },
    { header: 'TYPE', value: (o) => o.type ?? '-' },
    { header: 'OUTCOME', value: (o) => o.status },
    { header: 'AFTER', value: (o) => `${(o.afterMs / 1000).toFixed(1)} s`, align: 'right' },
    { header: 'DETAIL', value: (o) => o.reason ?? '' },
  ]);
  const count = (status: AutostartOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  return `${table}\n\n${count('started')} started, ${count('running')} already running, ${count('failed')} failed${count('waiting') > 0 ? `, ${count('waiting')} waiting` : ''} (${(waitedMs / 1000).toFixed(1)} s)`;
}
