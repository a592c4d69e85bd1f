/**
 * Every step position of every mutating operation: a fault is injected at each change the
 * operation makes to the host (sysfs stores, files, directories, unlinks — lock files
 * included), and the host must then be exactly as before — the whole tree, every attribute's
 * content, every file — or, where undo is impossible, the error must say what is left.
 * Prints how many positions it covered.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { isVgpuctlError } from '../core/errors.ts';
import type { EmulatedHost } from '../emulator/emulated-host.ts';
import { EmulatedDeath, type EmulatedKernel } from '../emulator/kernel.ts';
import type { Node } from '../emulator/kernfs/nodes.ts';
import { ROOT_CONTEXT } from '../emulator/kernfs/nodes.ts';
import { readNode } from '../emulator/kernfs/tree.ts';
import { readDefinitions } from '../store/definitions.ts';
import { executePlan } from './execute-plan.ts';
import { bootHost, inventoryOf } from './passthrough/_test-lab.ts';
import { applyPlan } from './passthrough/apply-plan.ts';
import { readBindRecords } from './passthrough/bind-record.ts';
import { planBind } from './passthrough/plan-bind.ts';
import { planUnbind } from './passthrough/plan-unbind.ts';
import { planSriov } from './sriov/plan-sriov.ts';
import { depsFor, L40S, uuidSequence, uuids } from './vgpu/_test-hosts.ts';
import {
  createVgpus,
  defineRunningVgpus,
  defineVgpus,
  modifyVgpu,
  removeVgpus,
  startVgpus,
  undefineVgpus,
} from './vgpu/lifecycle.ts';

type Booted = { kernel: EmulatedKernel; host: EmulatedHost };

interface Operation {
  name: string;
  scenario: Parameters<typeof bootHost>[0];
  /** Brings the host to where the operation starts (not faulted). */
  setup?: (booted: Booted) => Promise<void>;
  run: (booted: Booted) => Promise<unknown>;
}

const noSleep = { sleep: async () => {} };
const T4 = '0000:3b:00.0';
const RTX = '0000:01:00.0';
const L40S_PF = '0000:41:00.0';
const [A, B, C] = uuids(3) as [string, string, string];

const mdevCreate = ({ host }: Booted) =>
  createVgpus(depsFor(host), { type: 'T4-1B', gpu: T4, count: 3 }, uuidSequence());
const mdevDefine = ({ host }: Booted) =>
  defineVgpus(depsFor(host), { type: 'T4-1B', gpu: T4, count: 2 }, uuidSequence());
const vfioCreate = ({ host }: Booted) => createVgpus(depsFor(host), { type: 'L40S-1B', count: 2 }, uuidSequence());

