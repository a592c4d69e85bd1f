/**
 * `vgpuctl unbind` (alias `restore`): returns every device of a GPU's IOMMU group to the
 * driver it had before `vgpuctl bind` — from the bind records — or, without a record, to the
 * driver the kernel picks by default, and removes the records and driverctl overrides.
 */
import { VgpuctlError } from '../../core/errors.ts';
import { parsePciAddress } from '../../core/pci-address.ts';
import type { Plan, Step } from '../../core/plan.ts';
import type { GroupDevice, Inventory, IommuGroupInfo } from '../../discovery/inventory.ts';
import { type BindRecord, bindRecordPath, driverctlPath } from './bind-record.ts';
import { isDmaSafeDriver, isVfioDriver } from './driver-name.ts';
import { bindTo, probe, setOverride, unbindFrom, VERIFY_TIMEOUT_MS, verifyBound } from './driver-steps.ts';
import { describeUsers, vfioUsersOfGroup } from './group-users.ts';
import { groupOf } from './inventory-groups.ts';
import { notAGpu } from './locate-device.ts';

/** What to restore: a device of the group, and the records bind left (see readBindRecords). */
export interface UnbindRequest {
  address: string;
  records: BindRecord[] | undefined;
}

/**
 * Plans returning the IOMMU group of `request.address` to its host drivers. Per endpoint
 * that is on a VFIO or stub driver, or has a record: restore driver_override, unbind, then
 * bind the recorded driver (verified) or probe for the default one. Devices already back on
 * their recorded driver are left alone; a plan without steps means nothing to do. Throws
 * when the address is not a GPU's group or a VM holds the group.
 */
export function planUnbind(inventory: Inventory, request: UnbindRequest): Plan {
  const address = parsePciAddress(request.address);
  const action = `restore the host drivers of "${address}"`;
  const records = request.records ?? [];
  const group = groupOf(inventory, address) ?? null;
  // Any device of a GPU's group names the group (the audio function too); recorded devices always do.
  const holdsGpu = group?.devices.some((d) => isGpuFunction(inventory, d.address)) === true;
  if (!holdsGpu && records.length === 0) throw notAGpu(inventory, address, action);

  if (group !== null) {
    const vfioUsers = vfioUsersOfGroup(inventory, group);
    if (vfioUsers.length > 0) {
      throw new VgpuctlError(
        'DEVICE_BUSY',
        `Cannot ${action}: IOMMU group ${group.id} is in use by a VFIO user: ${describeUsers(vfioUsers)}`,
        {
          hint: 'Shut the VM down first: unbinding vfio-pci blocks until the VM releases the device',
        },
      );
    }
  }

  const devices = endpointsToRestore(group, records);
  const steps: Step[] = [];
  let releasesVfio = false;
  for (const { device: d, record } of devices) {
    const restore = restoreOf(record, inventory.pciDrivers);
    const wantOverride = record?.driverOverride ?? null;
    const current = d.driver;
    const needsMove =
      restore.kind === 'driver'
        ? current !== restore.driver
        : restore.kind === 'none'
          ? current !== null
          : isDmaSafeDriver(current) && (current !== null || d.driverOverride !== null);
    // Without a record, only devices parked on a VFIO or stub driver are ours to touch.
    if (!needsMove && (record === undefined || d.driverOverride === wantOverride)) continue;
    if (isVfioDriver(current)) releasesVfio = true;
    if (d.driverOverride !== wantOverride) {
      const why =
        wantOverride === null
          ? `clear the driver_override of ${d.address}`
          : `restore the driver_override of ${d.address}`;
      steps.push(setOverride(d.address, wantOverride, d.driverOverride, why));
    }
    if (!needsMove) continue;
    if (current !== null)
      steps.push(unbindFrom(d.address, current, d.driverOverride, `release ${d.address} from ${current}`));
    if (restore.kind === 'driver') {
      steps.push(
        bindTo(d.address, restore.driver, `give ${d.address} back to ${restore.driver}, its driver before the bind`),
      );
      steps.push(verifyBound(d.address, restore.driver));
    } else if (restore.kind === 'default') {
      steps.push(probe(d.address, null, `let the kernel attach ${d.address} to its default driver`));
    }
  }
  if (group !== null && releasesVfio && group.vfioNode) {
    const staysVfio = group.devices.some((d) => d.vfioDevice && !devices.some((m) => m.device.address === d.address));
    if (!staysVfio) {
      steps.push({
        kind: 'waitFor',
        path: `/dev/vfio/${group.id}`,
        gone: true,
        timeoutMs: VERIFY_TIMEOUT_MS,
        why: `verify that VFIO released the group node /dev/vfio/${group.id}`,
      });
    }
  }
  for (const record of records) {
    if (record.persisted) {
      steps.push({
        kind: 'removeFile',
        path: driverctlPath(record.address),
        why: `stop driverctl from rebinding ${record.address} at boot`,
      });
    }
    if (record.source === 'vgpuctl') {
      steps.push({
        kind: 'removeFile',
        path: bindRecordPath(record.address),
        why: `forget the bind record of ${record.address}`,
      });
    }
  }
  return {
    action: group === null ? action : `restore the host drivers of IOMMU group ${group.id} of "${address}"`,
    steps,
  };
}

/** A GPU or a VF of one. */
function isGpuFunction(inventory: Inventory, address: string): boolean {
  return inventory.gpus.some((g) => g.address === address || g.sriov?.vfs.some((v) => v.address === address) === true);
}

/** Where a device goes back to: its recorded driver, no driver (it had none), or the kernel's default. */
type Restore = { kind: 'driver'; driver: string } | { kind: 'none' } | { kind: 'default' };

function restoreOf(record: BindRecord | undefined, pciDrivers: string[] | undefined): Restore {
  // driverctl files name only the override, not the driver before it.
  if (record === undefined || record.source === 'driverctl') return { kind: 'default' };
  if (record.driver === null) return { kind: 'none' };
  // The recorded driver's module was unloaded since: probing finds whatever matches now.
  if (pciDrivers !== undefined && !pciDrivers.includes(record.driver)) return { kind: 'default' };
  return { kind: 'driver', driver: record.driver };
}

/** Endpoints of the group (or, without a group, the recorded devices) with their records. */
function endpointsToRestore(
  group: IommuGroupInfo | null,
  records: BindRecord[],
): { device: GroupDevice; record: BindRecord | undefined }[] {
  const endpoints = group?.devices.filter((d) => d.kind === 'pci' && !d.bridge) ?? [];
  return endpoints.map((device) => ({ device, record: records.find((r) => r.address === device.address) }));
}
