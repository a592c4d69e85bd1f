/**
 * Runs a passthrough or SR-IOV plan and rediscovers the host: the result is verified by
 * reading the host again, and a failure says where each device ended up after the rollback
 * and what the kernel's errno means.
 */
import { isVgpuctlError, VgpuctlError } from '../../core/errors.ts';
import type { PciIds } from '../../core/pci-ids.ts';
import type { Plan } from '../../core/plan.ts';
import { discover } from '../../discovery/discover.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import type { HostPort } from '../../host/host-port.ts';
import { isHostError } from '../../host/host-port.ts';
import { type ExecuteOptions, type ExecutionReport, executePlan } from '../execute-plan.ts';
import { explainFailure } from './explain-failure.ts';
import { groupDevice } from './inventory-groups.ts';

/** Options of {@link applyPlan}. */
export interface ApplyOptions extends ExecuteOptions {
  pciIds?: PciIds;
  /** The inventory the plan was made from. */
  before: Inventory;
  /** Devices whose driver to report after a failure. */
  watch: readonly string[];
}

/**
 * Executes `plan` and returns the rediscovered inventory. On failure, rethrows the
 * executor's error with the kernel's answer explained in the hint and the drivers of the
 * watched devices after the rollback appended to the message.
 */
export async function applyPlan(
  host: HostPort,
  plan: Plan,
  options: ApplyOptions,
): Promise<{ report: ExecutionReport; after: Inventory }> {
  const discoverOptions = options.pciIds === undefined ? {} : { pciIds: options.pciIds };
  let report: ExecutionReport;
  try {
    report = await executePlan(host, plan, options.sleep === undefined ? {} : { sleep: options.sleep });
  } catch (error) {
    if (!isVgpuctlError(error) || error.code !== 'SYSFS_WRITE_FAILED') throw error;
    const failed = (error.details?.report as ExecutionReport | undefined)?.outcomes.find((o) => o.status === 'failed');
    const cause = error.cause;
    const explained =
      failed === undefined ? undefined : explainFailure(failed.step, isHostError(cause) ? cause.errno : undefined);
    const now = await discover(host, discoverOptions).catch(() => undefined);
    const states =
      now === undefined ? [] : options.watch.map((address) => describeDriver(address, options.before, now));
    throw new VgpuctlError(
      error.code,
      states.length === 0 ? error.message : `${error.message}. Now: ${states.join(', ')}`,
      {
        hint: explained === undefined ? (error.hint ?? '') : `${explained}. ${error.hint ?? ''}`.trim(),
        details: {
          ...error.details,
          ...(now === undefined
            ? {}
            : { devicesNow: options.watch.map((a) => ({ address: a, driver: driverOf(now, a) })) }),
        },
        cause: error,
      },
    );
  }
  return { report, after: await discover(host, discoverOptions) };
}

/** The driver of a PCI function per the inventory: GPUs, their VFs and every group member. */
export function driverOf(inventory: Inventory, address: string): string | null {
  const gpu = inventory.gpus.find((g) => g.address === address);
  if (gpu !== undefined) return gpu.driver;
  const vf = inventory.gpus.flatMap((g) => g.sriov?.vfs ?? []).find((v) => v.address === address);
  if (vf !== undefined) return vf.driver;
  return groupDevice(inventory, address)?.driver ?? null;
}

function describeDriver(address: string, before: Inventory, now: Inventory): string {
  const was = driverOf(before, address);
  const is = driverOf(now, address);
  return `${address} on ${is ?? 'no driver'}${is === was ? ' (as before)' : ` (was ${was ?? 'no driver'})`}`;
}
