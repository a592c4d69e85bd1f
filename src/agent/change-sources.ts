/**
 * Adapters that tell the live model when the host may have changed: the emulated kernel's
 * accepted writes (immediate), and inotify on the stores vgpuctl and mdevctl keep under /etc
 * (definitions written by mdevctl or by hand). sysfs attributes have no inotify for most
 * changes, so the model's poll interval covers them.
 */
import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import type { EmulatedKernel } from '../emulator/kernel.ts';
import type { ChangeSource } from '../model/host-model.ts';
import { MDEVCTL_DIR, VENDOR_VFIO_DIR } from '../store/paths.ts';

export function emulatedKernelChanges(kernel: EmulatedKernel): ChangeSource {
  return (notify) => kernel.onWrite(() => notify());
}

/** Watches the definition stores below `root` (recursively where they exist). */
export function storeWatchChanges(
  root: string,
  dirs: readonly string[] = [MDEVCTL_DIR, VENDOR_VFIO_DIR],
): ChangeSource {
  return (notify) => {
    const watchers: FSWatcher[] = [];
    for (const dir of dirs) {
      try {
        const watcher = watch(join(root, dir), { recursive: true, persistent: false }, () => notify());
        watcher.on('error', () => watcher.close());
        watchers.push(watcher);
      } catch {
        // Absent store: the poll notices when it appears.
      }
    }
    return () => {
      for (const watcher of watchers) watcher.close();
    };
  };
}
