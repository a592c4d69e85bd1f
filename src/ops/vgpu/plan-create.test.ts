import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVgpuctlError } from '../../core/errors.ts';
import { discover } from '../../discovery/discover.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import { NO_DEFINITIONS } from '../../store/definitions.ts';
import { A10_SRIOV_MDEV, emulated, L40S, uuidSequence, uuids } from './_test-hosts.ts';
import { type CreateVgpusRequest, planCreateVgpus } from './plan-create.ts';
import { planRemoveVgpus } from './plan-remove.ts';

const [U1, U2] = uuids(2) as [string, string];

async function inventoryOf(
  scenario: Parameters<typeof emulated>[0],
  setup?: (h: ReturnType<typeof emulated>) => Promise<void>,
): Promise<Inventory> {
  const env = emulated(scenario);
  await setup?.(env);
  return discover(env.host);
}

/** A lab host with two T4-1B vGPUs (U1, U2) running on the T4. */
const labWithTwo = () =>
  inventoryOf('lab', async ({ host }) => {
    for (const uuid of [U1, U2])
      await host.write('/sys/class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-222/create', uuid);
  });

describe('planCreateVgpus()', () => {
  test('plans one create write per mdev, each undone by remove', async () => {
    const inventory = await inventoryOf('lab');
    const { plan, created } = planCreateVgpus(inventory, { type: 'T4-1B', count: 2 }, { newUuid: uuidSequence() });
    assert.equal(plan.action, 'create 2 vGPUs of GRID T4-1B on 0000:3b:00.0');
    assert.deepEqual(created, [
      { kind: 'mdev', uuid: U1, parent: '0000:3b:00.0', type: 'nvidia-222' },
      { kind: 'mdev', uuid: U2, parent: '0000:3b:00.0', type: 'nvidia-222' },
    ]);
    assert.deepEqual(plan.steps[0], {
      kind: 'write',
      path: '/sys/class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-222/create',
      value: U1,
      why: `create vGPU ${U1} (nvidia-222) on 0000:3b:00.0`,
      undo: [{ kind: 'write', path: `/sys/bus/mdev/devices/${U1}/remove`, value: '1', why: `undo: remove vGPU ${U1}` }],
    });
  });

  const names: [string, string, string][] = [
    ['a type id', 'nvidia-223', 'nvidia-223'],
    ["NVIDIA's number", '223', 'nvidia-223'],
    ['the full name', 'GRID T4-2B', 'nvidia-223'],
    ['the name without prefix, any case', 't4-2b', 'nvidia-223'],
  ];
  for (const [what, type, id] of names) {
    test(`finds a type by ${what}`, async () => {
      const { created } = planCreateVgpus(await inventoryOf('lab'), { type, uuids: [U1] });
      assert.equal(created[0]?.kind === 'mdev' ? created[0].type : undefined, id);
    });
  }

  test('kubevirt-t4: creates on the virtual parent "nvidia" named by --gpu', async () => {
    const { plan, created } = planCreateVgpus(await inventoryOf('kubevirt-t4'), {
      type: 'GRID T4-2B',
      gpu: 'nvidia',
      uuids: [U1],
    });
    assert.deepEqual(created, [{ kind: 'mdev', uuid: U1, parent: 'nvidia', type: 'nvidia-223' }]);
    assert.equal(plan.steps[0]?.path, '/sys/class/mdev_bus/nvidia/mdev_supported_types/nvidia-223/create');
  });

  test('vendor-VFIO: gives free VFs the type id, undone by writing 0', async () => {
    const { plan, created } = planCreateVgpus(await inventoryOf(L40S(4)), { type: 'L40S-4Q', count: 2 });
    assert.deepEqual(created, [
      { kind: 'vendor-vfio', vf: '0000:41:00.4', pf: '0000:41:00.0', typeId: 1150 },
      { kind: 'vendor-vfio', vf: '0000:41:00.5', pf: '0000:41:00.0', typeId: 1150 },
    ]);
    assert.deepEqual(
      plan.steps.map((s) => [
        s.path,
        s.kind === 'write' ? s.value : '',
        s.kind === 'write' ? s.undo?.[0]?.kind === 'write' && s.undo[0].value : '',
      ]),
      [
        ['/sys/bus/pci/devices/0000:41:00.4/nvidia/current_vgpu_type', '1150', '0'],
        ['/sys/bus/pci/devices/0000:41:00.5/nvidia/current_vgpu_type', '1150', '0'],
      ],
    );
  });

  test('vendor-VFIO: a VF named by --gpu is the one used', async () => {
    const { created } = planCreateVgpus(await inventoryOf(L40S(4)), { type: '1145', gpu: '41:00.6' });
    assert.deepEqual(created, [{ kind: 'vendor-vfio', vf: '0000:41:00.6', pf: '0000:41:00.0', typeId: 1145 }]);
  });

  test('SR-IOV + mdev (A10): one vGPU per VF parent, bounded by the GPU', async () => {
    const inventory = await inventoryOf(A10_SRIOV_MDEV);
    const { created } = planCreateVgpus(inventory, { type: 'A10-6Q', count: 4 }, { newUuid: uuidSequence() });
    assert.deepEqual(
      created.map((c) => (c.kind === 'mdev' ? c.parent : '')),
      ['0000:65:00.4', '0000:65:00.5', '0000:65:00.6', '0000:65:00.7'],
    );
    assert.throws(
      () => planCreateVgpus(inventory, { type: 'A10-12Q', count: 3 }, { newUuid: uuidSequence() }),
      (e) => isVgpuctlError(e) && e.code === 'VGPU_CAPACITY_EXHAUSTED' && /only 2 instances/.test(e.message),
    );
  });

  test('without --gpu, fills a GPU already running the size before an empty one', async () => {
    const big = {
      name: 'two-t4',
      gpus: [
        { address: '0000:3b:00.0', model: 'tesla-t4', vgpu: 'mdev' as const },
        {
          address: '0000:5e:00.0',
          model: 'tesla-t4',
          vgpu: 'mdev' as const,
          mdevs: [{ uuid: U2, type: 'nvidia-230' }],
        },
      ],
    };
    const inventory = await inventoryOf(big);
    const { created } = planCreateVgpus(inventory, { type: 'T4-1B', count: 17 }, { newUuid: uuidSequence(10) });
    const parents = created.map((c) => (c.kind === 'mdev' ? c.parent : ''));
    assert.equal(parents.filter((p) => p === '0000:5e:00.0').length, 15);
    assert.equal(parents.filter((p) => p === '0000:3b:00.0').length, 2);
  });

  const refused: [string, () => Promise<Inventory>, CreateVgpusRequest, string, RegExp][] = [
    [
      'a count of 0',
      () => inventoryOf('lab'),
      { type: 'T4-1B', count: 0 },
      'INVALID_ARGUMENT',
      /count must be a whole number from 1/,
    ],
    [
      'a count above capacity',
      () => inventoryOf('lab'),
      { type: 'T4-2B', count: 9 },
      'VGPU_CAPACITY_EXHAUSTED',
      /only 8 instances of GRID T4-2B left/,
    ],
    [
      'an unknown type',
      () => inventoryOf('lab'),
      { type: 'T4-3B' },
      'VGPU_TYPE_NOT_FOUND',
      /no GPU on this host offers it/,
    ],
    [
      'an unknown GPU',
      () => inventoryOf('lab'),
      { type: 'T4-1B', gpu: '0000:99:00.0' },
      'DEVICE_NOT_FOUND',
      /not a GPU that offers vGPU types/,
    ],
    [
      'a type on the wrong GPU',
      () => inventoryOf('lab'),
      { type: 'T4-1B', gpu: '0000:81:00.0' },
      'VGPU_TYPE_NOT_FOUND',
      /offers no such type/,
    ],
    [
      'a type containing "/"',
      () => inventoryOf('lab'),
      { type: 'nvidia-222/../x' },
      'INVALID_NAME',
      /may not be empty or contain/,
    ],
    [
      'a parent containing ".."',
      () => inventoryOf('lab'),
      { type: 'T4-1B', gpu: '..' },
      'INVALID_NAME',
      /may not contain/,
    ],
    [
      'a malformed UUID',
      () => inventoryOf('lab'),
      { type: 'T4-1B', uuids: ['83b8f4f2-509f'] },
      'INVALID_UUID',
      /expected 8-4-4-4-12/,
    ],
    [
      'an upper-case UUID',
      () => inventoryOf('lab'),
      { type: 'T4-1B', uuids: ['83B8F4F2-509F-382F-3C1E-E6BFE0FA1001'] },
      'INVALID_UUID',
      /upper-case/,
    ],
    [
      'a UUID given twice',
      () => inventoryOf('lab'),
      { type: 'T4-1B', uuids: [U1, U1] },
      'INVALID_ARGUMENT',
      /given twice/,
    ],
    [
      'a UUID already running',
      labWithTwo,
      { type: 'T4-1B', uuids: [U2] },
      'CONFLICT',
      /UUID already used by a running vGPU \(nvidia-222 on 0000:3b:00.0\)/,
    ],
    [
      'more UUIDs than the count',
      () => inventoryOf('lab'),
      { type: 'T4-1B', uuids: [U1, U2], count: 1 },
      'INVALID_ARGUMENT',
      /with 2 UUIDs/,
    ],
    [
      'a 2 GiB type beside 1 GiB vGPUs',
      labWithTwo,
      { type: 'T4-2B' },
      'VGPU_SIZE_CONFLICT',
      /0000:3b:00.0 runs 1 GiB vGPUs; a 2 GiB type cannot be created until they are removed/,
    ],
    [
      'a type on a vendor-VFIO GPU without VFs',
      () => inventoryOf('lab'),
      { type: 'L40S-1B', gpu: '0000:41:00.0' },
      'VGPU_TYPE_NOT_FOUND',
      /SR-IOV VFs are not enabled \(0 of 32\)/,
    ],
    [
      '--uuid for a vendor-VFIO type',
      () => inventoryOf(L40S(2)),
      { type: 'L40S-1B', uuids: [U1] },
      'INVALID_ARGUMENT',
      /named by their VF/,
    ],
    [
      'a vendor-VFIO type of another size',
      () =>
        inventoryOf(L40S(2), async ({ host }) => {
          await host.write('/sys/bus/pci/devices/0000:41:00.4/nvidia/current_vgpu_type', '1145');
        }),
      { type: 'L40S-2Q' },
      'VGPU_SIZE_CONFLICT',
      /runs 1 GiB vGPUs; a 2 GiB type/,
    ],
  ];
  for (const [name, inventory, request, code, message] of refused) {
    test(`refuses ${name}`, async () => {
      const inv = await inventory();
      assert.throws(
        () => planCreateVgpus(inv, request, { newUuid: uuidSequence(100), definitions: NO_DEFINITIONS }),
        (e) => isVgpuctlError(e) && e.code === code && message.test(e.message),
      );
    });
  }

  test('exhaustion is explained as "N of M in use"', async () => {
    const inventory = await inventoryOf('lab', async ({ host }) => {
      for (const uuid of uuids(8, 50))
        await host.write('/sys/class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-223/create', uuid);
    });
    assert.throws(
      () => planCreateVgpus(inventory, { type: 'GRID T4-2B', gpu: '0000:3b:00.0', uuids: [U1] }),
      (e) =>
        isVgpuctlError(e) &&
        e.message ===
          'Cannot create 1 vGPU of type "GRID T4-2B": no instances left of GRID T4-2B on 0000:3b:00.0: 8 of 8 in use',
    );
  });

  test('a UUID already defined is refused', async () => {
    const inventory = await inventoryOf('lab');
    const definitions = {
      ...NO_DEFINITIONS,
      mdev: [
        {
          kind: 'mdev' as const,
          uuid: U1,
          parent: '0000:3b:00.0',
          path: 'x',
          mdevType: 'nvidia-222',
          start: 'auto' as const,
          attrs: [],
        },
      ],
    };
    assert.throws(
      () => planCreateVgpus(inventory, { type: 'T4-1B', uuids: [U1] }, { definitions }),
      (e) =>
        isVgpuctlError(e) && e.code === 'CONFLICT' && /already defined \(nvidia-222 on 0000:3b:00.0\)/.test(e.message),
    );
  });
});

