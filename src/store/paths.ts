/**
 * Where vGPU definitions live. mdev definitions sit exactly where mdevctl keeps them, so
 * either tool sees the other's; vendor-VFIO definitions, which mdevctl cannot express,
 * sit in vgpuctl's own directory with the same `<parent>/<id>` layout.
 */
import { VgpuctlError } from '../core/errors.ts';
import { clip } from '../core/pci-address.ts';

/** mdevctl's persistent configuration (mdevctl/mdevctl src/environment.rs `config_base`). */
export const MDEVCTL_DIR = '/etc/mdevctl.d';
/** mdevctl's own subdirectory under {@link MDEVCTL_DIR}: callouts and notifiers, not a parent. */
export const MDEVCTL_SCRIPTS = 'scripts.d';
/** vgpuctl's store for NVIDIA vendor-VFIO definitions: `<dir>/<PF address>/<VF address>`. */
export const VENDOR_VFIO_DIR = '/etc/vgpuctl/vendor-vfio.d';
/** The host agent's unix socket (`vgpuctl serve`). */
export const AGENT_SOCKET = '/run/vgpuctl/agent.sock';
/** The desired state the agent reconciles and `vgpuctl apply` reads by convention. */
export const HOST_FILE = '/etc/vgpuctl/host.toml';
/** vgpu_unlock-rs's default `profile_override.toml` (vgpu_unlock-rs src/lib.rs `DEFAULT_PROFILE_OVERRIDE_CONFIG_PATH`). */
export const DEFAULT_OVERRIDE_PATH = '/etc/vgpu_unlock/profile_override.toml';
/** The definitions lock (a directory: mkdir(2) is the one exclusive create the port has). */
export const LOCK_DIR = '/run/vgpuctl/lock';

// Parent names are sysfs names: PCI addresses, or virtual device names such as `nvidia`, `mtty`.
const NAME = /^[A-Za-z0-9_:.+-]{1,128}$/;

/**
 * Checks a name that becomes a path component (an mdev parent, a type id), so that user
 * input can never walk out of its directory.
 */
export function checkPathName(kind: string, name: string): string {
  if (!NAME.test(name) || name === '.' || name === '..' || name.includes('..')) {
    throw new VgpuctlError(
      'INVALID_NAME',
      `Cannot use ${kind} "${clip(name)}": names may not contain "/", ".." or spaces`,
      {
        hint: `Give the ${kind} as sysfs names it, for example 0000:3b:00.0, nvidia or nvidia-222`,
      },
    );
  }
  return name;
}

/** The mdevctl definition file of `uuid` under `parent`. */
export function mdevDefinitionPath(parent: string, uuid: string): string {
  return `${MDEVCTL_DIR}/${checkPathName('parent', parent)}/${uuid}`;
}

/** The vgpuctl definition file of a vendor-VFIO vGPU on `vf`. */
export function vendorDefinitionPath(pf: string, vf: string): string {
  return `${VENDOR_VFIO_DIR}/${checkPathName('GPU', pf)}/${checkPathName('VF', vf)}`;
}
