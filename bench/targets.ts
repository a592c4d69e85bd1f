/**
 * Every speed target of vgpuctl, measured side by side in one run on the same tree and
 * printed as one table of ratios (the goal and whether this run meets it):
 *
 * - startup: `vgpuctl --version` and `--help` against `node -e 0`;
 * - listing: `vgpuctl vgpus`, `types`, `list --json` against `mdevctl list`, `mdevctl types`
 *   and both, on the FUSE-served `big:gpus=48,instances=512` inside `vgpuctl emulate run`, and
 *   on the same tree written to tmpfs (vgpuctl through --root, mdevctl with the tree
 *   bind-mounted over /sys and /etc/mdevctl.d in a private mount namespace);
 * - one at a time: one create, remove, define, start, less `node -e 0` (a floor mdevctl does
 *   not pay), against the single mdevctl invocation; 256 separate `define --start` calls
 *   (timed on a sample, extrapolated), less 256 × `node -e 0`, against 256 × (`mdevctl define`
 *   + `mdevctl start`);
 * - bulk: define + start 256 in one call against that mdevctl loop;
 * - in process: discovery of `big` at 64, 512 and 2048 instances, and `select --list` on `lab`;
 * - the FUSE server in its default mode: hot and cold stat+open+read against tmpfs.
 *
 * Process rows need root, /dev/fuse, unshare and mdevctl, and are skipped (saying why)
 * without them. Runs are medians; on a shared machine, compare ratios, not milliseconds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { selectCommand } from '../src/cli/commands/select.ts';
import type { CommandContext } from '../src/cli/context.ts';
import { NO_PCI_IDS } from '../src/core/pci-ids.ts';
import { discover } from '../src/discovery/discover.ts';
import { EmulatedHost } from '../src/emulator/emulated-host.ts';
import { BENCH_SHAPE, DEFAULT_TARGETS, measureFuse, targetName } from '../src/emulator/fuse/bench-tree.ts';
import { fuseAvailable } from '../src/emulator/fuse/mount-tools.ts';
import { EmulatedKernel } from '../src/emulator/kernel.ts';
import { resolveScenario } from '../src/emulator/scenario/load.ts';
import { median, printTable, timeAsync } from './util.ts';

const SCENARIO = 'big:gpus=48,instances=512';
const BIN = new URL('../bin/vgpuctl', import.meta.url).pathname;
const NODE = process.execPath;
/** Rounds of each process measurement (medians). */
const ROUNDS = 7;
const COUNT = 256;
/** Separate `define --start` calls timed, then extrapolated to COUNT. */
const SAMPLE = 8;

interface Row {
  target: string;
  vgpuctl: string;
  reference: string;
  ratio: number;
  /** How the ratio is judged: at most `goal` (≤), or at least (≥). */
  goal: { at: 'most' | 'least'; value: number };
  note?: string;
}

const ms = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${n.toFixed(n < 10 ? 1 : 0)} ms`);

/** Runs `npm run bench -- targets`: measures everything, then prints one table. */
export async function benchTargets(): Promise<void> {
  const rows: Row[] = [];
  const skipped: string[] = [];
  rows.push(...startupRows());
  rows.push(...(await inProcessRows()));

  const unavailable = processBenchUnavailable();
  if (unavailable === undefined) {
    const work = mkdtempSync('/dev/shm/vgpuctl-targets-');
    try {
      rows.push(...listingAndSingleRows(work));
      rows.push(...loopRows(work));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  } else skipped.push(`vgpuctl vs mdevctl: ${unavailable}`);

  const fuse = fuseAvailable();
  if (fuse.ok) rows.push(...(await fuseRows()));
  else skipped.push(`FUSE default mode vs tmpfs: ${fuse.reason}`);

  printTable(
    `vgpuctl's speed targets, measured in one run (medians; process rows on ${SCENARIO})`,
    ['target', 'vgpuctl', 'reference', 'ratio', 'goal', 'met'],
    rows.map((r) => [
      r.target,
      r.vgpuctl,
      r.reference,
      `${r.ratio.toFixed(2)}x`,
      `${r.goal.at === 'most' ? '≤' : '≥'} ${r.goal.value < 1 ? `1/${Math.round(1 / r.goal.value)}` : r.goal.value}x`,
      (r.goal.at === 'most' ? r.ratio <= r.goal.value : r.ratio >= r.goal.value) ? 'yes' : 'NO',
    ]),
  );
  for (const r of rows) if (r.note !== undefined) process.stdout.write(`  ${r.target}: ${r.note}\n`);
  for (const s of skipped) process.stdout.write(`  skipped ${s}\n`);
}

