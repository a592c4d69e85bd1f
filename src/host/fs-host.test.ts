import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../../test/helpers/fixtures.ts';
import { FsHost } from './fs-host.ts';
import { isHostError } from './host-port.ts';

describe('FsHost writes under its root', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let root: string;
  let outside: string;
  before(async () => {
    temp = await tempDir('vgpuctl-fs-host-');
    root = join(temp.dir, 'root');
    outside = join(temp.dir, 'outside');
    await mkdir(join(root, 'etc/mdevctl.d'), { recursive: true });
    await mkdir(outside);
  });
  after(() => temp.cleanup());

  test('a directory planted as a symlink does not redirect a definition write', async () => {
    await symlink(outside, join(root, 'etc/mdevctl.d/0000:3b:00.0'));
    const host = new FsHost(root);
    await assert.rejects(host.writeFile('/etc/mdevctl.d/0000:3b:00.0/uuid', '{}'), (error) =>
      isHostError(error, 'ELOOP'),
    );
    assert.deepEqual(await readdir(outside), [], 'nothing was written through the link');
  });

  test('a symlink planted at the file name is replaced, its target untouched', async () => {
    await mkdir(join(root, 'etc/mdevctl.d/0000:65:00.0'));
    await writeFile(join(outside, 'victim'), 'precious');
    await symlink(join(outside, 'victim'), join(root, 'etc/mdevctl.d/0000:65:00.0/uuid'));
    await new FsHost(root).writeFile('/etc/mdevctl.d/0000:65:00.0/uuid', '{"mdev_type":"x"}');
    assert.equal(await readFile(join(outside, 'victim'), 'utf8'), 'precious');
    assert.equal(await readFile(join(root, 'etc/mdevctl.d/0000:65:00.0/uuid'), 'utf8'), '{"mdev_type":"x"}');
    await assert.rejects(readlink(join(root, 'etc/mdevctl.d/0000:65:00.0/uuid')), { code: 'EINVAL' });
  });

  test("a killed writer's temporary is removed by the next write in its directory", async () => {
    const dir = join(root, 'etc/mdevctl.d/0000:af:00.0');
    await mkdir(dir);
    // pid 2^22 + 1 is above Linux's pid_max limit, so no process has it.
    const dead = `.83b8f4f2-509f-382f-3c1e-e6bfe0fa1001.${2 ** 22 + 1}.1.tmp`;
    const alive = `.83b8f4f2-509f-382f-3c1e-e6bfe0fa1002.${process.pid}.999.tmp`;
    await writeFile(join(dir, dead), '{"mdev_t');
    await writeFile(join(dir, alive), '{');
    await new FsHost(root).writeFile('/etc/mdevctl.d/0000:af:00.0/83b8f4f2-509f-382f-3c1e-e6bfe0fa1003', '{}');
    assert.deepEqual((await readdir(dir)).sort(), [alive, '83b8f4f2-509f-382f-3c1e-e6bfe0fa1003'].sort());
  });

  test('a read-only or missing directory is a host error with the path and errno, not a crash', async () => {
    const host = new FsHost(root);
    await assert.rejects(host.writeFile('/etc/none/x', 'y'), (error) => isHostError(error, 'ENOENT'));
    await assert.rejects(
      new FsHost('/proc').writeFile('/x', 'y'),
      (error) => isHostError(error) && error.path === '/x',
    );
    await assert.rejects(new FsHost('/').mkdir('/proc/vgpuctl/a/b', { recursive: true }), (error) =>
      isHostError(error, 'ENOENT'),
    );
  });
});
