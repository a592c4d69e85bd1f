/**
 * Which processes hold which device nodes open, read from `/proc/<pid>/fd` the way `fuser`
 * and `lsof` do: every fd is a symlink whose target names the open file (fs/proc/fd.c).
 * Processes we may not inspect (EACCES without root) or that exit while we look are skipped.
 */
import { isHostError } from '../host/host-port.ts';
import type { SysfsReader } from './sysfs-reader.ts';

/** One process and the watched device nodes it has open. */
export interface ProcessEntry {
  pid: number;
  /** `/proc/<pid>/comm` (the kernel's 15-character task name), or null when unreadable. */
  command: string | null;
  /** Watched device nodes it has open, sorted, without duplicates. */
  nodes: string[];
}

/**
 * Device nodes that tie a process to a GPU or an IOMMU group: NVIDIA per-GPU nodes, DRM card
 * and render nodes, VFIO group nodes and VFIO device cdevs.
 */
const GPU_DEVICE_NODE = /^\/dev\/(nvidia\d+|dri\/(card|renderD)\d+|vfio\/(\d+|noiommu-\d+|devices\/vfio\d+))$/;

/**
 * Lists processes with their open watched device nodes. With `allCommands`, every process is
 * returned with its command (doctor looks for daemons); otherwise only processes holding a
 * watched node (the cheap path discovery takes on every run). `watch: null` reads no fds.
 */
export async function readProcessTable(
  sysfs: SysfsReader,
  options: { watch?: RegExp | null; allCommands?: boolean } = {},
): Promise<ProcessEntry[]> {
  const watch = options.watch === undefined ? GPU_DEVICE_NODE : options.watch;
  const pids = (await sysfs.list('/proc'))
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  const entries = await Promise.all(
    pids.map(async (pid): Promise<ProcessEntry | null> => {
      const nodes = watch === null ? [] : await openNodes(sysfs, pid, watch);
      if (nodes.length === 0 && options.allCommands !== true) return null;
      return { pid, command: await sysfs.text(`/proc/${pid}/comm`), nodes };
    }),
  );
  return entries.filter((entry): entry is ProcessEntry => entry !== null);
}

async function openNodes(sysfs: SysfsReader, pid: number, watch: RegExp): Promise<string[]> {
  const dir = `/proc/${pid}/fd`;
  const fds = await sysfs.list(dir);
  const targets = await Promise.all(
    fds.map(async (fd) => {
      try {
        return await sysfs.host.readlink(`${dir}/${fd}`);
      } catch (error) {
        if (isHostError(error)) return null; // the fd was closed, or the process exited, while we looked
        throw error;
      }
    }),
  );
  return [...new Set(targets.filter((t): t is string => t !== null && watch.test(t)))].sort();
}
