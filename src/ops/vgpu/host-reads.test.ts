/**
 * How much of the host one vGPU command reads. Every read is a FUSE round trip under
 * `emulate run` (and a sysfs syscall on a real host), so a command that starts discovering
 * more than it needs — or verifies by rediscovering everything — is a regression this catches.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discover } from '../../discovery/discover.ts';
import type { HostPort } from '../../host/host-port.ts';
import { depsFor, emulated, uuidSequence } from './_test-hosts.ts';
import { VGPU_DISCOVERY } from './apply.ts';
import { createVgpus, defineVgpus, removeVgpus } from './lifecycle.ts';
import { verifyCreatedOnHost, verifyDefinedOnHost, verifyGoneOnHost } from './verify.ts';

/** `host` with every port call counted. */
function counting(host: HostPort): { host: HostPort; calls: () => number; reset: () => void } {
  let calls = 0;
  const counted = new Proxy(host, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { host: counted, calls: () => calls, reset: () => (calls = 0) };
}

const BIG = 'big:gpus=48,instances=512';
/**
 * Measured: 5,250 host calls for one `create --count 1` on BIG (one discovery for planning,
 * the write, a one-path verification); it was 19,788 with a full discovery before and after.
 * Headroom ~10%.
 */
const CREATE_ONE_BUDGET = 5_800;

describe('host reads of one vGPU command', () => {
  test(`create --count 1 on ${BIG} stays under ${CREATE_ONE_BUDGET} host calls`, async () => {
    const { host } = emulated(BIG);
    const counter = counting(host);
    const applied = await createVgpus(depsFor(counter.host), { type: 'T4-1B', count: 1 }, uuidSequence(0x900));
    assert.equal(applied.result.length, 1);
    assert.ok(counter.calls() < CREATE_ONE_BUDGET, `${counter.calls()} host calls`);
  });

  test('define --start and remove verify with a handful of reads, not a second discovery', async () => {
    const { host } = emulated(BIG);
    const counter = counting(host);
    const deps = depsFor(counter.host);
    counter.reset();
    await discover(counter.host, VGPU_DISCOVERY);
    const oneDiscovery = counter.calls();
    counter.reset();
    const defined = await defineVgpus(deps, { type: 'T4-1B', startNow: true }, uuidSequence(0xa00));
    assert.ok(counter.calls() < oneDiscovery + 100, `define: ${counter.calls()} vs ${oneDiscovery}`);
    const uuid = defined.result[0]?.kind === 'mdev' ? defined.result[0].uuid : '';
    counter.reset();
    await removeVgpus(deps, [uuid], 'stop');
    assert.ok(counter.calls() < oneDiscovery + 100, `stop: ${counter.calls()} vs ${oneDiscovery}`);
  });
});

describe('targeted verification', () => {
  test('sees created, missing and removed vGPUs and unreadable definitions', async () => {
    const { host } = emulated('lab');
    const deps = depsFor(host);
    const created = await createVgpus(deps, { type: 'T4-1B', gpu: '0000:3b:00.0' }, uuidSequence(0xb00));
    const vgpu = created.result[0];
    assert.ok(vgpu !== undefined && vgpu.kind === 'mdev');
    assert.equal(await verifyCreatedOnHost(host, created.result), undefined);
    const ghost = { ...vgpu, uuid: '00000000-0000-4000-8000-00000000ffff' };
    assert.match((await verifyCreatedOnHost(host, [ghost])) ?? '', /0000ffff did not appear/);
    assert.match((await verifyCreatedOnHost(host, [{ ...vgpu, type: 'nvidia-223' }])) ?? '', /did not appear/);
    assert.match((await verifyGoneOnHost(host, [vgpu.uuid])) ?? '', /still exists/);
    await removeVgpus(deps, [vgpu.uuid]);
    assert.equal(await verifyGoneOnHost(host, [vgpu.uuid]), undefined);

    const defined = await defineVgpus(deps, { type: 'T4-1B', gpu: '0000:3b:00.0' }, uuidSequence(0xc00));
    assert.equal(await verifyDefinedOnHost(host, defined.result), undefined);
    const path = defined.result[0]?.path ?? '';
    await host.writeFile(path, '{ not json');
    assert.match((await verifyDefinedOnHost(host, defined.result)) ?? '', /cannot be read back/);
    await host.remove(path);
    assert.match((await verifyDefinedOnHost(host, defined.result)) ?? '', /cannot be read back/);
  });
});

describe('discover() for vGPU commands', () => {
  test('reads the same GPUs, types and instance ids as a full discovery', async () => {
    const { host } = emulated(BIG);
    const full = await discover(host);
    const light = await discover(host, VGPU_DISCOVERY);
    assert.equal(light.iommuGroups, undefined);
    assert.equal(light.deviceUsers, undefined);
    const strip = (inventory: typeof full) =>
      JSON.stringify({ ...inventory, iommuGroups: undefined, deviceUsers: undefined }, (key, value) =>
        ((key === 'driver' || key === 'iommuGroup') && (value === null || typeof value !== 'object')) ||
        ['bootVga', 'numaNode', 'link', 'bars'].includes(key)
          ? undefined
          : value,
      );
    assert.equal(strip(light), strip(full));
    const instance = light.gpus.find((g) => g.mdev !== null && g.mdev.instances.length > 0)?.mdev?.instances[0];
    assert.deepEqual(instance === undefined ? null : [instance.driver, instance.iommuGroup], [null, null]);
  });
});
