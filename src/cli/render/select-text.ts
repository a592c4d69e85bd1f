/**
 * Text renderings of `vgpuctl select`: the candidate list with verdicts, and the summary of
 * a selection (what, why, the plan or what was done, the QEMU arguments, caveats).
 */
import type { Plan } from '../../core/plan.ts';
import { renderPlanAsShell } from '../../core/plan.ts';
import type { Candidate } from '../../manager/candidate.ts';
import type { Acquisition } from '../../manager/initialize.ts';
import type { GpuStats } from '../../manager/stats.ts';
import type { VmGpuConfig } from '../../vmconfig/vm-gpu.ts';
import { formatMiB } from './gpu-text.ts';
import { renderTable } from './table.ts';

/** The candidate table of `select --list`. */
export function renderCandidates(candidates: readonly Candidate[]): string {
  if (candidates.length === 0) return 'No candidates match.';
  return renderTable(candidates, [
    { header: '#', value: (c) => String(c.index), align: 'right' },
    { header: 'MODE', value: (c) => c.mode },
    { header: 'DEVICE', value: (c) => c.device ?? '-' },
    { header: 'CANDIDATE', value: (c) => c.label },
    { header: 'VERDICT', value: (c) => (c.available ? 'available' : `unavailable: ${c.reasons.join('; ')}`) },
  ]);
}

/** What `vgpuctl select` returns (its `--json` / `--output json` data). */
export interface SelectResult {
  selected: Candidate;
  how: GpuStats['how'];
  skipped: GpuStats['skipped'];
  /** True when the host was changed (`--apply`); false when the plan was only shown. */
  applied: boolean;
  /** The plans initialization runs (or ran), and steps that depend on their result. */
  plans: Plan[];
  pending: string[];
  /** What initialization holds (to release it: vgpuctl unbind / sriov --vfs 0 / remove). */
  acquired: Acquisition[];
  stats: GpuStats;
  vm: VmGpuConfig;
  /** QEMU's device arguments, as a list. */
  qemuArgs: string[];
  notes: string[];
}

const HOW: Record<GpuStats['how'], string> = {
  auto: 'the best available candidate',
  mode: 'the best candidate of the mode asked for',
  preferred: 'the preferred mode',
  fallback: 'fallback: the preferred mode was not available',
  index: 'chosen by index',
};

function memoryLine(memory: GpuStats['memory']): string {
  if (memory.MiB === null) return 'unknown';
  switch (memory.kind) {
    case 'vram':
      return `${formatMiB(memory.MiB)} VRAM`;
    case 'framebuffer':
      return `${formatMiB(memory.MiB)} framebuffer`;
    case 'host-memory':
      return `${formatMiB(memory.MiB)} of host memory (virtio-gpu budget, the "virtual VRAM")`;
  }
}

function releaseHint(acquired: readonly Acquisition[]): string[] {
  const command = (a: Acquisition): string => {
    switch (a.kind) {
      case 'bound':
        return `vgpuctl unbind ${a.address}`;
      case 'vfs-enabled':
        return `vgpuctl sriov ${a.pf} --vfs ${a.previous}`;
      case 'vgpus-created':
        return `vgpuctl remove ${a.ids.join(' ')}`;
    }
  };
  return [...acquired].reverse().map(command);
}

/** The summary `vgpuctl select` prints without `--output`. */
export function renderSelection(result: SelectResult, qemuLine: string): string {
  const { selected, stats } = result;
  const lines = [
    `Selected #${selected.index} ${selected.mode} (priority ${selected.priority}): ${selected.label} — ${HOW[result.how]}`,
  ];
  for (const skip of result.skipped) lines.push(`  passed over ${skip.mode}: ${skip.reasons.join('; ')}`);
  lines.push(`Adapter: ${stats.adapter}`, `Memory:  ${memoryLine(stats.memory)}`, `VM UUID: ${result.vm.vmUuid}`);
  if (result.applied) {
    lines.push(
      result.acquired.length === 0
        ? 'Initialized: nothing on the host needed changing.'
        : 'Initialized. To release it:',
    );
    for (const command of releaseHint(result.acquired)) lines.push(`  ${command}`);
  } else if (result.plans.every((p) => p.steps.length === 0) && result.pending.length === 0) {
    lines.push('Nothing on the host needs changing.');
  } else {
    lines.push('Plan (nothing changed; run again with --apply to do it):');
    for (const plan of result.plans)
      lines.push(
        ...renderPlanAsShell(plan)
          .split('\n')
          .map((l) => `  ${l}`),
      );
    for (const step of result.pending) lines.push(`  # then: ${step}`);
  }
  lines.push(`QEMU:    ${qemuLine}`);
  lines.push('Other formats: --output qemu-full, libvirt, libvirt-fragment, cloud-hypervisor, kubevirt, json');
  if (result.notes.length > 0) lines.push('Notes:', ...result.notes.map((n) => `  - ${n}`));
  return lines.join('\n');
}
