import type { Gpu } from '../../discovery/inventory.ts';
import type { CheckResult } from '../../ops/doctor/check.ts';
import { type DoctorReport, SECTIONS } from '../../ops/doctor/run-doctor.ts';
import { shortGpuName } from './gpu-text.ts';

/**
 * The doctor report as text: per section the host checks, then each GPU's checks under its
 * address and name; one line per check (verdict, id, message), the fix below warn and fail
 * lines, and a summary.
 */
export function renderDoctor(report: DoctorReport, gpus: readonly Gpu[]): string {
  const lines = [`vgpuctl doctor: ${report.source}${report.address === null ? '' : `, GPU ${report.address}`}`];
  const width = Math.max(...report.checks.map((c) => c.id.length));
  for (const section of SECTIONS) {
    const checks = report.checks.filter((c) => c.section === section.id);
    if (checks.length === 0) continue;
    lines.push('', section.title);
    let subject: string | null = null;
    for (const check of checks) {
      if (check.subject !== null && check.subject !== subject) {
        const gpu = gpus.find((g) => g.address === check.subject);
        lines.push(`  ${check.subject}${gpu === undefined ? '' : `  ${shortGpuName(gpu)}`}`);
      }
      subject = check.subject;
      lines.push(...renderCheck(check, check.subject === null ? '  ' : '    ', width));
    }
  }
  const { pass, warn, fail, skip } = report.summary;
  lines.push('', `${pass} passed, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failed, ${skip} skipped`);
  return lines.join('\n');
}

function renderCheck(check: CheckResult, indent: string, width: number): string[] {
  const head = `${indent}${check.verdict.padEnd(4)}  ${check.id.padEnd(width)}  `;
  const lines = [`${head}${check.message}`];
  if (check.fix !== null) lines.push(`${' '.repeat(head.length)}fix: ${check.fix}`);
  return lines;
}
