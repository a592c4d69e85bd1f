/**
 * `vgpuctl bind`: moves a GPU's whole IOMMU group to vfio-pci (or another VFIO or stub
 * driver) through driver_override, unbind and drivers_probe — the kernel's per-device way,
 * not a global new_id that would grab every device with the same ids — then records what
 * each device was bound to before, and optionally persists the override for driverctl.
 */
import { VgpuctlError } from '../../core/errors.ts';
import type { Plan, Step } from '../../core/plan.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import { assessBind } from './bind-checks.ts';
import {
  BIND_RECORD_DIR,
  type BindRecord,
  type BindRecordFile,
  bindRecordPath,
  DRIVERCTL_DIR,
  driverctlPath,
} from './bind-record.ts';
import { isVfioDriver } from './driver-name.ts';
import { probe, setOverride, unbindFrom, VERIFY_TIMEOUT_MS, verifyBound } from './driver-steps.ts';

/** What to bind: a GPU (or a VF of one), the driver (default vfio-pci), and the safety switches. */
export interface BindRequest {
  address: string;
  driver?: string;
  /** Bind even the boot VGA device, a device in use, or a group shared with other devices. */
  force?: boolean;
  /** Also write driverctl override files so that the binding survives reboots. */
  persist?: boolean;
}

/**
 * Plans moving the whole IOMMU group of `request.address` to the driver. Per endpoint
 * (bridges skipped, devices already on the driver left alone): set driver_override, unbind
 * the current driver, probe, verify; then wait for /dev/vfio/<group>, write the bind
 * records, and with `persist` driverctl's override files. Throws VgpuctlError with the
 * reason when the bind is refused.
 *
 * @example
 * const plan = planBind(await discover(host), { address: '0000:01:00.0' });
 * await executePlan(host, plan);
 */
export function planBind(inventory: Inventory, request: BindRequest): Plan {
  const { target, driver, group, endpoints, findings } = assessBind(inventory, request);
  const blocking = findings.find((f) => !f.forceable || request.force !== true);
  if (blocking !== undefined) throw new VgpuctlError(blocking.code, blocking.message, { hint: blocking.hint });

  const steps: Step[] = [];
  const moving = endpoints.filter((d) => d.driver !== driver);
  for (const device of moving) {
    const { address } = device;
    if (device.driverOverride !== driver) {
      steps.push(
        setOverride(address, driver, device.driverOverride, `only ${driver} may claim ${address} from now on`),
      );
    }
    if (device.driver !== null) {
      steps.push(unbindFrom(address, device.driver, device.driverOverride, `release ${address} from ${device.driver}`));
    }
    steps.push(probe(address, driver, `let the kernel attach ${address} to the driver its override names`));
    steps.push(verifyBound(address, driver));
  }
  if (moving.length > 0 && isVfioDriver(driver)) {
    steps.push({
      kind: 'waitFor',
      path: `/dev/vfio/${group.id}`,
      timeoutMs: VERIFY_TIMEOUT_MS,
      why: `verify that VFIO created the group node /dev/vfio/${group.id}`,
    });
  }

  if (moving.length > 0) {
    const records: BindRecord[] = endpoints.map((d) => ({
      address: d.address,
      driver: d.driver,
      driverOverride: d.driverOverride,
      boundTo: driver,
      iommuGroup: group.id,
      persisted: request.persist === true,
      source: 'vgpuctl',
    }));
    const file: BindRecordFile = {
      schemaVersion: 1,
      requested: target.address,
      driver,
      iommuGroup: group.id,
      devices: records,
    };
    const content = `${JSON.stringify(file)}\n`;
    steps.push(
      {
        kind: 'mkdir',
        path: '/run/vgpuctl',
        why: 'vgpuctl keeps runtime state in /run (tmpfs: gone at reboot, like the bindings)',
      },
      { kind: 'mkdir', path: BIND_RECORD_DIR, why: 'bind records say which driver each device had before' },
      ...endpoints.map(
        (d): Step => ({
          kind: 'writeFile',
          path: bindRecordPath(d.address),
          content,
          mode: 0o644,
          why: `remember the drivers of group ${group.id} for "vgpuctl unbind ${d.address}"`,
        }),
      ),
    );
  }
  if (request.persist === true) {
    steps.push({ kind: 'mkdir', path: DRIVERCTL_DIR, why: "driverctl's override directory" });
    for (const d of endpoints) {
      steps.push({
        kind: 'writeFile',
        path: driverctlPath(d.address),
        content: `${driver}\n`,
        mode: 0o644,
        why: `persist: driverctl's udev rule sets the override of ${d.address} to ${driver} at boot`,
      });
    }
  }
  return { action: `bind IOMMU group ${group.id} of "${target.address}" to ${driver}`, steps };
}
