/**
 * The vGPU lifecycle on the in-memory emulated kernel, scenario by scenario: create, list,
 * define, start, stop, remove — and rollback, lost races and dry runs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVgpuctlError } from '../../core/errors.ts';
import type { ScenarioInput } from '../../emulator/scenario/schema.ts';
import { readDefinitions } from '../../store/definitions.ts';
import { depsFor, emulated, L40S, uuidSequence } from './_test-hosts.ts';
import {
  createVgpus,
  defineRunningVgpus,
  defineVgpus,
  listAllVgpus,
  modifyVgpu,
  removeVgpus,
  startVgpus,
  undefineVgpus,
} from './lifecycle.ts';
import { listVgpuTypes } from './list-types.ts';

interface Case {
  name: string;
  scenario: string | ScenarioInput;
  setup?: (host: ReturnType<typeof emulated>['host']) => Promise<void>;
  type: string;
  gpu: string;
  typeId: string;
  mechanism: 'mdev' | 'vendor-vfio';
}

const CASES: Case[] = [
  {
    name: 'lab: Tesla T4, classic mdev',
    scenario: 'lab',
    type: 'T4-1B',
    gpu: '0000:3b:00.0',
    typeId: 'nvidia-222',
    mechanism: 'mdev',
  },
  {
    name: 'lab: Intel GVT-g',
    scenario: 'lab',
    type: 'i915-GVTg_V5_8',
    gpu: '0000:00:02.0',
    typeId: 'i915-GVTg_V5_8',
    mechanism: 'mdev',
  },
  {
    name: 'lab: L40S, vendor-VFIO (VFs enabled through sysfs)',
    scenario: 'lab',
    setup: async (host) => {
      await host.write('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs', '4');
    },
    type: 'NVIDIA L40S-2Q',
    gpu: '0000:41:00.0',
    typeId: 'nvidia-1148',
    mechanism: 'vendor-vfio',
  },
  {
    name: 'kubevirt-t4: virtual parent "nvidia"',
    scenario: 'kubevirt-t4',
    type: 'T4-2B',
    gpu: 'nvidia',
    typeId: 'nvidia-223',
    mechanism: 'mdev',
  },
  { name: 'samples: mtty', scenario: 'samples', type: 'mtty-2', gpu: 'mtty', typeId: 'mtty-2', mechanism: 'mdev' },
  { name: 'samples: mdpy', scenario: 'samples', type: 'mdpy-vga', gpu: 'mdpy', typeId: 'mdpy-vga', mechanism: 'mdev' },
  {
    name: 'samples: mbochs',
    scenario: 'samples',
    type: 'mbochs-small',
    gpu: 'mbochs',
    typeId: 'mbochs-small',
    mechanism: 'mdev',
  },
];

describe('vGPU lifecycle on the emulated kernel', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const { host } = emulated(c.scenario);
      await c.setup?.(host);
      const deps = depsFor(host);
      const newUuid = uuidSequence();
      const available = async () =>
        listVgpuTypes(await deps.discover()).find((t) => t.gpu === c.gpu && t.id === c.typeId)?.availableInstances;
      const before = await available();

      // create 2, listed as running and not defined
      const created = await createVgpus(deps, { type: c.type, gpu: c.gpu, count: 2 }, newUuid);
      const ids = created.result.map((v) => (v.kind === 'mdev' ? v.uuid : v.vf));
      assert.equal(ids.length, 2);
      assert.equal(created.result[0]?.kind, c.mechanism);
      let { entries } = await listAllVgpus(deps);
      assert.deepEqual(
        entries.map((e) => [e.id, e.type, e.state, e.start]),
        ids.map((id) => [id, c.typeId, 'running', null]),
      );
      assert.equal(await available(), (before ?? 0) - 2);

      // define the first (running) one with autostart, then stop it: it stays defined
      const [first, second] = ids as [string, string];
      await defineRunningVgpus(deps, { ids: [first], start: 'auto' });
      await removeVgpus(deps, [first], 'stop');
      ({ entries } = await listAllVgpus(deps));
      assert.deepEqual(
        entries.find((e) => e.id === first),
        { ...entries.find((e) => e.id === first), state: 'stopped', start: 'auto', type: c.typeId },
      );

      // start it from its definition; modify it to manual
      const started = await startVgpus(deps, { ids: [first] });
      assert.equal(started.result.started.length, 1);
      await modifyVgpu(deps, { id: first, start: 'manual' });
      ({ entries } = await listAllVgpus(deps));
      assert.equal(entries.find((e) => e.id === first)?.state, 'running');
      assert.equal(entries.find((e) => e.id === first)?.start, 'manual');

      // undefine: still running; remove both: gone, capacity back
      await undefineVgpus(deps, { ids: [first] });
      await removeVgpus(deps, [first, second]);
      ({ entries } = await listAllVgpus(deps));
      assert.deepEqual(entries, []);
      assert.equal(await available(), before);
      assert.deepEqual(await readDefinitions(host), { mdev: [], vendorVfio: [], problems: [] });
    });
  }

  test('define --start with --auto writes mdevctl files and starts them in one plan', async () => {
    const { host } = emulated('lab');
    const deps = depsFor(host);
    const applied = await defineVgpus(
      deps,
      { type: 'T4-1B', count: 3, start: 'auto', startNow: true, attrs: [] },
      uuidSequence(),
    );
    assert.equal(applied.result.length, 3);
    const definitions = await readDefinitions(host);
    assert.equal(definitions.mdev.length, 3);
    assert.ok(definitions.mdev.every((d) => d.start === 'auto' && d.parent === '0000:3b:00.0'));
    const { entries } = await listAllVgpus(deps);
    assert.ok(entries.every((e) => e.state === 'running' && e.start === 'auto'));
  });

  test('defining more than fits, counting stopped definitions, is refused', async () => {
    const { host } = emulated('lab');
    const deps = depsFor(host);
    await defineVgpus(deps, { type: 'T4-2B', count: 6 }, uuidSequence());
    await assert.rejects(
      defineVgpus(deps, { type: 'T4-2B', count: 3 }, uuidSequence(50)),
      (e) => isVgpuctlError(e) && e.code === 'VGPU_CAPACITY_EXHAUSTED' && /only 2 instances/.test(e.message),
    );
    await assert.rejects(
      defineVgpus(deps, { type: 'T4-1B' }, uuidSequence(60)),
      (e) => isVgpuctlError(e) && e.code === 'VGPU_SIZE_CONFLICT' && /stopped vGPUs of 2 GiB defined/.test(e.message),
    );
    assert.equal((await readDefinitions(host)).mdev.length, 6);
  });

  test('a failure at the k-th create of --count rolls back every vGPU this invocation created', async () => {
    const { kernel, host } = emulated('lab');
    const deps = depsFor(host);
    kernel.injectFault({ afterWrites: 3, errno: 'EIO', pathIncludes: '/create' });
    await assert.rejects(createVgpus(deps, { type: 'T4-1B', count: 6 }, uuidSequence()), (e) => {
      assert.ok(isVgpuctlError(e));
      assert.equal(e.code, 'SYSFS_WRITE_FAILED');
      assert.match(e.message, /failed with EIO \(Input\/output error\); every earlier change was undone$/);
      return true;
    });
    const { entries, inventory } = await listAllVgpus(deps);
    assert.deepEqual(entries, []);
    assert.equal(listVgpuTypes(inventory).find((t) => t.id === 'nvidia-222')?.availableInstances, 16);
  });

  test('a definition plan that fails while starting leaves no definition file behind', async () => {
    const { kernel, host } = emulated('lab');
    kernel.injectFault({ afterWrites: 1, errno: 'EIO', pathIncludes: '/create' });
    await assert.rejects(
      defineVgpus(depsFor(host), { type: 'T4-1B', count: 3, startNow: true }, uuidSequence()),
      /EIO/,
    );
    // (An empty /etc/mdevctl.d/<parent> may remain, as mdevctl's undefine leaves it.)
    assert.deepEqual(await readDefinitions(host), { mdev: [], vendorVfio: [], problems: [] });
  });

  test('losing a race (ENOSPC from the kernel) replans against fresh discovery and succeeds', async () => {
    const { kernel, host } = emulated('lab');
    kernel.injectFault({ afterWrites: 2, errno: 'ENOSPC', pathIncludes: '/create' });
    const applied = await createVgpus(depsFor(host), { type: 'T4-1B', count: 4 }, uuidSequence());
    assert.equal(applied.attempts, 2);
    assert.equal((await listAllVgpus(depsFor(host))).entries.length, 4);
  });

  test('two concurrent --count creations never allocate more than the GPU has', async () => {
    const { host } = emulated('lab');
    // Real pauses between attempts: in-process, the two would otherwise retry in lockstep.
    const deps = depsFor(host, { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) });
    const results = await Promise.allSettled([
      createVgpus(deps, { type: 'T4-2B', gpu: '0000:3b:00.0', count: 5 }, uuidSequence(1)),
      createVgpus(deps, { type: 'T4-2B', gpu: '0000:3b:00.0', count: 5 }, uuidSequence(100)),
    ]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(fulfilled.length, 1);
    assert.equal(rejected.length, 1);
    assert.ok(
      isVgpuctlError(rejected[0]?.reason) && rejected[0].reason.code === 'VGPU_CAPACITY_EXHAUSTED',
      String(rejected[0]?.reason),
    );
    assert.equal((await listAllVgpus(deps)).entries.length, 5);
  });

  test('two concurrent vendor-VFIO creations get different VFs (EBUSY, then replan)', async () => {
    const { host } = emulated(L40S(2));
    const deps = depsFor(host, { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) });
    const [a, b] = await Promise.all([
      createVgpus(deps, { type: 'L40S-1B' }, uuidSequence()),
      createVgpus(deps, { type: 'L40S-1B' }, uuidSequence()),
    ]);
    const vfs = [...(a?.result ?? []), ...(b?.result ?? [])].map((v) => (v.kind === 'vendor-vfio' ? v.vf : ''));
    assert.deepEqual(vfs.sort(), ['0000:41:00.4', '0000:41:00.5']);
  });

  test('a dry run plans and changes nothing', async () => {
    const { host } = emulated('lab');
    const applied = await defineVgpus(
      depsFor(host, { dryRun: true }),
      { type: 'T4-1B', count: 2, startNow: true },
      uuidSequence(),
    );
    assert.equal(applied.executed, false);
    assert.deepEqual(
      applied.plan.steps.map((s) => s.kind),
      ['mkdir', 'writeFile', 'writeFile', 'write', 'write'],
    );
    assert.equal(await host.exists('/etc/mdevctl.d'), false);
    assert.deepEqual((await listAllVgpus(depsFor(host))).entries, []);
  });

  test('a corrupt definition is a clear error for start and modify, and undefine removes it', async () => {
    const { host } = emulated('lab');
    const uuid = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
    await host.mkdir('/etc/mdevctl.d/0000:3b:00.0', { recursive: true });
    await host.writeFile(`/etc/mdevctl.d/0000:3b:00.0/${uuid}`, '{"mdev_type": "nvidia-2');
    const deps = depsFor(host);
    for (const run of [() => startVgpus(deps, { ids: [uuid] }), () => modifyVgpu(deps, { id: uuid, start: 'auto' })]) {
      await assert.rejects(
        run(),
        (e) => isVgpuctlError(e) && e.code === 'DEFINITION_INVALID' && /is invalid: not valid JSON/.test(e.message),
      );
    }
    assert.equal((await listAllVgpus(deps)).entries[0]?.state, 'invalid');
    assert.deepEqual(
      (await listAllVgpus(deps)).inventory.gpus.find((g) => g.address === '0000:3b:00.0')?.mdev?.instances,
      [],
    );
    await undefineVgpus(deps, { ids: [uuid] });
    assert.deepEqual((await listAllVgpus(deps)).entries, []);
  });
});
