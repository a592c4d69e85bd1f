import assert from 'node:assert/strict';
import { chmod, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from '../../test/helpers/fixtures.ts';
import { ADMIN_TOKEN, READ_TOKEN, testAgent } from '../agent/_test-agent.ts';

type Agent = Awaited<ReturnType<typeof testAgent>>;

describe('vgpuctl plan --fleet with agents', () => {
  let state: { dir: string; cleanup: () => Promise<void> };
  let t: Agent;
  let socket: string;
  const cli = (...args: string[]) => runCli(args, { VGPUCTL_STATE_DIR: join(state.dir, 'state') });
  const file = async (name: string, text: string) => {
    const path = join(state.dir, name);
    await writeFile(path, text);
    await chmod(path, 0o600);
    return path;
  };

  before(async () => {
    state = await tempDir('vgpuctl-fleet-');
    socket = join(state.dir, 'agent.sock');
    t = await testAgent('lab', { socket, listen: { host: '127.0.0.1', port: 0 } });
  });
  after(async () => {
    await t.close();
    await state.cleanup();
  });

  test('an inventory, an agent over TCP with a read token and one over its socket plan as one fleet', async () => {
    const list = await cli('list', '--json', '--emulate', 'lab');
    assert.equal(list.status, 0, list.stderr);
    // The first token of the file is used: a read token is enough.
    const tokens = await file('tokens', `read ${READ_TOKEN}\nadmin ${ADMIN_TOKEN}\n`);
    const fleet = await file(
      'fleet.json',
      JSON.stringify([JSON.parse(list.stdout), { agent: t.agent.url, tokenFile: tokens }, { agent: `unix:${socket}` }]),
    );
    const run = await cli('plan', '--want', 'T4-1B:40', '--fleet', fleet, '--json');
    assert.equal(run.status, 0, run.stderr);
    const plan = JSON.parse(run.stdout) as { fits: boolean; placements: { host: string; count: number }[] };
    assert.equal(plan.fits, true);
    assert.deepEqual(
      plan.placements.map((p) => [p.host, p.count]),
      [
        ['emulated host "lab"', 16],
        ['emulated host "lab" #2', 16],
        ['emulated host "lab" #3', 8],
      ],
    );
    assert.deepEqual(t.audit, [], 'planning changed nothing on the agent');
  });

  test('an unreachable agent, a refused token, an entry that is neither: exit 2 naming the entry, nothing done', async () => {
    const wrong = await file('wrong-tokens', 'read wrong-token-0123456789abcdef\n');
    const open = await file('open-tokens', `read ${READ_TOKEN}\n`);
    await chmod(open, 0o644);
    const inventory = JSON.parse((await cli('list', '--json', '--emulate', 'lab')).stdout) as unknown;
    const cases: [unknown, RegExp][] = [
      [{ agent: `unix:${join(state.dir, 'no-agent.sock')}` }, /entry 1 \(agent unix:.*\) is unreachable: ENOENT/],
      [{ agent: t.agent.url, tokenFile: wrong }, /entry 1 \(agent http:.*\) answered HTTP 401 \(UNAUTHORIZED\)/],
      [{ agent: t.agent.url }, /entry 1 \(agent http:.*\) answered HTTP 401/],
      [{ agent: t.agent.url, tokenFile: open }, /entry 1 \(agent http:.*\) has no usable token: .*others may read it/],
      [{ agent: 'ftp://x' }, /entry 1 is not a valid agent at agent/],
      [{ host: 'x' }, /entry 1 is not a vgpuctl inventory/],
    ];
    const before = await readdir(state.dir);
    for (const [entry, message] of cases) {
      const fleet = join(state.dir, 'bad-fleet.json');
      await writeFile(fleet, JSON.stringify([inventory, entry]));
      const run = await cli('plan', '--want', 'T4-1B:1', '--fleet', fleet, '--json');
      assert.equal(run.status, 2, `${JSON.stringify(entry)}: ${run.stderr}`);
      assert.equal(run.stdout, '');
      const error = (JSON.parse(run.stderr) as { error: { code: string; message: string } }).error;
      assert.equal(error.code, 'FLEET_INVALID');
      assert.match(error.message, message);
    }
    assert.deepEqual((await readdir(state.dir)).sort(), [...before, 'bad-fleet.json'].sort(), 'no state written');
    assert.deepEqual(t.audit, []);
  });
});
