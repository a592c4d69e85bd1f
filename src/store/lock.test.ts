import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVgpuctlError } from '../core/errors.ts';
import { EmulatedHost } from '../emulator/emulated-host.ts';
import { EmulatedKernel } from '../emulator/kernel.ts';
import { Scenario } from '../emulator/scenario/schema.ts';
import { withDefinitionsLock } from './lock.ts';
import { LOCK_DIR } from './paths.ts';

function emptyHost(): EmulatedHost {
  return new EmulatedHost(EmulatedKernel.boot(Scenario.parse({ name: 'empty' })));
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('withDefinitionsLock()', () => {
  test('holds /run/vgpuctl/lock with our pid while running, and removes it after', async () => {
    const host = emptyHost();
    const seen = await withDefinitionsLock(host, { pid: 4242, isAlive: () => true }, async () =>
      host.readText(`${LOCK_DIR}/owner`),
    );
    assert.equal(seen, '4242\n');
    assert.equal(await host.exists(LOCK_DIR), false);
  });

  test('serialises two holders: the second runs only after the first let go', async () => {
    const host = emptyHost();
    const alive = () => true;
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = withDefinitionsLock(host, { pid: 1, isAlive: alive, sleep: tick }, async () => {
      order.push('first in');
      await gate;
      order.push('first out');
    });
    await tick();
    const second = withDefinitionsLock(host, { pid: 2, isAlive: alive, sleep: tick }, async () => {
      order.push('second in');
    });
    for (let i = 0; i < 20; i++) await tick();
    assert.deepEqual(order, ['first in']);
    release();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first in', 'first out', 'second in']);
  });

  test('takes over a lock whose holder died (a killed vgpuctl)', async () => {
    const host = emptyHost();
    await host.mkdir(LOCK_DIR, { recursive: true });
    await host.writeFile(`${LOCK_DIR}/owner`, '999999\n');
    const ran = await withDefinitionsLock(host, { pid: 7, isAlive: (pid) => pid !== 999999, sleep: tick }, async () =>
      host.readText(`${LOCK_DIR}/owner`),
    );
    assert.equal(ran, '7\n');
    assert.equal(await host.exists(`${LOCK_DIR}.break`), false);
  });

  test('takes over a lock directory left without an owner file after a grace period', async () => {
    const host = emptyHost();
    await host.mkdir(LOCK_DIR, { recursive: true });
    const ran = await withDefinitionsLock(host, { pid: 7, isAlive: () => true, sleep: tick }, async () => 'ran');
    assert.equal(ran, 'ran');
  });

  test('gives up on a live holder after the timeout with DEFINITIONS_LOCKED', async () => {
    const host = emptyHost();
    await host.mkdir(LOCK_DIR, { recursive: true });
    await host.writeFile(`${LOCK_DIR}/owner`, '1234\n');
    await assert.rejects(
      withDefinitionsLock(host, { pid: 7, isAlive: () => true, timeoutMs: 50, sleep: tick }, async () => 'ran'),
      (error) => isVgpuctlError(error) && error.code === 'DEFINITIONS_LOCKED' && /process 1234/.test(error.message),
    );
    assert.equal(await host.readText(`${LOCK_DIR}/owner`), '1234\n');
  });

  test('releases the lock when the work throws', async () => {
    const host = emptyHost();
    await assert.rejects(
      withDefinitionsLock(host, { pid: 7, isAlive: () => true }, async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await host.exists(LOCK_DIR), false);
  });
});
