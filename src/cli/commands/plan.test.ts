import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from '../../../test/helpers/fixtures.ts';

let state: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  state = await tempDir('vgpuctl-plan-');
});
after(() => state.cleanup());
const cli = (...args: string[]) => runCli(args, { VGPUCTL_STATE_DIR: join(state.dir, 'state') });

describe('vgpuctl profiles', () => {
  test("shows each GPU's profiles with ECC framebuffer and marks estimates", async () => {
    const run = await cli('profiles', '--emulate', 'lab');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^0000:3b:00\.0 .*T4.* · mdev · GDDR$/m);
    assert.match(run.stdout, /^222\s+T4-1B\s+B\s+1G\s+~960M\s+4\s+5120x2880\s+16\s+45\s+offered, 16 free$/m);
    assert.match(run.stdout, /^~1167\s+L40S-4C\s+C/m);
    assert.match(run.stdout, /^0000:81:00\.0 .* — offers RTXA5500 types \(unlocked/m);
  });
});

describe('vgpuctl plan', () => {
  test('prints the placement and the smallest change, and exits 4 when it does not fit', async () => {
    const run = await cli('plan', '--want', 'T4-1B:10,L40S-4Q:6,passthrough:1', '--emulate', 'lab');
    assert.equal(run.status, 4, run.stderr);
    assert.match(run.stdout, /^Does not fit: 11 of 17 placed, 6 left\.$/m);
    assert.match(run.stdout, /0000:3b:00\.0\s+T4-1B\s+nvidia-222\s+10/);
    assert.match(run.stdout, /why \(vfs-not-enabled\)/);
    assert.match(run.stdout, /vgpuctl sriov 0000:41:00\.0 --vfs 32/);
  });

  test('--fleet plans across hosts from list --json outputs', async () => {
    const list = await cli('list', '--json', '--emulate', 'lab');
    assert.equal(list.status, 0, list.stderr);
    const fleet = join(state.dir, 'fleet.json');
    await writeFile(fleet, `[${list.stdout},${list.stdout}]`);
    const run = await cli('plan', '--want', 'T4-1B:20', '--fleet', fleet, '--json');
    assert.equal(run.status, 0, run.stderr);
    const plan = JSON.parse(run.stdout) as { fits: boolean; placements: { host: string; count: number }[] };
    assert.equal(plan.fits, true);
    assert.deepEqual(
      plan.placements.map((p) => [p.host, p.count]),
      [
        ['emulated host "lab"', 16],
        ['emulated host "lab" #2', 4],
      ],
    );
  });

  test('bad input: clear codes and exit statuses, nothing written', async () => {
    const notJson = join(state.dir, 'not-json.json');
    await writeFile(notJson, '{ nope');
    const notInventory = join(state.dir, 'not-inventory.json');
    await writeFile(notInventory, '[{"schemaVersion": 1, "gpus": []}]');
    const before = await readdir(state.dir);
    const cases: [string[], string, number][] = [
      [['plan', '--want', 'T4-1B', '--emulate', 'lab'], 'WANT_INVALID', 2],
      [['plan', '--want', 'T9-1B:1', '--emulate', 'lab'], 'PROFILE_NOT_FOUND', 3],
      [['plan', '--want', 'T4-1B:1', '--fleet', notJson], 'FLEET_INVALID', 2],
      [['plan', '--want', 'T4-1B:1', '--fleet', notInventory], 'FLEET_INVALID', 2],
      [['profiles', '--gpu', 'X100', '--emulate', 'lab'], 'NOT_FOUND', 3],
    ];
    for (const [args, code, status] of cases) {
      const run = await cli(...args, '--json');
      assert.equal(run.status, status, `${args.join(' ')}: ${run.stderr}`);
      assert.equal((JSON.parse(run.stderr) as { error: { code: string } }).error.code, code, args.join(' '));
    }
    assert.deepEqual(await readdir(state.dir), before, 'no state written');
  });
});
