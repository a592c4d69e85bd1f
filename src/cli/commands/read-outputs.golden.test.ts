/**
 * Golden files of the read commands: `list`, `show`, `types` and `vgpus` (text, --json and
 * the mdevctl formats) on every built-in scenario, on the emulated host and on the same host
 * written to a directory and read through --root: each must print exactly
 * test/golden/outputs/<case>.txt (and <case>.root.txt), so a change in what discovery reads cannot change what the
 * commands print. After a deliberate output change, regenerate with
 *   UPDATE_GOLDEN=1 npx tsx --test src/cli/commands/read-outputs.golden.test.ts
 * and review the diff.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { after, describe, test } from 'node:test';
import { fixturePciIds, tempDir } from '../../../test/helpers/fixtures.ts';
import type { PciIds } from '../../core/pci-ids.ts';
import { EmulatedHost } from '../../emulator/emulated-host.ts';
import { EmulatedKernel } from '../../emulator/kernel.ts';
import { resolveScenario } from '../../emulator/scenario/load.ts';
import { writeTreeTo } from '../../emulator/write-tree.ts';
import { FsHost } from '../../host/fs-host.ts';
import type { HostPort } from '../../host/host-port.ts';
import { defineVgpus } from '../../ops/vgpu/lifecycle.ts';
import { type CommandResult, versionedJson } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { listCommand } from './list.ts';
import { showCommand } from './show.ts';
import { typesCommand } from './types.ts';
import { createCommand } from './vgpu/create.ts';
import { vgpuDeps } from './vgpu/shared.ts';
import { vgpusCommand } from './vgpu/vgpus.ts';

const DIR = new URL('../../../test/golden/outputs/', import.meta.url);
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** A host to print: a built-in scenario, optionally changed first (vGPUs created and defined). */
interface GoldenCase {
  name: string;
  scenario: string;
  /** `show` targets: PCI addresses or mdev parent names. */
  show: string[];
  prepare?: (context: CommandContext) => Promise<void>;
}

/** Deterministic UUIDs, so created vGPUs print the same every run. */
function uuids(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}

const CASES: GoldenCase[] = [
  { name: 'lab', scenario: 'lab', show: ['0000:00:02.0', '0000:01:00.0', '0000:3b:00.0', '0000:41:00.0', '81:00.0'] },
  {
    name: 'lab-with-vgpus',
    scenario: 'lab',
    show: ['0000:3b:00.0', '0000:41:00.0'],
    prepare: async (context) => {
      await context.host.write('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs', '4');
      await createCommand(context, { type: 'nvidia-222', gpu: '0000:3b:00.0', uuids: [uuids('aaaaaaaa')()] });
      const deps = vgpuDeps(context);
      await defineVgpus(deps, { type: 'nvidia-222', gpu: '0000:3b:00.0', count: 2 }, uuids('bbbbbbbb'));
      await defineVgpus(deps, { type: 'nvidia-222', gpu: '0000:3b:00.0', count: 1, startNow: true }, uuids('cccccccc'));
      await createCommand(context, { type: 'nvidia-1145', gpu: '0000:41:00.0', count: 2 });
      await defineVgpus(deps, { type: 'nvidia-1147', gpu: '0000:41:00.0', count: 1 }, uuids('dddddddd'));
    },
  },
  { name: 'kubevirt-t4', scenario: 'kubevirt-t4', show: ['nvidia'] },
  { name: 'samples', scenario: 'samples', show: ['mtty', 'mdpy', 'mbochs'] },
  { name: 'big', scenario: 'big:gpus=2,vfs=2,instances=20', show: ['0000:02:00.0', '0000:06:00.0'] },
];

/** Every read command's output on `context`, as one text with a header per command. */
async function transcript(context: CommandContext, show: string[]): Promise<string> {
  const runs: [string, () => Promise<CommandResult>][] = [
    ['list', () => listCommand(context)],
    ...show.map((target): [string, () => Promise<CommandResult>] => [
      `show ${target}`,
      () => showCommand(context, target),
    ]),
    ['types', () => typesCommand(context, {})],
    ['types --format mdevctl', () => typesCommand(context, { format: 'mdevctl' })],
    ['vgpus', () => vgpusCommand(context, {})],
    ['vgpus --format mdevctl', () => vgpusCommand(context, { format: 'mdevctl' })],
    ['vgpus --defined --format mdevctl', () => vgpusCommand(context, { format: 'mdevctl', defined: true })],
  ];
  const parts: string[] = [];
  for (const [command, run] of runs) {
    let result: CommandResult;
    try {
      result = await run();
    } catch (error) {
      parts.push(`$ vgpuctl ${command}\n! ${(error as Error).message}\n`);
      continue;
    }
    parts.push(`$ vgpuctl ${command}\n${result.text}\n`);
    parts.push(`$ vgpuctl ${command} --json\n${JSON.stringify(versionedJson(result), null, 2)}\n`);
  }
  return parts.join('\n');
}

async function expectGolden(name: string, actual: string): Promise<void> {
  const file = new URL(name, DIR);
  if (UPDATE) {
    await mkdir(DIR, { recursive: true });
    await writeFile(file, actual);
  }
  const expected = await readFile(file, 'utf8').catch(() => {
    throw new Error(`golden file ${name} is missing: run with UPDATE_GOLDEN=1 to create it`);
  });
  assert.equal(actual, expected, name);
}

function contextOf(host: HostPort, pciIds: PciIds): CommandContext {
  return { host, pciIds, emulator: undefined, env: {}, dryRun: false };
}

describe('read commands print their golden files', async () => {
  const pciIds = await fixturePciIds();
  const temp = await tempDir('vgpuctl-golden-');
  after(() => temp.cleanup());

  for (const c of CASES) {
    test(`${c.name}: emulated host and --root tree match test/golden/outputs/${c.name}.txt`, async () => {
      const kernel = EmulatedKernel.boot(resolveScenario({ name: c.scenario }));
      const emulated = contextOf(new EmulatedHost(kernel), pciIds);
      await c.prepare?.(emulated);
      const actual = await transcript(emulated, c.show);

      const root = `${temp.dir}/${c.name}`;
      await writeTreeTo(kernel.tree, root);
      const fromTree = await transcript(contextOf(new FsHost(root, { blockingReads: true }), pciIds), c.show);

      // The tree has no nvidia-smi to run and names itself by its directory: its own file.
      await expectGolden(`${c.name}.txt`, actual);
      await expectGolden(`${c.name}.root.txt`, fromTree.replaceAll(root, '<root>'));
    });
  }
});
