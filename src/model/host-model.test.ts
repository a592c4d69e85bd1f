import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discover } from '../discovery/discover.ts';
import { emulated } from '../ops/vgpu/_test-hosts.ts';
import { VGPU_DISCOVERY } from '../ops/vgpu/apply.ts';
import { readDefinitions } from '../store/definitions.ts';
import type { NumberedEvent } from './events.ts';
import { HostModel } from './host-model.ts';

describe('HostModel', () => {
  test('a change source notification leads to a reading and numbered events', async () => {
    const { host, kernel } = emulated('kubevirt-t4');
    const model = new HostModel({
      read: async () => ({ inventory: await discover(host, VGPU_DISCOVERY), definitions: await readDefinitions(host) }),
      changes: [(notify) => kernel.onWrite(() => notify())],
      pollMs: 3_600_000,
      settleMs: 0,
    });
    await model.start();
    const seen: NumberedEvent[] = [];
    const hidden = new Promise<void>((resolve) => {
      model.subscribe((e) => {
        seen.push(e);
        if (e.event.type === 'gpu.hidden') resolve();
      });
    });
    await host.write('/sys/devices/virtual/nvidia/nvidia/hotplug_control', 'hide');
    await hidden;
    model.stop();
    assert.equal(seen[0]?.id, 1);
    assert.ok(!model.state.inventory.otherMdevParents.some((p) => p.name === 'nvidia'));
    assert.equal(model.history.lastId, seen.length);
  });

  test('refresh() called during a reading waits for a reading that sees its change', async () => {
    let reads = 0;
    let release: () => void = () => {};
    const { host } = emulated('lab');
    const inventory = await discover(host, VGPU_DISCOVERY);
    const definitions = await readDefinitions(host);
    const model = new HostModel({
      read: async () => {
        reads++;
        if (reads === 2) await new Promise<void>((resolve) => (release = resolve));
        return { inventory, definitions };
      },
      pollMs: 3_600_000,
    });
    await model.start();
    const first = model.refresh();
    const second = model.refresh();
    const third = model.refresh();
    assert.equal(second, third, 'calls during one reading share the next one');
    release();
    await Promise.all([first, second]);
    model.stop();
    assert.equal(reads, 3);
  });

  test('a failed reading keeps the last state and counts the failure', async () => {
    const { host } = emulated('lab');
    let fail = false;
    const model = new HostModel({
      read: async () => {
        if (fail) throw new Error('EIO');
        return { inventory: await discover(host, VGPU_DISCOVERY), definitions: await readDefinitions(host) };
      },
      pollMs: 3_600_000,
    });
    await model.start();
    const gpus = model.state.inventory.gpus.length;
    fail = true;
    await model.refresh();
    model.stop();
    assert.equal(model.state.inventory.gpus.length, gpus);
    assert.deepEqual([model.health.failures, model.health.lastError], [1, 'EIO']);
  });
});
