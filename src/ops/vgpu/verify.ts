/**
 * Verification after a plan ran: the host must show what it promised.
 */
import { parseIntAttribute } from '../../core/sysfs-formats.ts';
import type { HostPort } from '../../host/host-port.ts';
import { isHostError } from '../../host/host-port.ts';
import { DefinitionSyntaxError, parseMdevctlConfig } from '../../store/mdevctl-format.ts';
import { parseVendorVfioConfig } from '../../store/vendor-vfio-format.ts';
import type { CreatedVgpus } from './plan-create.ts';
import type { DefinedVgpu } from './plan-define.ts';
import { parseVgpuIds } from './resolve.ts';
import { currentVgpuTypePath, mdevDevicePath } from './steps.ts';

const MDEV_BUS = '/sys/class/mdev_bus';

/*
 * Targeted verification: after a plan ran, read back only what it touched — the created or
 * removed device directories, the VFs' `current_vgpu_type`, the definition files — instead of
 * discovering the whole host again (thousands of reads on a large host, each a FUSE round
 * trip under `emulate run`).
 */

/** True when `path` resolves on the host; false when it does not. */
async function present(host: HostPort, path: string): Promise<boolean> {
  return host.exists(path);
}

/** A VF's vendor-VFIO type number (0: none), or null when the VF has no readable `nvidia/current_vgpu_type`. */
async function currentVfType(host: HostPort, vf: string): Promise<number | null> {
  try {
    return parseIntAttribute(await host.readText(currentVgpuTypePath(vf))) ?? null;
  } catch (error) {
    if (isHostError(error)) return null;
    throw error;
  }
}

/** What is missing after creating `created`, read from the host, or undefined. */
export async function verifyCreatedOnHost(host: HostPort, created: CreatedVgpus): Promise<string | undefined> {
  const checks = await Promise.all(
    (created as CreatedVgpus[number][]).map(async (c) => {
      if (c.kind === 'mdev') {
        const ok = await present(host, `${MDEV_BUS}/${c.parent}/mdev_supported_types/${c.type}/devices/${c.uuid}`);
        return ok ? null : c.uuid;
      }
      return (await currentVfType(host, c.vf)) === c.typeId ? null : c.vf;
    }),
  );
  const missing = checks.filter((id): id is string => id !== null);
  return missing.length === 0 ? undefined : `${missing.join(', ')} did not appear`;
}

/** What still runs after removing `ids` (UUIDs or VF addresses), read from the host, or undefined. */
export async function verifyGoneOnHost(host: HostPort, ids: readonly string[]): Promise<string | undefined> {
  const parsed = parseVgpuIds(ids, 'verify vGPUs');
  const checks = await Promise.all(
    parsed.map(async (id, i) => {
      const alive =
        id.kind === 'mdev'
          ? await present(host, mdevDevicePath(id.uuid))
          : ((await currentVfType(host, id.vf)) ?? 0) !== 0;
      return alive ? (ids[i] as string) : null;
    }),
  );
  const left = checks.filter((id): id is string => id !== null);
  return left.length === 0 ? undefined : `${left.join(', ')} still exist${left.length === 1 ? 's' : ''}`;
}

/** Which definition files of `defined` cannot be read back and parsed, or undefined. */
export async function verifyDefinedOnHost(
  host: HostPort,
  defined: readonly DefinedVgpu[],
): Promise<string | undefined> {
  const checks = await Promise.all(
    defined.map(async (d) => {
      try {
        const text = await host.readText(d.path);
        if (d.kind === 'mdev') parseMdevctlConfig(text);
        else parseVendorVfioConfig(text);
        return null;
      } catch (error) {
        if (isHostError(error) || error instanceof DefinitionSyntaxError) return d.path;
        throw error;
      }
    }),
  );
  const missing = checks.filter((p): p is string => p !== null);
  return missing.length === 0 ? undefined : `${missing.join(', ')} cannot be read back`;
}