const OPERATIONS: Operation[] = [
  {
    name: 'bind an IOMMU group to vfio-pci',
    scenario: 'lab',
    run: async ({ host }) => {
      const before = await inventoryOf(host);
      return applyPlan(host, planBind(before, { address: RTX }), { before, watch: [RTX, '0000:01:00.1'], ...noSleep });
    },
  },
  {
    name: 'unbind an IOMMU group back to its drivers',
    scenario: 'lab',
    setup: async ({ host }) => {
      const before = await inventoryOf(host);
      await applyPlan(host, planBind(before, { address: RTX }), { before, watch: [RTX], ...noSleep });
    },
    run: async ({ host }) => {
      const before = await inventoryOf(host);
      const plan = planUnbind(before, { address: RTX, records: await readBindRecords(host, RTX) });
      return applyPlan(host, plan, { before, watch: [RTX, '0000:01:00.1'], ...noSleep });
    },
  },
  { name: 'create 3 mdev vGPUs', scenario: 'lab', run: mdevCreate },
  {
    name: 'remove 3 mdev vGPUs',
    scenario: 'lab',
    setup: async (booted) => void (await mdevCreate(booted)),
    run: ({ host }) => removeVgpus(depsFor(host), [A, B, C]),
  },
  { name: 'create 2 vendor-VFIO vGPUs', scenario: L40S(4), run: vfioCreate },
  {
    name: 'remove 2 vendor-VFIO vGPUs',
    scenario: L40S(4),
    setup: async (booted) => void (await vfioCreate(booted)),
    run: ({ host }) => removeVgpus(depsFor(host), ['0000:41:00.4', '0000:41:00.5']),
  },
  {
    name: 'enable 4 SR-IOV VFs',
    scenario: 'lab',
    run: async ({ host }) =>
      executePlan(host, planSriov(await inventoryOf(host), { address: L40S_PF, numVfs: 4 }), noSleep),
  },
  {
    name: 'disable SR-IOV VFs',
    scenario: 'lab',
    setup: async ({ host }) =>
      void (await executePlan(host, planSriov(await inventoryOf(host), { address: L40S_PF, numVfs: 4 }), noSleep)),
    run: async ({ host }) =>
      executePlan(host, planSriov(await inventoryOf(host), { address: L40S_PF, numVfs: 0 }), noSleep),
  },
  { name: 'define 2 mdev vGPUs', scenario: 'lab', run: mdevDefine },
  {
    name: 'define and start 2 mdev vGPUs in one plan',
    scenario: 'lab',
    run: ({ host }) =>
      defineVgpus(depsFor(host), { type: 'T4-1B', gpu: T4, count: 2, startNow: true, start: 'auto' }, uuidSequence()),
  },
  {
    name: 'define 2 vendor-VFIO vGPUs',
    scenario: L40S(4),
    run: ({ host }) => defineVgpus(depsFor(host), { type: 'L40S-1B', count: 2 }, uuidSequence()),
  },
  {
    name: 'define running vGPUs as they run',
    scenario: 'lab',
    setup: async (booted) => void (await mdevCreate(booted)),
    run: ({ host }) => defineRunningVgpus(depsFor(host), { ids: [A, B] }),
  },
  {
    name: 'undefine 2 vGPUs',
    scenario: 'lab',
    setup: async (booted) => void (await mdevDefine(booted)),
    run: ({ host }) => undefineVgpus(depsFor(host), { ids: [A, B] }),
  },
  {
    name: 'start 2 defined vGPUs',
    scenario: 'lab',
    setup: async (booted) => void (await mdevDefine(booted)),
    run: ({ host }) => startVgpus(depsFor(host), { ids: [A, B] }),
  },
  {
    name: 'stop 2 defined vGPUs',
    scenario: 'lab',
    setup: async (booted) => {
      await mdevDefine(booted);
      await startVgpus(depsFor(booted.host), { ids: [A, B] });
    },
    run: ({ host }) => removeVgpus(depsFor(host), [A, B], 'stop'),
  },
  {
    name: 'modify a definition',
    scenario: 'lab',
    setup: async (booted) => void (await mdevDefine(booted)),
    run: ({ host }) => modifyVgpu(depsFor(host), { id: A, start: 'auto', addAttr: { name: 'x', value: '1' } }),
  },
];

/**
 * Numbers the kernel allocates afresh — IOMMU group ids of new mdevs, vfio-dev minors, the
 * /dev/vfio/N nodes — differ after an undo that recreates a device, as on a real host, so they
 * are compared as "some number".
 */
const ALLOCATED = [/(\/iommu_groups\/)\d+/g, /(\/vfio-dev\/vfio)\d+/g, /(\/dev\/vfio\/)\d+/g, /^(\/dev\/vfio\/)\d+$/g];
function normalize(text: string): string {
  return ALLOCATED.reduce((t, pattern) => t.replace(pattern, '$1#'), text);
}

/** A vfio-dev node's `dev` and `uevent` carry its allocated minor. */
function normalizeContent(path: string, content: string): string {
  return /\/vfio-dev\/vfio\d+\/(dev|uevent)$/.test(path) ? content.replace(/\d+/g, '#') : normalize(content);
}

/**
 * Kernel state that undo need not and cannot take away: the vfio class directory the VFIO
 * core creates on first use, and vgpuctl's empty runtime directories on /run.
 */
const MAY_REMAIN = new Set(['/sys/devices/virtual/vfio', '/run/vgpuctl', '/run/vgpuctl/bind']);

/** Every node of the tree: kind, mode, and content (attributes as read, files, link targets). */
function snapshot(kernel: EmulatedKernel): Map<string, string> {
  const out = new Map<string, string[]>();
  const visit = (path: string, node: Node): void => {
    let content = '';
    if (node.kind === 'link') content = node.target;
    else if (node.kind === 'file' || node.kind === 'attr') {
      try {
        content = readNode(node, ROOT_CONTEXT).toString('utf8');
      } catch (error) {
        content = `unreadable ${(error as Error).message}`;
      }
    } else if (node.kind === 'chardev') content = `${node.major}:${node.minor}`;
    const key = normalize(path);
    if (!(MAY_REMAIN.has(path) && node.kind === 'dir' && node.children.size === 0))
      out.set(key, [
        ...(out.get(key) ?? []),
        `${node.kind} ${node.mode.toString(8)} ${normalizeContent(path, content)}`,
      ]);
    if (node.kind === 'dir')
      for (const [name, child] of node.children) visit(`${path === '/' ? '' : path}/${name}`, child);
  };
  visit('/', kernel.tree.lookup('/', false));
  return new Map([...out].map(([key, values]) => [key, values.sort().join(' | ')]));
}

