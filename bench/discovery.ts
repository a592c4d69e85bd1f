/**
 * Discovery benchmark: time to build the inventory of the `big` scenario at 64, 512 and
 * 2048 vGPU instances — in-process through the emulated kernel, through FsHost on the same
 * tree written to disk, and as a whole `vgpuctl list --json` process (compiled dist/ when
 * built). Prints medians and how time grows with instances.
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { discover } from '../src/discovery/discover.ts';
import { EmulatedHost } from '../src/emulator/emulated-host.ts';
import { EmulatedKernel } from '../src/emulator/kernel.ts';
import { resolveScenario } from '../src/emulator/scenario/load.ts';
import { writeTreeTo } from '../src/emulator/write-tree.ts';
import { FsHost } from '../src/host/fs-host.ts';
import { median, printTable, tempDirSync, timeAsync } from './util.ts';

const SIZES = [64, 512, 2048];
const BIN = new URL('../bin/vgpuctl', import.meta.url).pathname;

export async function benchDiscovery(): Promise<void> {
  const rows: string[][] = [];
  let base: { mem: number; fs: number; proc: number } | undefined;
  for (const instances of SIZES) {
    const name = `big:instances=${instances}`;
    const scenario = resolveScenario({ name });
    const bootStart = performance.now();
    const kernel = EmulatedKernel.boot(scenario);
    const bootMs = performance.now() - bootStart;
    const host = new EmulatedHost(kernel);
    const mem = median(await timeAsync(7, () => discover(host)));

    const tmp = tempDirSync();
    await writeTreeTo(kernel.tree, tmp.dir);
    const fs = median(await timeAsync(5, () => discover(new FsHost(tmp.dir))));

    const env = { ...process.env, VGPUCTL_STATE_DIR: tmp.dir, VGPUCTL_PCI_IDS: 'none' };
    const proc = median(
      await timeAsync(3, async () => {
        execFileSync(process.execPath, [BIN, 'list', '--json', '--emulate', name], { env, stdio: 'ignore' });
      }),
    );
    tmp.cleanup();
    base ??= { mem, fs, proc };
    rows.push([
      String(instances),
      String(scenario.gpus.length),
      bootMs.toFixed(1),
      mem.toFixed(1),
      `${(mem / base.mem).toFixed(1)}x`,
      fs.toFixed(1),
      `${(fs / base.fs).toFixed(1)}x`,
      proc.toFixed(0),
      `${(proc / base.proc).toFixed(1)}x`,
    ]);
  }
  printTable(
    'Discovery of big (T4s holding 16 vGPUs each): median milliseconds, growth relative to 64 instances',
    [
      'instances',
      'GPUs',
      'boot ms',
      'in-memory ms',
      'growth',
      'tree on disk ms',
      'growth',
      'vgpuctl list --json ms',
      'growth',
    ],
    rows,
  );
}
