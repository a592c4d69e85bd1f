import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVgpuctlError } from '../../core/errors.ts';
import type { EmulatedHost } from '../../emulator/emulated-host.ts';
import { depsFor, emulated, uuidSequence } from './_test-hosts.ts';
import { type AutostartWait, startAllAuto } from './autostart.ts';
import { createVgpus, defineVgpus, listAllVgpus, removeVgpus, startVgpus } from './lifecycle.ts';

const T4 = '0000:3b:00.0';

/** A fake clock whose sleep advances time and runs `onSleep` (the host changing meanwhile). */
function clock(onSleep: (call: number, now: number) => Promise<void> = async () => {}) {
  let now = 0;
  let calls = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
      await onSleep(++calls, now);
    },
  };
}

async function defineAuto(host: EmulatedHost, type: string, count: number, gpu?: string) {
  const applied = await defineVgpus(
    depsFor(host),
    { type, count, start: 'auto', ...(gpu === undefined ? {} : { gpu }) },
    uuidSequence(),
  );
  return applied.result.map((d) => (d.kind === 'mdev' ? d.uuid : d.vf));
}

describe('startAllAuto()', () => {
  test('starts every autostart definition and reports each; manual ones are left alone', async () => {
    const { host } = emulated('lab');
    const auto = await defineAuto(host, 'T4-1B', 2);
    await defineVgpus(
      depsFor(host),
      { type: 'T4-1B', uuids: ['aaaaaaaa-0000-4000-8000-000000000001'] },
      uuidSequence(9),
    );
    const report = await startAllAuto(depsFor(host), { waitSeconds: 0 });
    assert.deepEqual(
      report.outcomes.map((o) => [o.id, o.status]),
      auto.map((id) => [id, 'started']),
    );
    const again = await startAllAuto(depsFor(host), { waitSeconds: 0 });
    assert.deepEqual(
      again.outcomes.map((o) => o.status),
      ['running', 'running'],
    );
  });

  test('waits with backoff for a parent that registers late (nvidia loaded after vgpuctl ran)', async () => {
    const { host } = emulated('lab');
    const ids = await defineAuto(host, 'T4-2B', 2);
    await host.write(`/sys/bus/pci/drivers/nvidia/unbind`, T4);
    const c = clock(async (call) => {
      if (call === 4) await host.write('/sys/bus/pci/drivers/nvidia/bind', T4);
    });
    const report = await startAllAuto(depsFor(host, { sleep: c.sleep, now: c.now }), { waitSeconds: 120 });
    assert.deepEqual(
      report.outcomes.map((o) => [o.id, o.status]),
      ids.map((id) => [id, 'started']),
    );
    assert.deepEqual(c.sleeps, [250, 500, 1000, 2000]);
    assert.equal(report.waitedMs, 3750);
  });

  test('reports what it waits for before each pause', async () => {
    const { host } = emulated('lab');
    const ids = await defineAuto(host, 'T4-2B', 1);
    await host.write(`/sys/bus/pci/drivers/nvidia/unbind`, T4);
    const c = clock(async (call) => {
      if (call === 4) await host.write('/sys/bus/pci/drivers/nvidia/bind', T4);
    });
    const waits: AutostartWait[] = [];
    await startAllAuto(depsFor(host, { sleep: c.sleep, now: c.now }), {
      waitSeconds: 120,
      onWait: (wait) => waits.push(wait),
    });
    assert.deepEqual(
      waits.map((w) => w.elapsedMs),
      [0, 250, 750, 1750],
    );
    assert.deepEqual(
      waits[0]?.waiting.map((w) => w.id),
      ids,
    );
    assert.match(waits[0]?.waiting[0]?.reason ?? '', /0000:3b:00\.0/);
  });

  test('waits for vendor-VFIO VFs to appear (sriov-manage after boot)', async () => {
    const { host } = emulated('lab');
    await host.write('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs', '2');
    const ids = await defineAuto(host, 'L40S-4Q', 2);
    assert.deepEqual(ids, ['0000:41:00.4', '0000:41:00.5']);
    await host.write('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs', '0');
    const c = clock(async (call) => {
      if (call === 2) await host.write('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs', '2');
    });
    const report = await startAllAuto(depsFor(host, { sleep: c.sleep, now: c.now }), { waitSeconds: 60 });
    assert.deepEqual(
      report.outcomes.map((o) => [o.id, o.type, o.status]),
      ids.map((id) => [id, 'nvidia-1150', 'started']),
    );
  });

  test('gives up after --wait and says what it waited for; the others still start', async () => {
    const { host } = emulated('lab');
    const [t4] = await defineAuto(host, 'T4-1B', 1);
    await defineVgpus(
      depsFor(host),
      { type: 'nvidia-63', gpu: '0000:5e:00.0', start: 'auto', force: true },
      uuidSequence(40),
    );
    const c = clock();
    const report = await startAllAuto(depsFor(host, { sleep: c.sleep, now: c.now }), { waitSeconds: 10 });
    assert.deepEqual(
      report.outcomes.map((o) => [o.parent, o.status, o.reason]),
      [
        [T4, 'started', null],
        ['0000:5e:00.0', 'failed', 'mdev parent 0000:5e:00.0 is not registered after waiting 10 s'],
      ],
    );
    assert.ok(report.outcomes.some((o) => o.id === t4));
    assert.ok(c.now() <= 10_000);
  });

  test('a conflict fails at once instead of waiting (another size runs on the GPU)', async () => {
    const { host } = emulated('lab');
    await defineAuto(host, 'T4-2B', 1);
    await createVgpus(depsFor(host), { type: 'T4-1B' }, uuidSequence(70));
    const c = clock();
    const report = await startAllAuto(depsFor(host, { sleep: c.sleep, now: c.now }), { waitSeconds: 120 });
    assert.equal(report.outcomes[0]?.status, 'failed');
    assert.match(report.outcomes[0]?.reason ?? '', /runs 1 GiB vGPUs; nvidia-223 \(2 GiB\) cannot start beside them/);
    assert.deepEqual(c.sleeps, []);
  });

  test('a corrupt definition is reported as failed; the rest start', async () => {
    const { host } = emulated('lab');
    const [id] = await defineAuto(host, 'T4-1B', 1);
    await host.writeFile(`/etc/mdevctl.d/${T4}/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001`, '{"mdev_type"');
    const report = await startAllAuto(depsFor(host), { waitSeconds: 0 });
    assert.deepEqual(
      report.outcomes.map((o) => [o.id, o.status]),
      [
        [id, 'started'],
        ['83b8f4f2-509f-382f-3c1e-e6bfe0fa1001', 'failed'],
      ],
    );
  });

  test('a dry run reports what would start and changes nothing', async () => {
    const { host } = emulated('lab');
    await defineAuto(host, 'T4-1B', 2);
    const report = await startAllAuto(depsFor(host, { dryRun: true }), { waitSeconds: 120 });
    assert.equal(report.plan?.steps.length, 2);
    assert.deepEqual(
      (await listAllVgpus(depsFor(host))).entries.map((e) => e.state),
      ['stopped', 'stopped'],
    );
  });
});

describe('startVgpus()', () => {
  test('refuses a definition whose parent is absent, naming --wait', async () => {
    const { host } = emulated('lab');
    const [id] = await defineAuto(host, 'T4-1B', 1);
    await host.write('/sys/bus/pci/drivers/nvidia/unbind', T4);
    await assert.rejects(
      startVgpus(depsFor(host), { ids: [id as string] }),
      (e) =>
        isVgpuctlError(e) &&
        e.code === 'DEVICE_NOT_FOUND' &&
        /mdev parent 0000:3b:00.0 is not registered/.test(e.message),
    );
  });

  test('stops and starts again (stop keeps the definition)', async () => {
    const { host } = emulated('kubevirt-t4');
    const [id] = await defineAuto(host, 'T4-1B', 1, 'nvidia');
    await startVgpus(depsFor(host), { ids: [id as string] });
    await removeVgpus(depsFor(host), [id as string], 'stop');
    const again = await startVgpus(depsFor(host), { ids: [id as string] });
    assert.equal(again.result.started.length, 1);
  });
});