function difference(before: Map<string, string>, now: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const [path, value] of now)
    if (before.get(path) !== value) lines.push(before.has(path) ? `changed ${path}` : `added ${path}`);
  for (const path of before.keys()) if (!now.has(path)) lines.push(`removed ${path}`);
  return lines;
}

let covered = 0;
let restored = 0;
let reported = 0;
let crashes = 0;
after(() =>
  console.log(
    `# fault injection: ${covered} step positions covered in ${OPERATIONS.length + 1} operations: ${restored} left the host exactly as before, ${reported} said what is left, ${crashes} were kills followed by a next command that ran`,
  ),
);

describe('a fault at any step leaves the host as it was, or says what is left', () => {
  for (const op of OPERATIONS) {
    test(op.name, async () => {
      // A clean run counts the host changes the operation makes.
      const clean = bootHost(op.scenario);
      await op.setup?.(clean);
      const start = clean.kernel.mutations;
      await op.run(clean);
      const positions = clean.kernel.mutations - start;
      assert.ok(positions > 0, 'the operation changes the host');
      for (let position = 0; position < positions; position++) {
        const booted = bootHost(op.scenario);
        await op.setup?.(booted);
        const before = snapshot(booted.kernel);
        booted.kernel.injectFault({
          afterWrites: position,
          errno: 'EIO',
          operations: ['write', 'writeFile', 'mkdir', 'remove'],
        });
        const error = await op.run(booted).then(
          () => undefined,
          (e: unknown) => e,
        );
        const where = `${op.name}, fault at change ${position + 1} of ${positions}`;
        assert.ok(error !== undefined, `${where}: the injected fault was reported`);
        assert.ok(isVgpuctlError(error) && error.code !== 'INTERNAL', `${where}: ${String(error)}`);
        const left = difference(before, snapshot(booted.kernel));
        const said = `${error.message} ${error.hint ?? ''}`;
        if (left.length === 0) restored++;
        else {
          // Undo was impossible: the error must not claim otherwise, and must name what is left.
          const named = left.some((line) => said.includes(line.slice(line.indexOf(' ') + 1)));
          assert.ok(
            !/every earlier change was undone/.test(said) && (named || /was made/.test(said)),
            `${where}: the host changed (${left.slice(0, 8).join('; ')}) and the error says: ${said}`,
          );
          reported++;
          if (process.env.FI_DEBUG) console.log(`# ${where}: ${said.slice(0, 200)}`);
        }
        covered++;
      }
    });
  }
});

describe('a process killed at any step of define --start leaves definitions whole and a host the next command handles', () => {
  test('every kill point', async () => {
    const define = (booted: Booted, pid: number, first: number) =>
      defineVgpus(
        depsFor(booted.host, { lock: { pid, isAlive: (holder) => holder !== DEAD } }),
        { type: 'T4-1B', gpu: T4, count: 2, startNow: true },
        uuidSequence(first),
      );
    const DEAD = 999_999;
    const clean = bootHost('lab');
    const start = clean.kernel.mutations;
    await define(clean, 1, 1);
    const positions = clean.kernel.mutations - start;
    for (let position = 0; position < positions; position++) {
      const booted = bootHost('lab');
      booted.kernel.injectFault({
        afterWrites: position,
        die: true,
        operations: ['write', 'writeFile', 'mkdir', 'remove'],
      });
      await assert.rejects(define(booted, DEAD, 1), EmulatedDeath);
      // The kernel outlives the process; the next command is a new one.
      booted.kernel.clearFaults();
      const definitions = await readDefinitions(booted.host);
      assert.deepEqual(definitions.problems, [], `kill at change ${position + 1}: no torn or unreadable definition`);
      const next = await define(booted, 2, 100);
      assert.equal(
        next.result.length,
        2,
        `kill at change ${position + 1}: the next define breaks the stale lock and runs`,
      );
      covered++;
      crashes++;
    }
  });
});
