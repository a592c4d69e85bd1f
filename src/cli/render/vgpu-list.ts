import type { AutostartOutcome } from '../../ops/vgpu/autostart.ts';
import type { VgpuEntry } from '../../ops/vgpu/list-vgpus.ts';
import { renderTable } from './table.ts';

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
  const problems = entries.filter((e) => e.problem !== null).map((e) => `${e.id}: ${e.definition ?? ''}${e.definition === null ? '' : ': '}${e.problem}`);
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
