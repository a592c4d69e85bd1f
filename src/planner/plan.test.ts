import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VgpuctlError } from '../core/errors.ts';
import { discover } from '../discovery/discover.ts';
import type { ScenarioInput } from '../emulator/scenario/schema.ts';
import { emulated } from '../ops/vgpu/_test-hosts.ts';
import { unitsOf, violations } from './_test-check.ts';
import { gpu, plainGpu } from './_test-gpus.ts';
import { parseFleet } from './fleet.ts';
import { gpusFromInventory, type PlannerGpu } from './gpu-model.ts';
import { planPlacement } from './plan.ts';
import { parseWants, resolveWants } from './want.ts';

const plan = (gpus: PlannerGpu[], want: string) => {
  const result = planPlacement(gpus, resolveWants(parseWants(want)));
  const { units, problems } = unitsOf(gpus, result.placements);
  assert.deepEqual([...problems, ...violations(gpus, units)], [], 'the plan breaks no rule');
  return result;
};
const hostGpus = async (scenario: string | ScenarioInput) => {
  const inventory = await discover(emulated(scenario).host, { deviceUsers: true });
  return gpusFromInventory(inventory, 'lab');
};
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as VgpuctlError).code;
  }
  return assert.fail('expected an error');
};

describe('planner on the lab host', () => {
  test('places T4 vGPUs on the T4 and passthrough on the GPU without vGPU profiles', async () => {
    const result = plan(await hostGpus('lab'), 'T4-1B:10,passthrough:1');
    assert.equal(result.fits, true);
    assert.deepEqual(
      result.placements.map((p) => [p.gpu, p.profile, p.count]),
      [
        ['0000:01:00.0', 'passthrough', 1],
        ['0000:3b:00.0', 'T4-1B', 10],
      ],
    );
  });

  test('says which rule stops the rest and the smallest change: VFs for the L40S', async () => {
    const result = plan(await hostGpus('lab'), 'T4-1B:17,L40S-4Q:6');
    assert.equal(result.fits, false);
    assert.equal(result.placed, 16);
    const t4 = result.unplaced.find((u) => u.profile === 'T4-1B');
    assert.deepEqual(
      t4?.reasons.map((r) => r.rule),
      ['max-instances'],
    );
    assert.deepEqual(t4?.suggestions, []);
    const l40s = result.unplaced.find((u) => u.profile === 'L40S-4Q');
    assert.deepEqual(
      l40s?.reasons.map((r) => r.rule),
      ['vfs-not-enabled'],
    );
    assert.equal(l40s?.suggestions[0]?.change, 'enable-vfs');
    assert.equal(l40s?.suggestions[0]?.command, 'vgpuctl sriov 0000:41:00.0 --vfs 32');
  });

  test('uses enabled VFs one vGPU each and respects a live vGPU of another size', async () => {
    const scenario: ScenarioInput = {
      name: 'l40s',
      gpus: [
        {
          address: '0000:41:00.0',
          model: 'l40s',
          vgpu: 'vendor-vfio',
          sriovNumVfs: 4,
          vendorVgpus: [{ vf: 0, typeId: 1148 }],
        },
      ],
    };
    const gpus = await hostGpus(scenario);
    assert.equal(gpus[0]?.freeVfs.length, 3);
    const same = plan(gpus, 'L40S-2Q:3');
    assert.equal(same.fits, true);
    assert.equal(same.placements[0]?.vfs.length, 3);
    const other = plan(gpus, 'L40S-4Q:1');
    assert.equal(other.fits, false);
    assert.deepEqual(
      other.unplaced[0]?.reasons.map((r) => r.rule),
      ['one-size-per-gpu'],
    );
    assert.equal(other.unplaced[0]?.suggestions[0]?.change, 'mixed-size');
    assert.match(other.unplaced[0]?.suggestions[0]?.command ?? '', /nvidia-smi vgpu -i 0000:41:00\.0 -shm 1/);
    // In mixed-size mode the 4Q fits beside the 2Q.
    const mixed = plan(
      gpus.map((g) => ({ ...g, mixedSize: true })),
      'L40S-4Q:3',
    );
    assert.equal(mixed.fits, true);
  });

  test('the unlocked GTX 1060 takes RTX A5500 profiles', async () => {
    const result = plan(await hostGpus('lab'), 'RTXA5500-2B:12');
    assert.equal(result.fits, true);
    assert.equal(result.placements[0]?.gpu, '0000:81:00.0');
  });
});

describe('planner on the big host', () => {
  test('packs onto GPUs running the size, and suggests removing idle vGPUs for another size', async () => {
    const gpus = await hostGpus('big:gpus=4,instances=10');
    assert.equal(gpus.length, 4);
    assert.equal(plan(gpus, 'T4-1B:54').fits, true);
    const over = plan(gpus, 'T4-1B:55');
    assert.equal(over.placed, 54);
    const other = plan(gpus, 'T4-2Q:8');
    assert.equal(other.fits, false);
    assert.deepEqual(
      other.unplaced[0]?.reasons.map((r) => [r.rule, r.gpus]),
      [['one-size-per-gpu', 4]],
    );
    const [change] = other.unplaced[0]?.suggestions ?? [];
    assert.equal(change?.change, 'remove-idle-vgpus');
    assert.equal(change?.cost, 2, 'the GPU with the fewest vGPUs');
    assert.equal(change?.adds, 8);
  });
});

