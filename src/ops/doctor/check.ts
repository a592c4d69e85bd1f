/**
 * Doctor checks: small pure functions of host facts, each with a stable id, a verdict, a
 * message saying what the host looks like, and — when something is wrong — the fix.
 */
import type { Gpu, Inventory } from '../../discovery/inventory.ts';
import type { VirtFacts } from '../../discovery/virt-facts.ts';

/** pass: ready; warn: works with a caveat or cannot be told; fail: this mode cannot work; skip: does not apply. */
export type Verdict = 'pass' | 'warn' | 'fail' | 'skip';

/** The sections of the report, one per virtualization mode plus the host. */
export type SectionId = 'host' | 'passthrough' | 'sriov' | 'vgpu';

/** What one check found. */
export interface CheckOutcome {
  verdict: Verdict;
  message: string;
  /** What to do about a warn or fail; null otherwise. */
  fix: string | null;
}

/** One line of the report. */
export interface CheckResult extends CheckOutcome {
  section: SectionId;
  /** Stable id scripts can match on: `iommu`, `interrupt-remapping`, `iommu-group` … */
  id: string;
  /** The GPU a per-GPU check is about; null for host checks. */
  subject: string | null;
}

/** Everything the checks look at, read through the host port beforehand. */
export interface DoctorFacts {
  inventory: Inventory;
  virt: VirtFacts;
}

/** A check about the host as a whole. */
export interface HostCheck {
  id: string;
  section: SectionId;
  run(facts: DoctorFacts): CheckOutcome;
}

/** A check about one GPU; `applies` says whether the GPU has the mode at all. */
export interface GpuCheck {
  id: string;
  section: SectionId;
  applies(gpu: Gpu, facts: DoctorFacts): boolean;
  run(gpu: Gpu, facts: DoctorFacts): CheckOutcome;
}

/** A passing outcome. */
export const pass = (message: string): CheckOutcome => ({ verdict: 'pass', message, fix: null });
/** A warning with its fix. */
export const warn = (message: string, fix: string): CheckOutcome => ({ verdict: 'warn', message, fix });
/** A failure with its fix. */
export const fail = (message: string, fix: string): CheckOutcome => ({ verdict: 'fail', message, fix });
/** A check that does not apply, and why. */
export const skip = (message: string): CheckOutcome => ({ verdict: 'skip', message, fix: null });
