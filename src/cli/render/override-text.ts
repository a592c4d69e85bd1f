/** Text rendering of `vgpuctl override`. */

import type { OverrideIssue } from '../../ops/overrides/validate-overrides.ts';
import type { OverrideShow } from '../commands/override.ts';
import { type Column, renderTable } from './table.ts';

/** `path:line:column: error: message`, one per line, as compilers print them. */
export function renderIssues(path: string, issues: readonly OverrideIssue[]): string {
  if (issues.length === 0) return `${path}: no problems`;
  return issues.map((i) => `${path}:${i.line}:${i.column}: ${i.severity}: ${i.message}`).join('\n');
}

type Row = OverrideShow['effective'][number];
const cell = (row: Row, field: keyof Row['base'] & keyof Row['effective']) => {
  const base = String(row.base[field]);
  const now = String(row.effective[field]);
  return base === now ? now : `${now} (was ${base})`;
};
const COLUMNS: Column<Row>[] = [
  { header: 'TYPE', value: (r) => `nvidia-${r.typeId}` },
  { header: 'NAME', value: (r) => cell(r, 'name') },
  { header: 'FB MiB', value: (r) => cell(r, 'framebufferMiB') },
  { header: 'HEADS', value: (r) => cell(r, 'numHeads') },
  { header: 'MAX RES', value: (r) => cell(r, 'maxResolution') },
  { header: 'MAX/GPU', value: (r) => cell(r, 'maxInstances') },
  { header: 'FRL', value: (r) => cell(r, 'frlConfig') },
];

/** The tables, the effective profiles, then any issues. */
export function renderOverrideShow(show: OverrideShow): string {
  if (!show.exists) return `${show.path}: no overrides (the file does not exist).`;
  const lines = [`${show.path}: ${show.tables.length} table(s)`];
  for (const t of show.tables) {
    lines.push(
      `  [${t.table}] ${Object.entries(t.values)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
        .join(' ')}`,
    );
  }
  if (show.effective.length > 0) lines.push('', 'Effective profiles:', renderTable(show.effective, COLUMNS));
  if (show.issues.length > 0) lines.push('', renderIssues(show.path, show.issues));
  return lines.join('\n');
}
