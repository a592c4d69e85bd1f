import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tempDir } from '../../../../test/helpers/fixtures.ts';
import { discover } from '../../../discovery/discover.ts';
import { gpusFromInventory } from '../../../planner/gpu-model.ts';
import { planPlacement } from '../../../planner/plan.ts';
import { parseWants, resolveWants } from '../../../planner/want.ts';
import { EmulatedHost } from '../../emulated-host.ts';
import { EmulatedKernel } from '../../kernel.ts';
import { resolveScenario } from '../../scenario/load.ts';
import { openPersistentEmulator } from '../../state-store.ts';

const PF = '/sys/bus/pci/devices/0000:41:00.0';
const vf = (n: number) => `/sys/bus/pci/devices/0000:41:00.${4 + n}/nvidia`;
const lab = () => {
  const kernel = EmulatedKernel.boot(resolveScenario({ name: 'lab' }));
  return { kernel, host: new EmulatedHost(kernel) };
};
const creatable = async (host: EmulatedHost, n: number) =>
  (await host.readText(`${vf(n)}/creatable_vgpu_types`))
    .split('\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => l.split(':')[1]?.trim());

describe('mixed-size mode (vendor VFIO)', () => {
  test('is set after VFs are enabled, refused before, and cleared when VFs are enabled again', async () => {
    const { kernel, host } = lab();
    const shm = (on: string) => kernel.exec('nvidia-smi', ['vgpu', '-i', '0000:41:00.0', '-shm', on]);
    assert.equal(shm('1')?.status, 3, 'no VFs yet');
    await host.write(`${PF}/sriov_numvfs`, '4');
    assert.equal(shm('1')?.status, 0);
    assert.match(
      kernel.exec('nvidia-smi', ['vgpu', '-ghm'])?.stdout ?? '',
      /GPU 00000000:41:00\.0\n\s+Heterogeneous Mode\s+: Enabled/,
    );
    await host.write(`${PF}/sriov_numvfs`, '0');
    await host.write(`${PF}/sriov_numvfs`, '4');
    assert.match(
      kernel.exec('nvidia-smi', ['vgpu', '-ghm'])?.stdout ?? '',
      /41:00\.0\n\s+Heterogeneous Mode\s+: Disabled/,
    );
  });

  test('sizes mix; the creatable list shrinks with the free framebuffer; placements are heterogeneous', async () => {
    const { kernel, host } = lab();
    await host.write(`${PF}/sriov_numvfs`, '8');
    // Without mixed-size mode: one size per GPU.
    await host.write(`${vf(0)}/current_vgpu_type`, '1150'); // L40S-4Q
    assert.ok((await creatable(host, 1)).every((name) => /-4[ABCQ]$/.test(name ?? '')));
    await assert.rejects(host.write(`${vf(1)}/current_vgpu_type`, '1148'), { errno: 'EINVAL' });
    await host.write(`${vf(0)}/current_vgpu_type`, '0');
    assert.equal(kernel.exec('nvidia-smi', ['vgpu', '-shm', '1'])?.status, 0);
    const all = await creatable(host, 1);
    assert.equal(all.length, 29);
    await host.write(`${vf(0)}/current_vgpu_type`, '1155'); // L40S-24Q at 0
    await host.write(`${vf(1)}/current_vgpu_type`, '1148'); // L40S-2Q at 24
    await host.write(`${vf(2)}/current_vgpu_type`, '1150'); // L40S-4Q at 26
    assert.equal(await host.readText(`${vf(1)}/placement_id`), '24\n');
    assert.equal(await host.readText(`${vf(2)}/placement_id`), '26\n');
    const left = await creatable(host, 3); // 18 GiB free
    assert.ok(left.includes('NVIDIA L40S-16Q'));
    assert.ok(!left.includes('NVIDIA L40S-24Q') && !left.includes('NVIDIA L40S-48Q'));
    assert.ok(left.length < all.length);
    // Mode changes are refused while vGPUs exist.
    assert.equal(kernel.exec('nvidia-smi', ['vgpu', '-shm', '0'])?.status, 3);

    // Discovery reports the mode and the planner uses it.
    const inventory = await discover(host, { deviceUsers: false });
    assert.equal(inventory.gpus.find((g) => g.address === '0000:41:00.0')?.vgpuMixedSize, true);
    const gpus = gpusFromInventory(inventory, 'lab');
    const plan = planPlacement(gpus, resolveWants(parseWants('L40S-8Q:2,L40S-1Q:2')));
    assert.equal(plan.fits, true);
    const over = planPlacement(gpus, resolveWants(parseWants('L40S-16Q:2')));
    assert.deepEqual(
      over.unplaced[0]?.reasons.map((r) => r.rule),
      ['framebuffer'],
    );
  });

  test('the mode survives between invocations of a saved emulated host', async () => {
    const { dir, cleanup } = await tempDir('vgpuctl-mixed-');
    try {
      const scenario = resolveScenario({ name: 'lab' });
      const first = await openPersistentEmulator(scenario, { stateDir: dir, key: 'lab' });
      await first.host.write(`${PF}/sriov_numvfs`, '2');
      assert.equal(first.kernel.exec('nvidia-smi', ['vgpu', '-shm', '1'])?.status, 0);
      await first.save();
      const second = await openPersistentEmulator(scenario, { stateDir: dir, key: 'lab' });
      assert.match(
        second.kernel.exec('nvidia-smi', ['vgpu', '-ghm'])?.stdout ?? '',
        /41:00\.0\n\s+Heterogeneous Mode\s+: Enabled/,
      );
      await second.close();
    } finally {
      await cleanup();
    }
  });
});
