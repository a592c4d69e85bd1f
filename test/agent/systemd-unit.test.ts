/** packaging/systemd/vgpuctl-agent.service passes `systemd-analyze verify`. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/fixtures.ts';

const ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
const skip = ANALYZE === undefined ? 'needs systemd-analyze (Debian package systemd)' : false;
if (skip !== false) process.stdout.write(`# systemd unit test skipped: ${skip}\n`);

test('vgpuctl-agent.service verifies', { skip }, async () => {
  const unit = await readFile(new URL('../../packaging/systemd/vgpuctl-agent.service', import.meta.url), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/bin\/vgpuctl serve$/m);
  // verify checks that the binary exists: point it at this checkout's.
  const bin = new URL('../../bin/vgpuctl', import.meta.url).pathname;
  const { dir, cleanup } = await tempDir('vgpuctl-unit-');
  try {
    const path = join(dir, 'vgpuctl-agent.service');
    await writeFile(path, unit.replace(/^ExecStart=\/usr\/bin\/vgpuctl/m, `ExecStart=${bin}`));
    const { stdout, stderr } = await promisify(execFile)(ANALYZE as string, ['verify', path]).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    const own = `${stdout}${stderr}`.split('\n').filter((line) => line.includes('vgpuctl-agent.service'));
    assert.deepEqual(own, []);
  } finally {
    await cleanup();
  }
});
