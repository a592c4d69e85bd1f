import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVgpuctlError } from '../../core/errors.ts';
import type { Step } from '../../core/plan.ts';
import type { Errno } from '../../host/errno.ts';
import { bootHost, inventoryOf } from './_test-lab.ts';
import { applyPlan } from './apply-plan.ts';
import { explainFailure } from './explain-failure.ts';
import { planBind } from './plan-bind.ts';

const RTX = '0000:01:00.0';
const GROUP = [RTX, '0000:01:00.1'];

describe('applyPlan()', () => {
  test('returns the rediscovered host after success', async () => {
    const { host } = bootHost();
    const before = await inventoryOf(host);
    const { after } = await applyPlan(host, planBind(before, { address: RTX }), { before, watch: GROUP });
    assert.equal(after.iommuGroups?.find((g) => g.id === 2)?.vfioNode, true);
  });

  test('a failure says where each device ended up and what the errno means', async () => {
    const { kernel, host } = bootHost();
    const before = await inventoryOf(host);
    const plan = planBind(before, { address: RTX });
    kernel.injectFault({ afterWrites: 1, pathIncludes: 'drivers_probe', errno: 'EBUSY' });
    await assert.rejects(applyPlan(host, plan, { before, watch: GROUP }), (error: unknown) => {
      assert.ok(isVgpuctlError(error) && error.code === 'SYSFS_WRITE_FAILED');
      assert.match(
        error.message,
        /drivers_probe failed with EBUSY .*every earlier change was undone\. Now: 0000:01:00\.0 on nvidia \(as before\), 0000:01:00\.1 on snd_hda_intel \(as before\)$/,
      );
      assert.deepEqual(error.details?.devicesNow, [
        { address: RTX, driver: 'nvidia' },
        { address: '0000:01:00.1', driver: 'snd_hda_intel' },
      ]);
      return true;
    });
  });
});

describe('explainFailure()', () => {
  const write = (path: string): Step => ({ kind: 'write', path, value: '1', why: '' });
  const cases: [Step, Errno | undefined, RegExp | undefined][] = [
    [write('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs'), 'ENOENT', /cannot create VFs: it has no sriov_configure/],
    [write('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs'), 'EBUSY', /already enabled/],
    [write('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs'), 'ERANGE', /above sriov_totalvfs/],
    [write('/sys/bus/pci/drivers/nvidia/bind'), 'EBUSY', /owned by a VFIO user/],
    [write('/sys/bus/pci/drivers/vfio-pci/bind'), 'EINVAL', /vfio-pci rejects bridges/],
    [write('/sys/bus/pci/drivers/nvidia/bind'), 'ENODEV', /driver_override names another driver/],
    [write('/sys/bus/pci/drivers/nvidia/unbind'), 'ENODEV', /no longer bound/],
    [
      { kind: 'waitFor', path: '/sys/bus/pci/drivers/vfio-pci/0000:01:00.0', timeoutMs: 1, why: '' },
      undefined,
      /did not attach vfio-pci/,
    ],
    [write('/sys/bus/pci/drivers/nvidia/bind'), 'EIO', undefined],
  ];
  for (const [step, errno, pattern] of cases) {
    test(`${step.path.split('/').slice(-2).join('/')} ${errno ?? '(timeout)'}: ${pattern === undefined ? 'nothing specific' : pattern.source}`, () => {
      const text = explainFailure(step, errno);
      if (pattern === undefined) assert.equal(text, undefined);
      else assert.match(text ?? '', pattern);
    });
  }
});