describe('planRemoveVgpus()', () => {
  test('removes mdevs by UUID, each undone by creating it again', async () => {
    const plan = planRemoveVgpus(await labWithTwo(), { ids: [U1] });
    assert.deepEqual(plan.steps, [
      {
        kind: 'write',
        path: `/sys/bus/mdev/devices/${U1}/remove`,
        value: '1',
        why: `remove vGPU ${U1} (nvidia-222) from 0000:3b:00.0`,
        undo: [
          {
            kind: 'write',
            path: '/sys/class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-222/create',
            value: U1,
            why: `undo: create vGPU ${U1} again`,
          },
        ],
      },
    ]);
  });

  const refused: [string, string[], RegExp][] = [
    ['an unknown UUID', [uuids(1, 77)[0] as string], /no running vGPU has this UUID/],
    ['an upper-case UUID', ['83B8F4F2-509F-382F-3C1E-E6BFE0FA1001'], /upper-case/],
    ['a VF that is not there', ['0000:41:00.4'], /no vendor-VFIO VF has this address/],
    ['the same id twice', [U1, U1], /named twice/],
  ];
  for (const [name, ids, message] of refused) {
    test(`refuses ${name}`, async () => {
      const inventory = await labWithTwo();
      assert.throws(
        () => planRemoveVgpus(inventory, { ids }),
        (e) => isVgpuctlError(e) && message.test(e.message),
      );
    });
  }
});
