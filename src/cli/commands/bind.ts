/**
 * `vgpuctl bind ADDRESS` and `vgpuctl unbind ADDRESS` (alias `restore`): move a GPU's whole
 * IOMMU group to vfio-pci and back, planned, rolled back on failure, verified by rediscovery.
 */
import { VgpuctlError } from '../../core/errors.ts';
import { parsePciAddress } from '../../core/pci-address.ts';
import type { Plan } from '../../core/plan.ts';
import { discover } from '../../discovery/discover.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import { applyPlan, driverOf } from '../../ops/passthrough/apply-plan.ts';
import { assessBind } from '../../ops/passthrough/bind-checks.ts';
import { driverctlPath, readBindRecords } from '../../ops/passthrough/bind-record.ts';
import { isVfioDriver } from '../../ops/passthrough/driver-name.ts';
import { groupOf } from '../../ops/passthrough/inventory-groups.ts';
import { planBind } from '../../ops/passthrough/plan-bind.ts';
import { planUnbind } from '../../ops/passthrough/plan-unbind.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { type BindResult, type DryRunResult, renderBindResult, renderDryRun } from '../render/bind-text.ts';

/** Options of `vgpuctl bind`. */
interface BindOptions {
  driver?: string;
  force?: boolean;
  persist?: boolean;
}

/** `vgpuctl bind`: plans, executes and verifies moving the group of `input` to the driver. */
export async function bindCommand(
  context: CommandContext,
  input: string,
  options: BindOptions,
): Promise<CommandResult<BindResult | DryRunResult>> {
  const before = await discover(context.host, { pciIds: context.pciIds });
  const request = {
    address: input,
    ...(options.driver === undefined ? {} : { driver: options.driver }),
    ...(options.force === undefined ? {} : { force: options.force }),
    ...(options.persist === undefined ? {} : { persist: options.persist }),
  };
  const plan = planBind(before, request);
  const { target, driver, group, endpoints, findings } = assessBind(before, request);
  if (context.dryRun) return dryRun(plan, `every device of IOMMU group ${group.id} is on ${driver}`);

  const addresses = endpoints.map((d) => d.address);
  const after =
    plan.steps.length === 0
      ? before
      : (await applyPlan(context.host, plan, { pciIds: context.pciIds, before, watch: addresses })).after;
  const wrong = addresses.filter((a) => driverOf(after, a) !== driver);
  if (wrong.length > 0) {
    throw new VgpuctlError(
      'SYSFS_WRITE_FAILED',
      `Cannot verify the bind of IOMMU group ${group.id} to ${driver}: ${wrong.join(', ')} ${wrong.length === 1 ? 'is' : 'are'} not on it`,
      {
        hint: 'Run "vgpuctl groups" to see the drivers now, and "vgpuctl unbind" to restore them',
      },
    );
  }
  const vfioNode = `/dev/vfio/${group.id}`;
  const result: BindResult = {
    operation: 'bind',
    changed: plan.steps.length > 0,
    address: target.address,
    iommuGroup: group.id,
    driver,
    devices: changes(addresses, before, after),
    vfioNode: isVfioDriver(driver) && (await context.host.exists(vfioNode)) ? vfioNode : null,
    persisted: options.persist === true ? addresses.map(driverctlPath) : [],
    warnings:
      options.force === true
        ? findings.filter((f) => f.forceable).map((f) => f.message.replace(/^Cannot [^:]+: /, ''))
        : [],
  };
  return { data: result, text: renderBindResult(result) };
}

/** `vgpuctl unbind`: plans, executes and verifies returning the group of `input` to its host drivers. */
export async function unbindCommand(
  context: CommandContext,
  input: string,
): Promise<CommandResult<BindResult | DryRunResult>> {
  const address = parsePciAddress(input);
  const before = await discover(context.host, { pciIds: context.pciIds });
  const records = await readBindRecords(context.host, address);
  const plan = planUnbind(before, { address, records });
  if (context.dryRun) return dryRun(plan, 'the devices are on their host drivers');

  const group = groupOf(before, address) ?? null;
  const addresses = group?.devices.filter((d) => d.kind === 'pci' && !d.bridge).map((d) => d.address) ??
    records?.map((r) => r.address) ?? [address];
  const after =
    plan.steps.length === 0
      ? before
      : (await applyPlan(context.host, plan, { pciIds: context.pciIds, before, watch: addresses })).after;
  const result: BindResult = {
    operation: 'unbind',
    changed: plan.steps.length > 0,
    address,
    iommuGroup: group?.id ?? null,
    driver: null,
    devices: changes(addresses, before, after),
    vfioNode: null,
    persisted: plan.steps
      .filter((s) => s.kind === 'removeFile' && s.path.startsWith('/etc/driverctl.d/'))
      .map((s) => s.path),
    warnings: [],
  };
  return { data: result, text: renderBindResult(result) };
}

function changes(addresses: readonly string[], before: Inventory, after: Inventory): BindResult['devices'] {
  return addresses.map((address) => ({
    address,
    name: groupOf(after, address)?.devices.find((d) => d.address === address)?.name ?? null,
    before: driverOf(before, address),
    after: driverOf(after, address),
  }));
}

function dryRun(plan: Plan, nothing: string): CommandResult<DryRunResult> {
  return { data: { dryRun: true, plan }, text: renderDryRun(plan, nothing) };
}
