import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from '../../../test/helpers/fixtures.ts';

let state: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  state = await tempDir('vgpuctl-groups-');
});
after(() => state.cleanup());
const cli = (...args: string[]) => runCli([...args, '--emulate', 'lab'], { VGPUCTL_STATE_DIR: state.dir });

describe('vgpuctl groups', () => {
  test('lists every member with its class and driver, and names each blocker with the reason', async () => {
    const run = await cli('groups');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^GROUP +VFIO +DEVICE +DRIVER +CLASS +NAME$/m);
    assert.match(run.stdout, /^0 +viable +0000:00:01\.0 +pcieport +PCI bridge +.*\(bridge, not counted\)$/m);
    assert.match(
      run.stdout,
      /^2 +blocked +0000:01:00\.0 +nvidia +VGA compatible controller +NVIDIA Corporation AD104 \[GeForce RTX 4070\]$/m,
    );
    assert.match(run.stdout, /^ +0000:01:00\.1 +snd_hda_intel +Audio device/m);
    assert.match(
      run.stdout,
      /^ {2}group 2: 0000:01:00\.1 is bound to host driver "snd_hda_intel", which uses the kernel DMA API$/m,
    );
  });

  test('shows the group holding an address, as JSON with viability and blockers', async () => {
    const run = await cli('groups', '01:00.1', '--json');
    assert.equal(run.status, 0, run.stderr);
    const data = JSON.parse(run.stdout) as {
      groups: { id: number; viable: boolean; blockers: { address: string }[] }[];
    };
    assert.deepEqual(
      data.groups.map((g) => [g.id, g.viable, g.blockers.map((b) => b.address)]),
      [[2, false, ['0000:01:00.0', '0000:01:00.1']]],
    );
  });

  test('an unknown group id is "not found" with the ids the host has', async () => {
    const run = await cli('groups', '42');
    assert.equal(run.status, 3);
    assert.match(
      run.stderr,
      /^error: Cannot check IOMMU group "42": no such group on emulated host "lab"\nhint: Groups on this host: 0, 1, 2, 3, 4, 5, 6, 7, 8\n$/,
    );
  });
});