/** Median wall milliseconds of each command, the commands interleaved round by round. */
function timeProcesses(commands: string[][], rounds: number, env: NodeJS.ProcessEnv = process.env): number[] {
  const times = commands.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    commands.forEach(([file, ...args], i) => {
      const start = performance.now();
      const run = spawnSync(file as string, args, { stdio: 'ignore', env });
      if (run.status !== 0) throw new Error(`${[file, ...args].join(' ')} exited with ${run.status}`);
      times[i]?.push(performance.now() - start);
    });
  }
  return times.map(median);
}

/** The compiled CLI, as users run it (`npm run bench` builds dist/ first). */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { VGPUCTL_FROM_SOURCE: _fromSource, ...inherited } = process.env;
  return { ...inherited, ...extra };
}

function startupRows(): Row[] {
  const [node, version, help] = timeProcesses(
    [
      [NODE, '-e', '0'],
      [NODE, BIN, '--version'],
      [NODE, BIN, '--help'],
    ],
    21,
    cliEnv(),
  ) as [number, number, number];
  const row = (flag: string, t: number): Row => ({
    target: `startup: vgpuctl ${flag} / node -e 0`,
    vgpuctl: ms(t),
    reference: ms(node),
    ratio: t / node,
    goal: { at: 'most', value: 1.3 },
  });
  return [row('--version', version), row('--help', help)];
}

async function inProcessRows(): Promise<Row[]> {
  const discovery: number[] = [];
  for (const instances of [64, 512, 2048]) {
    const host = new EmulatedHost(EmulatedKernel.boot(resolveScenario({ name: `big:instances=${instances}` })));
    discovery.push(median(await timeAsync(7, () => discover(host))));
  }
  const [d64, , d2048] = discovery as [number, number, number];
  const lab = new EmulatedHost(EmulatedKernel.boot(resolveScenario({ name: 'lab' })));
  const context: CommandContext = { host: lab, pciIds: NO_PCI_IDS, emulator: undefined, env: {}, dryRun: false };
  const select = median(await timeAsync(15, () => selectCommand(context, { list: true })));
  return [
    {
      target: 'in process: discovery of big, 2048 instances / 100 ms',
      vgpuctl: ms(d2048),
      reference: '100 ms',
      ratio: d2048 / 100,
      goal: { at: 'most', value: 1 },
      note: `64 / 512 / 2048 instances: ${discovery.map(ms).join(' / ')}`,
    },
    {
      target: 'in process: discovery growth 64 → 2048 / linear (32x)',
      vgpuctl: `${(d2048 / d64).toFixed(1)}x`,
      reference: '32x',
      ratio: d2048 / d64 / 32,
      goal: { at: 'most', value: 1 },
    },
    {
      target: 'in process: select --list on lab / 20 ms',
      vgpuctl: ms(select),
      reference: '20 ms',
      ratio: select / 20,
      goal: { at: 'most', value: 1 },
    },
  ];
}

