import type { Plan } from '../../core/plan.ts';
import { renderPlanAsShell } from '../../core/plan.ts';
import { renderTable } from './table.ts';

/** One device whose driver a bind or unbind changed (or left alone). */
interface DriverChange {
  address: string;
  name: string | null;
  before: string | null;
  after: string | null;
}

/** What `vgpuctl bind` and `vgpuctl unbind` return. */
export interface BindResult {
  operation: 'bind' | 'unbind';
  /** False when the host was already as asked: nothing was written. */
  changed: boolean;
  address: string;
  iommuGroup: number | null;
  /** The driver bound to (bind); null for unbind. */
  driver: string | null;
  devices: DriverChange[];
  /** `/dev/vfio/<group>` after a bind to a VFIO driver, when it exists. */
  vfioNode: string | null;
  /** driverctl override files written (bind --persist) or removed (unbind). */
  persisted: string[];
  /** What --force overrode. */
  warnings: string[];
}

/** What a mutating command returns with --dry-run. */
export interface DryRunResult {
  dryRun: true;
  plan: Plan;
}

/** The plan as shell commands, or a line saying there is nothing to do. */
export function renderDryRun(plan: Plan, nothing: string): string {
  return plan.steps.length === 0 ? `# ${plan.action}\n# nothing to do: ${nothing}` : renderPlanAsShell(plan);
}

/** The before/after table of a bind or unbind, with the VFIO node, persistence and the way back. */
export function renderBindResult(result: BindResult): string {
  const lines = result.warnings.map((w) => `warning: ${w}`);
  const group = result.iommuGroup === null ? 'the devices' : `IOMMU group ${result.iommuGroup}`;
  if (!result.changed) {
    lines.push(
      result.operation === 'bind'
        ? `Nothing to do: ${group} of ${result.address} is already on ${result.driver ?? 'its driver'}.`
        : `Nothing to restore: ${group} of ${result.address} is on its host drivers.`,
    );
  } else {
    lines.push(
      result.operation === 'bind' ? `Bound ${group} to ${result.driver}:` : `Restored the host drivers of ${group}:`,
    );
  }
  lines.push(
    renderTable(result.devices, [
      { header: 'DEVICE', value: (d) => d.address },
      { header: 'BEFORE', value: (d) => d.before ?? '-' },
      { header: 'NOW', value: (d) => d.after ?? '-' },
      { header: 'NAME', value: (d) => d.name ?? '' },
    ])
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
  );
  if (result.vfioNode !== null) lines.push(`VFIO group node: ${result.vfioNode}`);
  if (result.persisted.length > 0) {
    lines.push(
      result.operation === 'bind'
        ? `Persisted for driverctl (applied at boot): ${result.persisted.join(', ')}`
        : `Removed driverctl overrides: ${result.persisted.join(', ')}`,
    );
  }
  if (result.operation === 'bind' && result.changed) lines.push(`Undo with: vgpuctl unbind ${result.address}`);
  return lines.join('\n');
}
