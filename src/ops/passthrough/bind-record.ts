/**
 * Bind records: what `vgpuctl bind` saw before it moved a group, so that `vgpuctl unbind`
 * can put every device back. They live in `/run/vgpuctl/bind/<address>.json` (tmpfs: they
 * vanish at reboot, exactly when the drivers they describe reset). A `--persist`ed bind also
 * leaves driverctl's override files, `/etc/driverctl.d/pci-<address>` holding the driver
 * name, which driverctl's udev rule applies at boot (anchors.md §12); after a reboot those
 * files stand in for the lost records.
 */
import { z } from 'zod';
import { VgpuctlError } from '../../core/errors.ts';
import { isPciAddress, parsePciAddress } from '../../core/pci-address.ts';
import type { HostPort } from '../../host/host-port.ts';
import { isHostError } from '../../host/host-port.ts';

/** Where bind records live. */
export const BIND_RECORD_DIR = '/run/vgpuctl/bind';
/** driverctl's override directory (driverctl: confdir=/etc/driverctl.d, files "<bus>-<device>"). */
export const DRIVERCTL_DIR = '/etc/driverctl.d';

/** What bind saved about one device of the group it moved. */
export const BindRecord = z.object({
  address: z.string(),
  /** The driver before the bind; null when the device had none (or, for driverctl records, unknown). */
  driver: z.string().nullable(),
  /** driver_override before the bind; null when unset. */
  driverOverride: z.string().nullable(),
  /** The driver the bind moved it to. */
  boundTo: z.string(),
  iommuGroup: z.number().int().nullable(),
  /** Whether a driverctl override file keeps the binding across reboots. */
  persisted: z.boolean(),
  /** `vgpuctl`: a record bind wrote; `driverctl`: rebuilt from an override file after a reboot. */
  source: z.enum(['vgpuctl', 'driverctl']),
});
export type BindRecord = z.infer<typeof BindRecord>;

/** The record file: the same content is written for every device of the group. */
export const BindRecordFile = z.object({
  schemaVersion: z.literal(1),
  /** The address the user named. */
  requested: z.string(),
  driver: z.string(),
  iommuGroup: z.number().int().nullable(),
  devices: z.array(BindRecord),
});
export type BindRecordFile = z.infer<typeof BindRecordFile>;

/** `/run/vgpuctl/bind/<address>.json`. */
export function bindRecordPath(address: string): string {
  return `${BIND_RECORD_DIR}/${address}.json`;
}

/** `/etc/driverctl.d/pci-<address>`. */
export function driverctlPath(address: string): string {
  return `${DRIVERCTL_DIR}/pci-${address}`;
}

/**
 * The bind records of the group `address` was bound with: from its record file, or, when
 * /run was cleared by a reboot, rebuilt from driverctl override files of the group's
 * devices. Undefined when neither exists. Throws INVALID_PCI_ADDRESS for a bad address and
 * STATE_CORRUPT for an unreadable record.
 */
export async function readBindRecords(host: HostPort, input: string): Promise<BindRecord[] | undefined> {
  // Parsed before it becomes part of a path: no "../" reaches the filesystem.
  const address = parsePciAddress(input);
  const path = bindRecordPath(address);
  const text = await readOptional(host, path);
  if (text !== undefined) {
    let parsed: BindRecordFile;
    try {
      parsed = BindRecordFile.parse(JSON.parse(text));
    } catch (error) {
      throw new VgpuctlError('STATE_CORRUPT', `Cannot read bind record "${path}": it is not a vgpuctl bind record`, {
        hint: `Remove ${path}; "vgpuctl unbind ${address}" then restores the default drivers`,
        cause: error,
      });
    }
    return parsed.devices;
  }
  return driverctlRecords(host, address);
}

/** Records rebuilt from driverctl override files of the group's devices. */
async function driverctlRecords(host: HostPort, address: string): Promise<BindRecord[] | undefined> {
  const groupDir = `/sys/bus/pci/devices/${address}/iommu_group`;
  let members = [address];
  let iommuGroup: number | null = null;
  try {
    members = (await host.list(`${groupDir}/devices`)).filter(isPciAddress);
    const target = await host.readlink(groupDir);
    const id = target.slice(target.lastIndexOf('/') + 1);
    iommuGroup = /^\d+$/.test(id) ? Number(id) : null;
  } catch (error) {
    if (!isHostError(error)) throw error;
  }
  const records: BindRecord[] = [];
  for (const member of members) {
    const content = await readOptional(host, driverctlPath(member));
    const driver = content?.trim();
    if (driver === undefined || driver === '') continue;
    records.push({
      address: member,
      driver: null,
      driverOverride: null,
      boundTo: driver,
      iommuGroup,
      persisted: true,
      source: 'driverctl',
    });
  }
  return records.length === 0 ? undefined : records;
}

async function readOptional(host: HostPort, path: string): Promise<string | undefined> {
  try {
    return await host.readText(path);
  } catch (error) {
    if (isHostError(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}
