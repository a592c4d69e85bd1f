import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyDesired } from '../ops/desired/apply-desired.ts';
import { parseHostFile } from '../ops/desired/host-file.ts';
import { readOwnership } from '../ops/desired/ownership.ts';
import { testAgent } from './_test-agent.ts';
import { operationsRunner } from './action-runner.ts';
import { Reconciler } from './reconciler.ts';

const GPU = '0000:3b:00.0';
const want = (count: number, type = 'nvidia-222') =>
  `[[gpu]]\naddress = "${GPU}"\nvgpus = [{ type = "${type}", count = ${count} }]\n`;

async function setup(scenario = 'lab') {
  const t = await testAgent(scenario);
  const { model, operations } = t.agent.services;
  const apply = (text: string, dryRun = false) =>
    applyDesired(
      {
        host: t.host,
        read: async () => {
          await model.refresh();
          return { inventory: model.state.inventory, vgpus: model.state.vgpus, types: model.state.types };
        },
        runner: operationsRunner(operations, 'test'),
      },
      parseHostFile(text, 'host.toml'),
      { dryRun },
    );
  const running = () => model.state.vgpus.filter((v) => v.gpu === GPU && v.state === 'running').map((v) => v.id);
  return { t, apply, running };
}

describe('desired state', () => {
  test('creates to match, records ownership; a second apply changes nothing; dry run changes nothing', async () => {
    const { t, apply, running } = await setup();
    try {
      const dry = await apply(want(2), true);
      assert.deepEqual(
        dry.outcomes.map((o) => o.status),
        ['planned'],
      );
      assert.deepEqual(running(), []);
      const report = await apply(want(2));
      assert.equal(report.converged, true);
      assert.equal(running().length, 2);
      assert.deepEqual(Object.keys((await readOwnership(t.host)).vgpus).sort(), running().sort());
      const again = await apply(want(2));
      assert.deepEqual(again.outcomes, []);
      assert.equal(running().length, 2);
    } finally {
      await t.close();
    }
  });

  test('removes only what vgpuctl owns: a foreign vGPU is reported and left alone', async () => {
    const { t, apply, running } = await setup();
    try {
      await apply(want(2));
      const foreign = '00000000-0000-4000-8000-00000000f0f0';
      await t.host.write(`/sys/class/mdev_bus/${GPU}/mdev_supported_types/nvidia-222/create`, foreign);
      const report = await apply(want(0));
      assert.deepEqual(running(), [foreign]);
      assert.ok(report.reconcile.reports.some((r) => r.status === 'foreign' && r.item === foreign));
      assert.deepEqual((await readOwnership(t.host)).vgpus, {});
      // Not desired at all any more: the foreign one still stays.
      await apply('');
      assert.deepEqual(running(), [foreign]);
    } finally {
      await t.close();
    }
  });

  test('a malformed file is refused with its line and column, and nothing changes', async () => {
    const { t, running } = await setup();
    try {
      assert.throws(() => parseHostFile('[[gpu]]\naddress = "0000:3b:00.0"\nvgpus = [{ type = }]\n', 'host.toml'), {
        code: 'INVALID_ARGUMENT',
        message: /^Cannot read desired state "host.toml": line 3, column \d+: /,
      });
      assert.throws(() => parseHostFile('[[gpu]]\naddress = "0000:3b:00.0"\ncolour = "red"\n', 'host.toml'), {
        message: /gpu\[0\]: Unrecognized key: "colour"/,
      });
      assert.throws(() => parseHostFile(want(1).replace('count = 1', 'count = 1, uuids = []'), 'host.toml'), {
        message: /either count or uuids/,
      });
      const reconciler = new Reconciler({
        host: t.host,
        model: t.agent.services.model,
        operations: t.agent.services.operations,
        readFile: async () => 'gpu = [',
        source: 'host.toml',
      });
      const status = await reconciler.runNow();
      assert.equal(status.state, 'invalid');
      assert.match(status.state === 'invalid' ? status.error.message : '', /line 1, column/);
      assert.deepEqual(running(), []);
    } finally {
      await t.close();
    }
  });

  test('a late type (its parent not registered yet) waits, is retried with backoff, and is created once it appears', async () => {
    const t = await testAgent('kubevirt-t4');
    const parent = '/sys/devices/virtual/nvidia/nvidia';
    await t.host.write(`${parent}/hotplug_control`, 'hide');
    await t.agent.services.model.refresh();
    const reconciler = new Reconciler({
      host: t.host,
      model: t.agent.services.model,
      operations: t.agent.services.operations,
      readFile: async () => '[[gpu]]\naddress = "nvidia"\nvgpus = [{ type = "nvidia-222", count = 1 }]\n',
      source: 'host.toml',
      backoffMs: 5,
      maxBackoffMs: 20,
      debounceMs: 0,
    });
    try {
      reconciler.start();
      // Retries run on their own (backoff), without any host change.
      while (reconciler.runs < 3) await new Promise((resolve) => setTimeout(resolve, 5));
      const waiting = reconciler.status;
      assert.equal(waiting.state, 'applied');
      if (waiting.state === 'applied') {
        assert.equal(waiting.report.converged, false);
        assert.equal(waiting.report.reconcile.reports[0]?.status, 'missing');
        assert.ok((waiting.nextRetryMs ?? 0) >= 5);
      }
      await t.host.write(`${parent}/hotplug_control`, 'show');
      const created = () =>
        t.agent.services.model.state.vgpus.filter((v) => v.gpu === 'nvidia' && v.state === 'running').length;
      const before = created();
      while (created() === before) await new Promise((resolve) => setTimeout(resolve, 5));
      const done = await reconciler.runNow();
      assert.equal(done.state === 'applied' && done.report.converged, true);
    } finally {
      await reconciler.stop();
      await t.close();
    }
  });
});
