/**
 * Reading every persistent vGPU definition on a host: mdevctl's files and vgpuctl's
 * vendor-VFIO files. A file that cannot be used is reported as a problem next to the good
 * ones, never silently dropped and never allowed to hide the others (mdevctl#56: one bad
 * file made `mdevctl list --defined` fail for libvirt).
 */
import { isPciAddress } from '../core/pci-address.ts';
import { isUuid } from '../core/uuid.ts';
import type { HostPort } from '../host/host-port.ts';
import { isHostError } from '../host/host-port.ts';
import { DefinitionSyntaxError, type MdevctlConfig, parseMdevctlConfig, type StartMode } from './mdevctl-format.ts';
import { MDEVCTL_DIR, MDEVCTL_SCRIPTS, VENDOR_VFIO_DIR } from './paths.ts';
import { parseVendorVfioConfig } from './vendor-vfio-format.ts';

/** A persistent mdev, as mdevctl defines it: `/etc/mdevctl.d/<parent>/<uuid>`. */
interface MdevDefinition extends MdevctlConfig {
  kind: 'mdev';
  uuid: string;
  parent: string;
  path: string;
}

/** A persistent NVIDIA vendor-VFIO vGPU: `/etc/vgpuctl/vendor-vfio.d/<pf>/<vf>`. */
export interface VendorVfioDefinition {
  kind: 'vendor-vfio';
  vf: string;
  pf: string;
  typeId: number;
  typeName: string | null;
  start: StartMode;
  path: string;
}

/** Either kind of definition. */
export type Definition = MdevDefinition | VendorVfioDefinition;

/** A definition file that cannot be used. */
export interface DefinitionProblem {
  kind: 'mdev' | 'vendor-vfio';
  /** The UUID or VF address its name gives. */
  id: string;
  parent: string;
  path: string;
  reason: string;
}

/** Everything defined on a host. */
export interface Definitions {
  mdev: MdevDefinition[];
  vendorVfio: VendorVfioDefinition[];
  problems: DefinitionProblem[];
}

/** No definitions at all (hosts without /etc/mdevctl.d). */
export const NO_DEFINITIONS: Definitions = { mdev: [], vendorVfio: [], problems: [] };

// mdev type ids are sysfs directory names; anything else in a file is refused before it reaches a path.
const TYPE_ID = /^[A-Za-z0-9_.:+-]+$/;

/** Reads every definition below /etc/mdevctl.d and /etc/vgpuctl/vendor-vfio.d. */
export async function readDefinitions(host: HostPort): Promise<Definitions> {
  const result: Definitions = { mdev: [], vendorVfio: [], problems: [] };
  for (const parent of await listDir(host, MDEVCTL_DIR)) {
    if (parent === MDEVCTL_SCRIPTS || parent.startsWith('.')) continue;
    const dir = `${MDEVCTL_DIR}/${parent}`;
    if ((await kindOf(host, dir)) !== 'dir') continue;
    for (const name of await listDir(host, dir)) {
      // mdevctl skips names that are not UUIDs (with a warning); atomic-write temp files start with '.'.
      if (name.startsWith('.')) continue;
      const path = `${dir}/${name}`;
      const problem = (reason: string) => result.problems.push({ kind: 'mdev', id: name, parent, path, reason });
      if (!isUuid(name)) {
        problem(isUuid(name.toLowerCase()) ? 'the file name is an upper-case UUID' : 'the file name is not a UUID');
        continue;
      }
      try {
        const config = parseMdevctlConfig(await host.readText(path));
        if (!TYPE_ID.test(config.mdevType) || config.mdevType.includes('..')) {
          problem(`"mdev_type" "${config.mdevType}" is not an mdev type id`);
          continue;
        }
        result.mdev.push({ kind: 'mdev', uuid: name, parent, path, ...config });
      } catch (error) {
        if (error instanceof DefinitionSyntaxError) problem(error.message);
        else if (isHostError(error)) problem(`it cannot be read (${error.errno})`);
        else throw error;
      }
    }
  }
  for (const pf of await listDir(host, VENDOR_VFIO_DIR)) {
    if (pf.startsWith('.')) continue;
    const dir = `${VENDOR_VFIO_DIR}/${pf}`;
    if ((await kindOf(host, dir)) !== 'dir') continue;
    for (const vf of await listDir(host, dir)) {
      if (vf.startsWith('.')) continue;
      const path = `${dir}/${vf}`;
      const problem = (reason: string) =>
        result.problems.push({ kind: 'vendor-vfio', id: vf, parent: pf, path, reason });
      if (!isPciAddress(pf) || !isPciAddress(vf)) {
        problem('the path does not name a PCI address as <PF>/<VF>');
        continue;
      }
      try {
        const config = parseVendorVfioConfig(await host.readText(path));
        result.vendorVfio.push({ kind: 'vendor-vfio', vf, pf, path, ...config });
      } catch (error) {
        if (error instanceof DefinitionSyntaxError) problem(error.message);
        else if (isHostError(error)) problem(`it cannot be read (${error.errno})`);
        else throw error;
      }
    }
  }
  return result;
}

/** The definitions of one id (UUID or VF address), good and bad. */
export function definitionsOf(
  definitions: Definitions,
  id: string,
): { found: Definition[]; problems: DefinitionProblem[] } {
  return {
    found: [...definitions.mdev.filter((d) => d.uuid === id), ...definitions.vendorVfio.filter((d) => d.vf === id)],
    problems: definitions.problems.filter((p) => p.id === id),
  };
}

async function listDir(host: HostPort, dir: string): Promise<string[]> {
  try {
    return await host.list(dir);
  } catch (error) {
    if (isHostError(error, 'ENOENT', 'ENOTDIR')) return [];
    throw error;
  }
}

async function kindOf(host: HostPort, path: string): Promise<string | undefined> {
  try {
    return (await host.stat(path)).kind;
  } catch (error) {
    if (isHostError(error, 'ENOENT')) return undefined;
    throw error;
  }
}
