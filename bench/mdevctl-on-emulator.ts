/**
 * Real mdevctl against the emulated `big` host: the wall time of `mdevctl types` and
 * `mdevctl list`, served by our FUSE server inside `vgpuctl emulate run` (server opens, the
 * default, and kernel opens, `--fast-open`), beside the same
 * tree written to tmpfs and bind-mounted over /sys in a private namespace (the ceiling a
 * static tree reaches). Needs root, /dev/fuse, unshare and mdevctl.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { printTable } from './util.ts';

const BIN = new URL('../bin/vgpuctl', import.meta.url).pathname;
const RUNS = 5;

// Runs each mdevctl verb RUNS times and prints the median milliseconds, one line per verb.
const LOOP = `for verb in types list; do
  t=""; for i in $(seq ${RUNS}); do s=$(date +%s%N); mdevctl $verb > /dev/null; e=$(date +%s%N); t="$t $(( (e - s) / 1000 ))"; done
  echo "$verb $(echo $t | tr ' ' '\\n' | sort -n | sed -n "$(( (${RUNS} + 1) / 2 ))p")"
done; echo "instances $(ls /sys/bus/mdev/devices | wc -l)"`;

function parse(out: string): Record<string, number> {
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => line.split(' '))
      .map(([k, v]) => [k as string, Number(v)]),
  );
}

/** Benchmarks mdevctl on FUSE vs tmpfs for the `big` scenario at two sizes. */
export async function benchMdevctlOnEmulator(): Promise<void> {
  try {
    execFileSync('sh', ['-c', 'command -v mdevctl && command -v unshare && test -w /dev/fuse'], { stdio: 'ignore' });
  } catch {
    process.stdout.write('\nmdevctl on the emulator: skipped (needs root, /dev/fuse, unshare and mdevctl)\n');
    return;
  }
  const rows: string[][] = [];
  for (const instances of [64, 512]) {
    const scenario = `big:instances=${instances}`;
    const work = mkdtempSync('/dev/shm/vgpuctl-bench-');
    const env = { ...process.env, VGPUCTL_STATE_DIR: join(work, 'state'), VGPUCTL_PCI_IDS: 'none' };
    try {
      execFileSync(process.execPath, [BIN, 'emulate', 'write-tree', join(work, 'tree'), '--scenario', scenario], {
        env,
        stdio: 'ignore',
      });
      execFileSync('mkdir', [
        '-p',
        join(work, 'tree/etc/mdevctl.d/scripts.d/callouts'),
        join(work, 'tree/etc/mdevctl.d/scripts.d/notifiers'),
      ]);
      const tmpfs = parse(
        execFileSync(
          'unshare',
          [
            '-m',
            '--propagation',
            'private',
            'sh',
            '-c',
            `mount --bind ${work}/tree/sys /sys && mount --bind ${work}/tree/etc/mdevctl.d /etc/mdevctl.d && ${LOOP}`,
          ],
          { encoding: 'utf8' },
        ),
      );
      const served = (flags: string[]) =>
        parse(
          execFileSync(
            process.execPath,
            [BIN, 'emulate', 'run', ...flags, '--scenario', scenario, '--', 'sh', '-c', LOOP],
            {
              env,
              encoding: 'utf8',
            },
          ),
        );
      const fuse = served([]);
      const fast = served(['--fast-open']);
      for (const verb of ['types', 'list']) {
        const f = (fuse[verb] ?? 0) / 1000;
        const k = (fast[verb] ?? 0) / 1000;
        const t = (tmpfs[verb] ?? 0) / 1000;
        rows.push([
          String(fuse.instances),
          `mdevctl ${verb}`,
          f.toFixed(1),
          k.toFixed(1),
          t.toFixed(1),
          `${(f / t).toFixed(1)}x`,
          `${(k / t).toFixed(1)}x`,
        ]);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  printTable(
    'mdevctl on the emulated big host: median wall ms (FUSE = vgpuctl emulate run [--fast-open]; tmpfs = same tree, static)',
    ['instances', 'command', 'FUSE ms', 'fast-open ms', 'tmpfs ms', 'FUSE/tmpfs', 'fast-open/tmpfs'],
    rows,
  );
}
