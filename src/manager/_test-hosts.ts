/**
 * Test hosts for the manager, vmconfig and discovery tests: emulated kernels with DRM render
 * nodes added (the emulator does not model drivers/gpu/drm), and an attribute snapshot to
 * prove that initialization followed by release leaves a host as it was.
 */

import { EmulatedHost } from '../emulator/emulated-host.ts';
import { EmulatedKernel } from '../emulator/kernel.ts';
import type { Node } from '../emulator/kernfs/nodes.ts';
import { ROOT_CONTEXT } from '../emulator/kernfs/nodes.ts';
import { resolveScenario } from '../emulator/scenario/load.ts';
import { Scenario, type ScenarioInput } from '../emulator/scenario/schema.ts';

/** An emulated kernel and the host port over it. */
export interface TestHost {
  kernel: EmulatedKernel;
  host: EmulatedHost;
}

/** Boots a built-in scenario (`lab`) or a scenario given as data. */
export function bootHost(scenario: string | ScenarioInput): TestHost {
  const kernel = EmulatedKernel.boot(
    typeof scenario === 'string' ? resolveScenario({ name: scenario }) : Scenario.parse(scenario),
  );
  return { kernel, host: new EmulatedHost(kernel) };
}

/**
 * Adds a DRM render node to a PCI function as drivers/gpu/drm/drm_sysfs.c lays it out:
 * `<device>/drm/renderD<minor>` with a `device` link back, the class link, and /dev/dri.
 */
export function addRenderNode(
  kernel: EmulatedKernel,
  address: string,
  minor = 128,
  options: { devNode?: boolean } = {},
): void {
  const device = kernel.tree.realpath(`/sys/bus/pci/devices/${address}`);
  const name = `renderD${minor}`;
  const dir = `${device}/drm/${name}`;
  kernel.tree.mkdir(dir);
  kernel.tree.link(`${dir}/device`, device);
  kernel.tree.attr(`${dir}/dev`, { mode: 0o444, show: () => `226:${minor}\n` });
  kernel.tree.link(`/sys/class/drm/${name}`, dir);
  if (options.devNode ?? true) kernel.tree.chardev(`/dev/dri/${name}`, 226, minor, 0o666);
}

/**
 * Every readable attribute and link under `/sys`, `/dev` and `/etc` with its current value:
 * two equal snapshots mean the host is in the same state.
 */
export function snapshotTree(
  kernel: EmulatedKernel,
  roots: readonly string[] = ['/sys', '/dev', '/etc', '/run'],
): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (node: Node, path: string): void => {
    switch (node.kind) {
      case 'dir':
        out.set(path, 'dir');
        for (const [name, child] of node.children) visit(child, `${path}/${name}`);
        break;
      case 'link':
        out.set(path, `-> ${kernel.tree.readlink(node)}`);
        break;
      case 'file':
        out.set(path, node.data.toString('utf8'));
        break;
      case 'attr':
        if (node.show === undefined || (node.mode & 0o444) === 0) {
          out.set(path, 'attr');
          break;
        }
        try {
          out.set(path, Buffer.from(node.show(ROOT_CONTEXT)).toString('latin1'));
        } catch {
          out.set(path, 'attr (unreadable)');
        }
        break;
      default:
        out.set(path, node.kind);
    }
  };
  for (const root of roots) {
    const node = kernel.tree.find(root, false);
    if (node !== undefined) visit(node, root);
  }
  return out;
}

/**
 * The paths whose value differs between two snapshots. Release may leave directories the
 * kernel or vgpuctl's runtime state keep once created (`/sys/devices/virtual/vfio`,
 * `/run/vgpuctl`): those come back as `addedEmptyDirs`, everything else as `changed`.
 */
export function diffSnapshots(
  before: Map<string, string>,
  after: Map<string, string>,
): { changed: string[]; addedEmptyDirs: string[] } {
  const changed: string[] = [];
  const addedEmptyDirs: string[] = [];
  for (const path of new Set([...before.keys(), ...after.keys()])) {
    if (before.get(path) === after.get(path)) continue;
    const emptyNewDir =
      !before.has(path) &&
      after.get(path) === 'dir' &&
      ![...after.keys()].some((p) => p.startsWith(`${path}/`) && after.get(p) !== 'dir');
    (emptyNewDir ? addedEmptyDirs : changed).push(path);
  }
  return { changed: changed.sort(), addedEmptyDirs: addedEmptyDirs.sort() };
}