describe('planner rules on hand-made GPUs', () => {
  test('gives free GPUs to the size with most vGPUs per GPU when not all fit', () => {
    const gpus = [gpu('T4', { address: '0000:01:00.0' }), gpu('T4', { address: '0000:02:00.0' })];
    const result = plan(gpus, 'T4-16Q:2,T4-1B:32');
    assert.equal(result.placed, 32);
    assert.equal(result.unplaced[0]?.profile, 'T4-16Q');
  });

  test('takes the smallest GPU that fits the rest', () => {
    const gpus = [gpu('L40S', { address: '0000:01:00.0', vfs: 8 }), gpu('L40S', { address: '0000:02:00.0', vfs: 2 })];
    const result = plan(gpus, 'L40S-1Q:2');
    assert.deepEqual(
      result.placements.map((p) => p.gpu),
      ['0000:02:00.0'],
    );
  });

  test('prefers the wanted NUMA node', () => {
    const gpus = [
      gpu('T4', { address: '0000:01:00.0', numaNode: 0 }),
      gpu('T4', { address: '0000:81:00.0', numaNode: 1 }),
    ];
    assert.equal(plan(gpus, 'T4-1B:4@numa=1').placements[0]?.gpu, '0000:81:00.0');
    assert.equal(plan(gpus, 'T4-1B:4').placements[0]?.gpu, '0000:01:00.0');
  });

  test('MIG-backed profiles share slices and never a GPU with time-sliced ones', () => {
    const gpus = [
      gpu('A100', { address: '0000:01:00.0' }),
      gpu('A100', { address: '0000:02:00.0', live: ['A100-4C'] }),
    ];
    const result = plan(gpus, 'A100-3-20C:2,A100-1-5C:1,A100-1-5CME:1');
    assert.equal(result.fits, false);
    assert.equal(result.placed, 3);
    assert.deepEqual(result.unplaced[0]?.reasons.map((r) => r.rule).sort(), ['mig-and-time-sliced', 'mig-slices']);
  });

  test('passthrough never takes the boot VGA device or a GPU with vGPUs', () => {
    const gpus = [plainGpu('0000:00:02.0', { bootVga: true }), gpu('T4', { address: '0000:01:00.0', live: ['T4-1B'] })];
    const result = plan(gpus, 'passthrough:1');
    assert.equal(result.fits, false);
    assert.equal(result.unplaced[0]?.suggestions[0]?.change, 'remove-idle-vgpus');
    const busy = [gpu('T4', { address: '0000:01:00.0', live: ['T4-1B'], busy: true })];
    assert.deepEqual(plan(busy, 'passthrough:1').unplaced[0]?.suggestions, []);
  });

  test('a profile of a board the hosts lack says so', () => {
    const result = plan([gpu('T4')], 'L40S-4Q:1');
    assert.deepEqual(
      result.unplaced[0]?.reasons.map((r) => r.rule),
      ['no-such-gpu'],
    );
  });
});

describe('bad input', () => {
  test('malformed --want and unknown profiles are refused with their codes', () => {
    for (const bad of [
      '',
      'T4-1B',
      'T4-1B:',
      'T4-1B:0',
      'T4-1B:-1',
      'T4-1B:1,',
      ':3',
      'T4-1B:1@numa=x',
      'T4-1B:9999999',
    ]) {
      assert.equal(
        codeOf(() => parseWants(bad)),
        'WANT_INVALID',
        bad,
      );
    }
    assert.equal(
      codeOf(() => resolveWants(parseWants('T4-3Q:1'))),
      'PROFILE_NOT_FOUND',
    );
    assert.deepEqual(parseWants('GRID T4-1B:2, passthrough:1'), [
      { profile: 'GRID T4-1B', count: 2, numaNode: null },
      { profile: 'passthrough', count: 1, numaNode: null },
    ]);
  });

  test('a fleet that is not JSON, empty, or not inventories is refused', async () => {
    assert.equal(
      codeOf(() => parseFleet('{', 'f.json')),
      'FLEET_INVALID',
    );
    assert.equal(
      codeOf(() => parseFleet('[]', 'f.json')),
      'FLEET_INVALID',
    );
    assert.equal(
      codeOf(() => parseFleet('[{"gpus": []}]', 'f.json')),
      'FLEET_INVALID',
    );
    const inventory = await discover(emulated('lab').host, { deviceUsers: false });
    const fleet = parseFleet(JSON.stringify([inventory, inventory]), 'f.json');
    assert.equal(fleet.length, 2);
    const agents = parseFleet(
      '[{"agent": "http://10.0.0.2:8080", "tokenFile": "/t"}, {"agent": "unix:/run/a.sock"}]',
      'f',
    );
    assert.deepEqual(agents, [
      { agent: { agent: 'http://10.0.0.2:8080', tokenFile: '/t' } },
      { agent: { agent: 'unix:/run/a.sock' } },
    ]);
    for (const bad of ['[{"agent": "ftp://x"}]', '[{"agent": "unix:/a", "token": "x"}]', '[{"agent": 1}]'])
      assert.equal(
        codeOf(() => parseFleet(bad, 'f.json')),
        'FLEET_INVALID',
        bad,
      );
  });
});
