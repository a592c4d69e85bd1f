/**
 * Running vGPU plans: plan against fresh discovery, execute (rolling back on failure),
 * verify by reading back what the plan touched (or, for a whole-inventory check, by
 * discovering again). When the kernel refuses a write because a concurrent
 * invocation took the capacity, the UUID or the VF first (ENOSPC, EUSERS, EEXIST, EBUSY),
 * the operation is planned again against the new state, a bounded number of times: the
 * kernel is the arbiter, and the replanned attempt either fits or says why it cannot.
 */
import { isVgpuctlError, VgpuctlError } from '../../core/errors.ts';
import type { Plan } from '../../core/plan.ts';
import type { DiscoverOptions, DiscoveryScope } from '../../discovery/discover.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import type { HostPort } from '../../host/host-port.ts';
import { isHostError } from '../../host/host-port.ts';
import { type Definitions, readDefinitions } from '../../store/definitions.ts';
import { type LockOptions, withDefinitionsLock } from '../../store/lock.ts';
import { type ExecutionReport, executePlan } from '../execute-plan.ts';

/**
 * What vGPU planning needs discovery to read: types, counts and live instances' ids — not
 * each instance's driver and IOMMU-group links, the host's IOMMU-group walk, /proc's device
 * users, PCI functions' link, BARs, NUMA node and boot_vga, or anything of the functions
 * that are not GPUs but their class, which no vGPU planner or listing uses (thousands of
 * reads on a large host).
 */
export const VGPU_DISCOVERY: Readonly<DiscoverOptions> = {
  deviceUsers: false,
  iommuGroups: false,
  instances: 'ids',
  pciDetails: false,
  otherFunctions: false,
};

/** What vGPU operations need from their caller. */
export interface VgpuDeps {
  host: HostPort;
  /** A fresh inventory of the host (of the part `scope` names, when it is given and honoured). */
  discover: (scope?: DiscoveryScope) => Promise<Inventory>;
  /** Who takes the definitions lock. */
  lock: LockOptions;
  /** Plan only: nothing is written, locked or verified. */
  dryRun: boolean;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** A planned (and, unless dry-run, executed and verified) operation. */
export interface Applied<T> {
  plan: Plan;
  result: T;
  executed: boolean;
  report: ExecutionReport | null;
  /** How many times it was planned (more than 1 after losing a race). */
  attempts: number;
}

/** Options of {@link applyVgpuPlan}. */
export interface ApplyOptions<T> {
  /** Hold the definitions lock while planning and executing (operations that write definitions). */
  lock?: boolean;
  /**
   * Checks the host after execution by reading only what the plan touched (not a second
   * discovery); returns what is wrong, or undefined.
   */
  verifyOnHost?: (host: HostPort, result: T) => Promise<string | undefined>;
  /** Attempts when losing a race to a concurrent invocation (default 5). */
  attempts?: number;
}

/** Errnos with which the kernel says another writer got there first. */
const CONTENTION = ['ENOSPC', 'EUSERS', 'EEXIST', 'EBUSY'] as const;

/** True when a plan failed because a concurrent invocation changed the host under it. */
export function lostRace(error: unknown): boolean {
  if (!isVgpuctlError(error) || error.code !== 'SYSFS_WRITE_FAILED') return false;
  const cause = error.cause;
  if (isHostError(cause, ...CONTENTION)) return true;
  // A VF refuses a type that stopped fitting (another size was set meanwhile) with EINVAL.
  return isHostError(cause, 'EINVAL') && cause.path.endsWith('/current_vgpu_type');
}

/** Plans with `planner` against the host as it is, executes, verifies; replans after a lost race. */
export async function applyVgpuPlan<T>(
  deps: VgpuDeps,
  planner: (inventory: Inventory, definitions: Definitions) => { plan: Plan; result: T },
  options: ApplyOptions<T> = {},
): Promise<Applied<T>> {
  const attempts = options.attempts ?? 5;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const run = async (): Promise<Applied<T>> => {
    for (let attempt = 1; ; attempt++) {
      const [inventory, definitions] = await Promise.all([deps.discover(), readDefinitions(deps.host)]);
      const { plan, result } = planner(inventory, definitions);
      if (deps.dryRun) return { plan, result, executed: false, report: null, attempts: attempt };
      let report: ExecutionReport;
      try {
        report = await executePlan(deps.host, plan, { sleep });
      } catch (error) {
        if (attempt < attempts && lostRace(error)) {
          // Two invocations that collide and roll back would collide again in lockstep: a
          // random pause lets one of them finish first.
          await sleep(1 + Math.floor(Math.random() * 25 * attempt));
          continue;
        }
        throw error;
      }
      const problem = await options.verifyOnHost?.(deps.host, result);
      if (problem !== undefined) {
        throw new VgpuctlError(
          'SYSFS_WRITE_FAILED',
          `Cannot ${plan.action}: the kernel accepted every write, but ${problem}`,
          {
            hint: 'Run "vgpuctl vgpus" to see the current state; the driver may have refused the vGPU after creating it (see dmesg)',
          },
        );
      }
      return { plan, result, executed: true, report, attempts: attempt };
    }
  };
  return options.lock === true && !deps.dryRun ? withDefinitionsLock(deps.host, deps.lock, run) : run();
}
