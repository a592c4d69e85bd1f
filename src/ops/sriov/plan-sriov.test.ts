import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVgpuctlError } from '../../core/errors.ts';
import { executePlan } from '../execute-plan.ts';
import { bootHost, inventoryOf } from '../passthrough/_test-lab.ts';
import { planSriov } from './plan-sriov.ts';

const PF = '0000:41:00.0';
const PF_DIR = `/sys/bus/pci/devices/${PF}`;
const noSleep = { sleep: async () => {} };

describe('planSriov() on the L40S of the emulated lab host', () => {
  test("creates VFs with the kernel's virtfnN and physfn links", async () => {
    const { kernel, host } = bootHost();
    await executePlan(host, planSriov(await inventoryOf(host), { address: PF, numVfs: 4 }), noSleep);
    assert.equal((await host.readText(`${PF_DIR}/sriov_numvfs`)).trim(), '4');
    const vfs = ['0000:41:00.4', '0000:41:00.5', '0000:41:00.6', '0000:41:00.7'];
    for (const [i, vf] of vfs.entries()) {
      assert.equal(await host.readlink(`${PF_DIR}/virtfn${i}`), `../${vf}`);
      assert.equal(await host.readlink(`/sys/bus/pci/devices/${vf}/physfn`), `../${PF}`);
    }
    assert.equal(await host.exists(`${PF_DIR}/virtfn4`), false);
    assert.ok(kernel.uevents.some((e) => e.action === 'add' && e.devpath.endsWith('/0000:41:00.7')));
    const gpu = (await inventoryOf(host)).gpus.find((g) => g.address === PF);
    assert.deepEqual(
      gpu?.sriov?.vfs.map((vf) => [vf.address, vf.driver]),
      vfs.map((vf) => [vf, 'nvidia']),
    );
  });

  test('--vfs 0 removes every VF', async () => {
    const { kernel, host } = bootHost();
    kernel.write(`${PF_DIR}/sriov_numvfs`, '4');
    await executePlan(host, planSriov(await inventoryOf(host), { address: PF, numVfs: 0 }), noSleep);
    assert.equal(await host.exists(`${PF_DIR}/virtfn0`), false);
    assert.equal(await host.exists('/sys/bus/pci/devices/0000:41:00.4'), false);
  });

  test('with autoprobe off, the new VFs get no driver', async () => {
    const { host } = bootHost();
    const plan = planSriov(await inventoryOf(host), { address: PF, numVfs: 2, autoprobe: false });
    assert.deepEqual(
      plan.steps.map((s) => s.path.slice(PF_DIR.length + 1)),
      ['sriov_drivers_autoprobe', 'sriov_numvfs', 'virtfn1'],
    );
    await executePlan(host, plan, noSleep);
    const gpu = (await inventoryOf(host)).gpus.find((g) => g.address === PF);
    assert.deepEqual(
      gpu?.sriov?.vfs.map((vf) => vf.driver),
      [null, null],
    );
    assert.equal(gpu?.sriov?.driversAutoprobe, false);
  });

  test('plans nothing when the count is already right', async () => {
    const { host } = bootHost();
    assert.deepEqual(planSriov(await inventoryOf(host), { address: PF, numVfs: 0 }).steps, []);
  });

  test('a failure writing sriov_numvfs undoes the autoprobe change', async () => {
    const { kernel, host } = bootHost();
    const plan = planSriov(await inventoryOf(host), { address: PF, numVfs: 2, autoprobe: false });
    kernel.injectFault({ afterWrites: 0, pathIncludes: 'sriov_numvfs', errno: 'EIO' });
    await assert.rejects(executePlan(host, plan, noSleep), /every earlier change was undone/);
    assert.equal((await host.readText(`${PF_DIR}/sriov_drivers_autoprobe`)).trim(), '1');
    assert.equal((await host.readText(`${PF_DIR}/sriov_numvfs`)).trim(), '0');
  });
});

describe('planSriov() refuses the transitions the kernel refuses, and bad input, changing nothing', () => {
  const cases: [string, string, number, string, RegExp, ((k: ReturnType<typeof bootHost>['kernel']) => void)?][] = [
    ['a count above sriov_totalvfs (ERANGE)', PF, 33, 'INVALID_ARGUMENT', /supports at most 32 VFs \(sriov_totalvfs\)/],
    ['a negative count', PF, -1, 'INVALID_ARGUMENT', /must be a whole number, 0 or more/],
    ['a fractional count', PF, 2.5, 'INVALID_ARGUMENT', /must be a whole number/],
    [
      'a change between two non-zero counts (EBUSY)',
      PF,
      8,
      'VFS_ENABLED',
      /4 VFs are enabled, and the kernel changes a non-zero count only through 0/,
      (k) => k.write(`${PF_DIR}/sriov_numvfs`, '4'),
    ],
    ['a GPU without SR-IOV', '0000:3b:00.0', 2, 'UNSUPPORTED', /no SR-IOV capability/],
    [
      'a VF',
      '0000:41:00.4',
      2,
      'NOT_A_GPU',
      /is a virtual function of 0000:41:00\.0/,
      (k) => k.write(`${PF_DIR}/sriov_numvfs`, '2'),
    ],
    ['a bridge', '0000:40:01.0', 2, 'NOT_A_GPU', /not a GPU \(PCI bridge/],
    ['an address that does not exist', '0000:42:00.0', 2, 'DEVICE_NOT_FOUND', /no such PCI device/],
    [
      'a PF without a driver (ENOENT)',
      PF,
      2,
      'CONFLICT',
      /no driver is bound to it/,
      (k) => k.write('/sys/bus/pci/drivers/nvidia/unbind', PF),
    ],
    [
      'disabling VFs that carry a vGPU',
      PF,
      0,
      'DEVICE_BUSY',
      /VF 0000:41:00\.4 carries the vGPU NVIDIA L40S-1B/,
      (k) => {
        k.write(`${PF_DIR}/sriov_numvfs`, '2');
        k.write('/sys/bus/pci/devices/0000:41:00.4/nvidia/current_vgpu_type', '1145');
      },
    ],
  ];
  for (const [what, address, numVfs, code, pattern, setup] of cases) {
    test(`${what}: ${code}`, async () => {
      const { kernel, host } = bootHost();
      setup?.(kernel);
      const inventory = await inventoryOf(host);
      const numBefore = await host.readText(`${PF_DIR}/sriov_numvfs`);
      assert.throws(
        () => planSriov(inventory, { address, numVfs }),
        (e: unknown) => isVgpuctlError(e) && e.code === code && pattern.test(e.message),
      );
      assert.equal(await host.readText(`${PF_DIR}/sriov_numvfs`), numBefore);
    });
  }
});