/** Why the process rows cannot run here, or undefined. */
function processBenchUnavailable(): string | undefined {
  try {
    execFileSync('sh', ['-c', 'command -v mdevctl && command -v unshare && test -w /dev/fuse'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'needs root, /dev/fuse, unshare and mdevctl';
  }
}

/** Runs `script` with sh inside `vgpuctl emulate run` on a fresh state; returns `ms LABEL NS` lines as medians. */
function inSandbox(work: string, name: string, script: string): Record<string, number> {
  const state = join(work, `state-${name}`);
  const out = execFileSync(NODE, [BIN, 'emulate', 'run', '--scenario', SCENARIO, '--', 'sh', '-c', script], {
    env: cliEnv({ VGPUCTL_STATE_DIR: state, VGPUCTL_PCI_IDS: 'none' }),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const samples = new Map<string, number[]>();
  for (const m of out.matchAll(/^ms (\S+) (\d+)$/gm)) {
    samples.set(m[1] as string, [...(samples.get(m[1] as string) ?? []), Number(m[2]) / 1e6]);
  }
  return Object.fromEntries([...samples].map(([label, values]) => [label, median(values)]));
}

/** Shell: times COMMAND… as LABEL (output discarded). */
const TIMER = `t() { l=$1; shift; s=$(date +%s%N); "$@" > /dev/null 2>&1 || echo "failed: $*" >&2; echo "ms $l $(( $(date +%s%N) - s ))"; }
c() { l=$1; shift; s=$(date +%s%N); out=$("$@") || echo "failed: $*" >&2; echo "ms $l $(( $(date +%s%N) - s ))"; }`;

/** The GPUs of the bench host, for one-at-a-time operations that each need a free slot. */
function gpuAddresses(): string[] {
  const kernel = EmulatedKernel.boot(resolveScenario({ name: SCENARIO }));
  return [...kernel.tree.dir('/sys/class/mdev_bus').children.keys()].sort();
}

function listingAndSingleRows(work: string): Row[] {
  // The tmpfs copy is written inside the sandbox (its /dev/shm is a private tmpfs), from the
  // scenario with a state directory of its own: the sandbox's server holds the main one.
  const tree = '/dev/shm/vgpuctl-targets-tree';
  const writeTree = `VGPUCTL_STATE_DIR=/dev/shm/vgpuctl-targets-state ${NODE} ${BIN} emulate write-tree ${tree} --scenario ${SCENARIO} > /dev/null
mkdir -p ${tree}/etc/mdevctl.d/scripts.d/callouts ${tree}/etc/mdevctl.d/scripts.d/notifiers`;
  const vg = `${NODE} ${BIN}`;
  const gpus = gpuAddresses();
  const tmpfsMdevctl = (verbs: string) =>
    `unshare -m --propagation private sh -c 'mount --bind ${tree}/sys /sys && mount --bind ${tree}/etc/mdevctl.d /etc/mdevctl.d && ${verbs}'`;
  const rounds = Array.from({ length: ROUNDS }, (_, i) => {
    const mine = gpus[i] as string;
    const theirs = gpus[gpus.length - 1 - i] as string;
    return `t node0 ${NODE} -e 0
t m-list mdevctl list
t v-vgpus ${vg} vgpus
t m-types mdevctl types
t v-types ${vg} types
t m-list-types sh -c 'mdevctl list; mdevctl types'
t v-list-json ${vg} list --json
t tm-list ${tmpfsMdevctl('mdevctl list')}
t tm-ns ${tmpfsMdevctl('true')}
t tv-vgpus ${vg} --root ${tree} vgpus
t tm-types ${tmpfsMdevctl('mdevctl types')}
t tv-types ${vg} --root ${tree} types
t tm-list-types ${tmpfsMdevctl('mdevctl list; mdevctl types')}
t tv-list-json ${vg} --root ${tree} list --json
c v-create ${vg} create --type T4-1B --gpu ${mine}; u=$out
t v-remove ${vg} remove $u
c v-define ${vg} define --type T4-1B --gpu ${mine}; u=$out
t v-start ${vg} start $u
c m-create mdevctl start -p ${theirs} -t nvidia-222; u=$out
t m-remove mdevctl stop -u $u
c m-define mdevctl define -p ${theirs} -t nvidia-222; u=$out
t m-start mdevctl start -u $u`;
  });
  const m = inSandbox(work, 'listing', `${TIMER}\n${writeTree}\n${rounds.join('\n')}`);
  const get = (label: string) => m[label] ?? Number.NaN;
  const node0 = get('node0');
  // The tmpfs mdevctl rows pay for unshare and two bind mounts; subtract that namespace's cost.
  const ns = get('tm-ns');
  const listing = (where: string, prefix: string, less: number, what: string, v: string, m: string): Row => ({
    target: `${where}: vgpuctl ${what}`,
    vgpuctl: ms(get(`${prefix}v-${v}`)),
    reference: ms(get(`${prefix}m-${m}`) - less),
    ratio: get(`${prefix}v-${v}`) / (get(`${prefix}m-${m}`) - less),
    goal: { at: 'most', value: 1 },
  });
  const listRow = (where: string, prefix: string, less: number): Row[] => [
    listing(where, prefix, less, 'vgpus / mdevctl list', 'vgpus', 'list'),
    listing(where, prefix, less, 'types / mdevctl types', 'types', 'types'),
    listing(where, prefix, less, 'list --json / mdevctl list + types', 'list-json', 'list-types'),
  ];
  const single = (verb: string, mdevctl: string): Row => ({
    target: `one at a time: vgpuctl ${verb} − node -e 0 / mdevctl ${mdevctl}`,
    vgpuctl: `${ms(get(`v-${verb}`))} − ${ms(node0)}`,
    reference: ms(get(`m-${verb}`)),
    ratio: (get(`v-${verb}`) - node0) / get(`m-${verb}`),
    goal: { at: 'most', value: 1 },
  });
  return [
    ...listRow('FUSE', '', 0),
    ...listRow('tmpfs --root', 't', ns).map((r) => ({
      ...r,
      note: `mdevctl times less ${ms(ns)} for unshare + mounts`,
    })),
    single('create', 'start -p -t'),
    single('remove', 'stop'),
    single('define', 'define'),
    single('start', 'start -u'),
  ];
}

function loopRows(work: string): Row[] {
  const vg = `${NODE} ${BIN}`;
  const kernel = EmulatedKernel.boot(resolveScenario({ name: SCENARIO }));
  // 256 free GRID T4-1B slots: as many mdevctl pairs, one per slot, parent by parent.
  const pairs: string[] = [];
  for (const parent of [...kernel.tree.dir('/sys/class/mdev_bus').children.keys()].sort()) {
    const free = Number(
      kernel.read(`/sys/class/mdev_bus/${parent}/mdev_supported_types/nvidia-222/available_instances`).toString(),
    );
    for (let i = 0; i < free && pairs.length < COUNT; i++) {
      pairs.push(`u=$(mdevctl define -p ${parent} -t nvidia-222 -a) && mdevctl start -u $u > /dev/null`);
    }
  }
  const mdevctl = inSandbox(
    work,
    'mdevctl-loop',
    `set -e\ns=$(date +%s%N)\n${pairs.join('\n')}\necho "ms all $(( $(date +%s%N) - s ))"`,
  );
  const bulk = inSandbox(
    work,
    'bulk',
    `${TIMER}\nt all ${vg} define --type T4-1B --count ${COUNT} --auto --start\ntest "$(mdevctl list | grep -c nvidia-222)" = ${512 + COUNT}`,
  );
  const each = inSandbox(
    work,
    'each',
    `${TIMER}\nfor i in $(seq ${SAMPLE}); do t one ${vg} define --type T4-1B --auto --start; t node0 ${NODE} -e 0; done`,
  );
  const loop = mdevctl.all ?? Number.NaN;
  const one = each.one ?? Number.NaN;
  const node0 = each.node0 ?? Number.NaN;
  return [
    {
      target: `${COUNT} separate define --start (− node -e 0 each) / ${COUNT} × mdevctl define + start`,
      vgpuctl: `${ms(one * COUNT)} − ${ms(node0 * COUNT)}`,
      reference: ms(loop),
      ratio: ((one - node0) * COUNT) / loop,
      goal: { at: 'most', value: 1 },
      note: `extrapolated from ${SAMPLE} calls (median ${ms(one)} each; node -e 0 ${ms(node0)})`,
    },
    {
      target: `bulk: mdevctl loop / one vgpuctl define --count ${COUNT} --start`,
      vgpuctl: ms(bulk.all ?? Number.NaN),
      reference: ms(loop),
      ratio: loop / (bulk.all ?? Number.NaN),
      goal: { at: 'least', value: 10 },
    },
  ];
}

async function fuseRows(): Promise<Row[]> {
  const target = DEFAULT_TARGETS[0] as (typeof DEFAULT_TARGETS)[number];
  const name = targetName(target);
  const result = await measureFuse(BENCH_SHAPE, 2000, [target]);
  const tmpfs = result.tmpfs;
  const served = result[name];
  if (tmpfs === undefined || served === undefined) return [];
  const files = BENCH_SHAPE.dirs * BENCH_SHAPE.filesPerDir;
  return [
    {
      target: 'FUSE default mode: hot stat+open+read / tmpfs',
      vgpuctl: `${Math.round(served.hot)} files/s`,
      reference: `${Math.round(tmpfs.hot)} files/s`,
      ratio: served.hot / tmpfs.hot,
      goal: { at: 'least', value: 0.1 },
    },
    {
      target: 'FUSE default mode: cold stat+open+read / tmpfs',
      vgpuctl: `${Math.round(served.cold)} files/s`,
      reference: `${Math.round(tmpfs.cold)} files/s`,
      ratio: served.cold / tmpfs.cold,
      goal: { at: 'least', value: 1 / 30 },
      note: `${files} attribute files, ${name}`,
    },
  ];
}
