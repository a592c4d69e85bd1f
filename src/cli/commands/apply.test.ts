import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from '../../../test/helpers/fixtures.ts';

describe('vgpuctl apply', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: Record<string, string>;
  before(async () => {
    ({ dir, cleanup } = await tempDir('vgpuctl-apply-'));
    env = { VGPUCTL_STATE_DIR: join(dir, 'state') };
  });
  after(() => cleanup());

  const vgpus = async () =>
    JSON.parse((await runCli(['--emulate', 'lab', '--json', 'vgpus'], env)).stdout) as { id: string }[];

  test('a malformed file: exit 2, its line and column, nothing changed', async () => {
    const file = join(dir, 'bad.toml');
    await writeFile(file, '[[gpu]]\naddress = "3b:00.0"\nvgpus = [{ type = "nvidia-222", count = }]\n');
    const run = await runCli(['--emulate', 'lab', 'apply', file], env);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /Cannot read desired state ".*bad.toml": line 3, column \d+/);
    assert.deepEqual(await vgpus(), []);
  });

  test('--dry-run shows the diff and plan; apply creates; a second apply has nothing to do', async () => {
    const file = join(dir, 'host.toml');
    await writeFile(file, '[[gpu]]\naddress = "3b:00.0"\nvgpus = [{ type = "nvidia-222", count = 2 }]\n');
    const dry = await runCli(['--emulate', 'lab', '--dry-run', 'apply', file], env);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /~ 0000:3b:00.0 nvidia-222: 0 → 2 running/);
    assert.match(dry.stdout, /nvidia-222\/create/);
    assert.deepEqual(await vgpus(), []);
    assert.equal((await runCli(['--emulate', 'lab', 'apply', file], env)).status, 0);
    assert.equal((await vgpus()).length, 2);
    const again = await runCli(['--emulate', 'lab', 'apply', file], env);
    assert.match(again.stdout, /^ {2}0000:3b:00.0 nvidia-222: 2 running$/m);
  });
});

describe('vgpuctl serve refuses bad options before starting', () => {
  test('--token-file without --listen, --mount without --emulate, a bad --listen', async () => {
    const { dir, cleanup } = await tempDir('vgpuctl-serve-');
    try {
      const env = { VGPUCTL_STATE_DIR: dir };
      const socket = ['--socket', join(dir, 'agent.sock')];
      const noListen = await runCli(['--emulate', 'lab', 'serve', ...socket, '--token-file', join(dir, 't')], env);
      assert.equal(noListen.status, 2);
      assert.match(noListen.stderr, /Cannot use --token-file without --listen/);
      const mount = await runCli(['--root', dir, 'serve', ...socket, '--mount', dir], env);
      assert.equal(mount.status, 2);
      const listen = await runCli(['--emulate', 'lab', 'serve', ...socket, '--listen', 'nowhere'], env);
      assert.equal(listen.status, 2);
      assert.match(listen.stderr, /expected HOST:PORT/);
      const tokens = join(dir, 'tokens');
      await writeFile(tokens, 'admin 0123456789abcdef0123\n', { mode: 0o644 });
      const open = await runCli(
        ['--emulate', 'lab', 'serve', ...socket, '--listen', '127.0.0.1:0', '--token-file', tokens],
        env,
      );
      assert.equal(open.status, 2);
      assert.match(open.stderr, /others may read it/);
    } finally {
      await cleanup();
    }
  });
});
