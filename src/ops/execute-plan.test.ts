import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVgpuctlError } from '../core/errors.ts';
import type { Plan } from '../core/plan.ts';
import { EmulatedHost } from '../emulator/emulated-host.ts';
import { EmulatedKernel } from '../emulator/kernel.ts';
import { Scenario } from '../emulator/scenario/schema.ts';
import { executePlan } from './execute-plan.ts';

const TYPE = '/sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-222';
const UUIDS = [
  '11111111-1111-4111-8111-111111111111',
  '22222222-2222-4222-8222-222222222222',
  '33333333-3333-4333-8333-333333333333',
];

function t4Host() {
  const kernel = EmulatedKernel.boot(
    Scenario.parse({ name: 't4', gpus: [{ address: '0000:3b:00.0', model: 'tesla-t4', vgpu: 'mdev' }] }),
  );
  return { kernel, host: new EmulatedHost(kernel) };
}

function createPlan(): Plan {
  return {
    action: 'create 3 vGPUs of GRID T4-1B on 0000:3b:00.0',
    steps: UUIDS.map((uuid) => ({
      kind: 'write' as const,
      path: `${TYPE}/create`,
      value: uuid,
      why: `create vGPU ${uuid}`,
      undo: [
        { kind: 'write' as const, path: `/sys/bus/mdev/devices/${uuid}/remove`, value: '1', why: `remove ${uuid}` },
      ],
    })),
  };
}

const available = async (host: EmulatedHost) => (await host.readText(`${TYPE}/available_instances`)).trim();

describe('executePlan()', () => {
  test('runs every step and reports each as done', async () => {
    const { host } = t4Host();
    const report = await executePlan(host, createPlan());
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.outcomes.map((o) => o.status),
      ['done', 'done', 'done'],
    );
    assert.equal(await available(host), '13');
  });

  test('a failure at the third write undoes the first two and names the kernel error', async () => {
    const { kernel, host } = t4Host();
    kernel.injectFault({ afterWrites: 2, errno: 'ENOSPC', pathIncludes: '/create' });
    await assert.rejects(executePlan(host, createPlan()), (error) => {
      assert.ok(isVgpuctlError(error));
      assert.equal(error.code, 'SYSFS_WRITE_FAILED');
      assert.match(
        error.message,
        /^Cannot create 3 vGPUs of GRID T4-1B on 0000:3b:00\.0: writing "33333333-.*" to .*\/create failed with ENOSPC \(No space left on device\); every earlier change was undone$/,
      );
      const report = error.details?.report as { outcomes: { status: string }[] };
      assert.deepEqual(
        report.outcomes.map((o) => o.status),
        ['rolled-back', 'rolled-back', 'failed'],
      );
      return true;
    });
    assert.equal(await available(host), '16');
    for (const uuid of UUIDS) assert.equal(await host.exists(`/sys/bus/mdev/devices/${uuid}`), false);
  });

  test('file steps are undone to the previous content, new files are removed', async () => {
    const { kernel, host } = t4Host();
    await host.mkdir('/etc/mdevctl.d/0000:3b:00.0', { recursive: true });
    await host.writeFile('/etc/mdevctl.d/0000:3b:00.0/old', 'before');
    kernel.injectFault({ afterWrites: 0, errno: 'EINVAL', pathIncludes: '/create' });
    const plan: Plan = {
      action: 'define and start',
      steps: [
        { kind: 'writeFile', path: '/etc/mdevctl.d/0000:3b:00.0/old', content: 'after', why: 'update' },
        { kind: 'writeFile', path: '/etc/mdevctl.d/0000:3b:00.0/new', content: 'new', why: 'add' },
        { kind: 'write', path: `${TYPE}/create`, value: UUIDS[0] as string, why: 'start' },
      ],
    };
    await assert.rejects(executePlan(host, plan), /failed with EINVAL/);
    assert.equal(await host.readText('/etc/mdevctl.d/0000:3b:00.0/old'), 'before');
    assert.equal(await host.exists('/etc/mdevctl.d/0000:3b:00.0/new'), false);
  });

  test('a write whose errno means "already done" counts as done; others still fail', async () => {
    const { host } = t4Host();
    const unbind = {
      kind: 'write' as const,
      path: '/sys/bus/pci/drivers/vfio-pci/unbind',
      value: '0000:3b:00.0',
      why: 'release',
    };
    const report = await executePlan(host, { action: 'release', steps: [{ ...unbind, alreadyDone: ['ENODEV'] }] });
    assert.equal(report.ok, true);
    await assert.rejects(executePlan(host, { action: 'release', steps: [unbind] }), /failed with ENODEV/);
  });

  test('a mkdir step is undone by removing the directory it created', async () => {
    const { kernel, host } = t4Host();
    kernel.injectFault({ afterWrites: 0, errno: 'EINVAL', pathIncludes: '/create' });
    const plan: Plan = {
      action: 'define',
      steps: [
        { kind: 'mkdir', path: '/etc/mdevctl.d/0000:3b:00.0', why: 'parent dir' },
        { kind: 'write', path: `${TYPE}/create`, value: UUIDS[0] as string, why: 'start' },
      ],
    };
    await assert.rejects(executePlan(host, plan), /every earlier change was undone/);
    assert.equal(await host.exists('/etc/mdevctl.d/0000:3b:00.0'), false);
  });

  test('waitFor gives up after its timeout with a clear message', async () => {
    const { host } = t4Host();
    const plan: Plan = {
      action: 'wait',
      steps: [{ kind: 'waitFor', path: '/sys/class/mdev_bus/late', timeoutMs: 30, why: 'parent' }],
    };
    await assert.rejects(
      executePlan(host, plan, { sleep: () => new Promise((r) => setTimeout(r, 5)) }),
      /waiting for \/sys\/class\/mdev_bus\/late failed/,
    );
  });
});
