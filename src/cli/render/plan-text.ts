/** Text rendering of `vgpuctl plan`. */
import type { Placement, PlanResult } from '../../planner/index.ts';
import { type Column, renderTable } from './table.ts';

/** Suggestions printed per unplaced profile (the JSON has them all). */
const MAX_SUGGESTIONS = 8;

const vfs = (p: Placement): string => {
  if (p.vfs.length === 0) return '-';
  if (p.vfs.length <= 2) return p.vfs.join(', ');
  return `${p.vfs[0]} … ${p.vfs[p.vfs.length - 1]} (${p.vfs.length})`;
};

const COLUMNS: Column<Placement>[] = [
  { header: 'GPU', value: (p) => p.gpu },
  { header: 'PROFILE', value: (p) => p.profile },
  { header: 'TYPE', value: (p) => (p.typeId === null ? '-' : `nvidia-${p.typeId}`) },
  { header: 'COUNT', value: (p) => String(p.count), align: 'right' },
  { header: 'VFS', value: vfs },
];

/** Placements per host, then what does not fit with its reasons and the smallest change. */
export function renderPlanResult(plan: PlanResult): string {
  const lines: string[] = [];
  lines.push(
    plan.fits
      ? `Fits: all ${plan.requested} placed.`
      : `Does not fit: ${plan.placed} of ${plan.requested} placed, ${plan.requested - plan.placed} left.`,
  );
  const hosts = [...new Set(plan.placements.map((p) => p.host))];
  for (const host of hosts) {
    lines.push(
      '',
      `Host ${host}:`,
      indent(
        renderTable(
          plan.placements.filter((p) => p.host === host),
          COLUMNS,
        ),
      ),
    );
  }
  for (const u of plan.unplaced) {
    lines.push('', `Not placed: ${u.count} × ${u.profile}`);
    for (const r of u.reasons) lines.push(`  why (${r.rule}): ${r.message}`);
    if (u.suggestions.length === 0) lines.push('  no single change on these hosts makes room: add GPUs');
    else {
      const total = u.suggestions.length;
      lines.push(total === 1 ? '  smallest change that fits:' : `  smallest changes that fit (${total} together):`);
      for (const s of u.suggestions.slice(0, MAX_SUGGESTIONS)) {
        lines.push(
          `    ${s.message} — room for ${s.adds}${s.host === '' ? '' : ` (host ${s.host})`}`,
          `      ${s.command}`,
        );
      }
      if (total > MAX_SUGGESTIONS) lines.push(`    … and ${total - MAX_SUGGESTIONS} more (see --json)`);
    }
  }
  return lines.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
