/**
 * Mount tests: a hand-made sysfs-like tree served over real FUSE, probed with shell tools in
 * child processes (the server answers on this thread, so no synchronous fs calls on the mount).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fail } from '../kernfs/errno-error.ts';
import { ROOT_CONTEXT } from '../kernfs/nodes.ts';
import { Kernfs, writeNode } from '../kernfs/tree.ts';
import { treeBackend } from './backend.ts';
import { clearStaleMount, fuseAvailable } from './mount-tools.ts';
import type { FuseMount } from './server.ts';
import { mountFuse } from './server.ts';

const available = fuseAvailable();
const skip = available.ok ? false : `needs /dev/fuse: ${available.reason}`;
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a bash script in a child process (bash, for its "write error: <strerror>" messages). */
function bash(script: string): Promise<Run> {
  return new Promise((done) => {
    execFile('bash', ['-c', script], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      done({ code, stdout, stderr });
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

async function mountedAt(dir: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => line.split(' ')[4] === dir);
}

const DEV = '/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0';
const TYPE = `${DEV}/mdev_supported_types/nvidia-222`;
const UUID = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';

/** A small sysfs-like tree: a PCI function with one mdev type, /dev nodes and a tmpfs /etc. */
function buildTree(): { tree: Kernfs; setInstances: (n: number) => void } {
  const tree = new Kernfs();
  tree.mkdir('/sys', 0o755, 'sysfs');
  tree.mkdir(DEV);
  let instances = 2;
  tree.attr(`${DEV}/vendor`, { mode: 0o444, show: () => '0x10de\n' });
  tree.attr(`${DEV}/config`, { mode: 0o644, size: 256, show: () => new Uint8Array(256).fill(7) });
  tree.attr(`${DEV}/remove`, { mode: 0o200, store: () => undefined });
  let override = '(null)';
  tree.attr(`${DEV}/driver_override`, {
    mode: 0o644,
    show: () => `${override}\n`,
    store: (data) => {
      override = data.toString().trim() || '(null)';
      return undefined;
    },
  });
  tree.attr(`${TYPE}/available_instances`, { mode: 0o444, show: () => `${instances}\n` });
  tree.attr(`${TYPE}/create`, {
    mode: 0o200,
    store: (data) => {
      const uuid = data.toString().trim();
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid)) fail('EINVAL');
      if (tree.find(`${DEV}/${uuid}`) !== undefined) fail('EEXIST');
      if (instances === 0) fail('ENOSPC');
      instances--;
      tree.mkdir(`${DEV}/${uuid}`);
      tree.link(`${DEV}/${uuid}/mdev_type`, TYPE);
      tree.attr(`${DEV}/${uuid}/remove`, {
        mode: 0o200,
        store: () => {
          tree.remove(`${DEV}/${uuid}`);
          tree.remove(`/sys/bus/mdev/devices/${uuid}`);
          instances++;
          return undefined;
        },
      });
      tree.link(`/sys/bus/mdev/devices/${uuid}`, `${DEV}/${uuid}`);
      return undefined;
    },
  });
  tree.link('/sys/bus/pci/devices/0000:01:00.0', DEV);
  tree.mkdir('/sys/bus/mdev/devices');
  tree.mkdir('/dev/vfio', 0o755, 'devtmpfs');
  tree.chardev('/dev/vfio/vfio', 10, 196, 0o666);
  // The numbers of the host's /dev/zero (1:5): opening it must never reach that device.
  tree.chardev('/dev/zero', 1, 5, 0o666);
  tree.mkdir('/etc/mdevctl.d/scripts.d/callouts', 0o755, 'tmpfs');
  tree.mkdir('/etc/mdevctl.d/scripts.d/notifiers', 0o755, 'tmpfs');
  tree.file('/etc/motd', 'a\n');
  return {
    tree,
    setInstances: (n) => {
      instances = n;
    },
  };
}

/** The two ways the server can answer open(2): itself (kernfs checks), or not at all. */
const MODES = [
  { name: 'server opens', kernelOpens: false },
  { name: 'kernel opens', kernelOpens: true },
] as const;

for (const { name: mode, kernelOpens } of MODES)
  describe(`FUSE server over a real mount (${mode})`, { skip }, () => {
    let base = '';
    let mnt = '';
    let mount: FuseMount;
    let model: ReturnType<typeof buildTree>;
    const errors: unknown[] = [];

    before(async () => {
      base = await mkdtemp(join(tmpdir(), 'vgpuctl-fuse-'));
      mnt = join(base, 'mnt');
      await bash(`mkdir -p ${mnt}`);
      model = buildTree();
      mount = await mountFuse(treeBackend(model.tree), mnt, { kernelOpens, onError: (err) => errors.push(err) });
    });

    after(async () => {
      if (mount !== undefined) await mount.unmount();
      await rm(base, { recursive: true, force: true });
    });

    it('shows sysfs modes and sizes in ls -l and stat', async () => {
      const ls = await bash(`ls -ln ${mnt}${DEV} | awk 'NR>1 {print $1, $5, $9}'`);
      assert.equal(ls.code, 0, ls.stderr);
      const rows = ls.stdout.trim().split('\n');
      assert.equal(mount.stats().kernelOpens, kernelOpens ? 1 : 0, 'the kernel offers no-open (7.23+)');
      assert.ok(rows.includes('-r--r--r-- 4096 vendor'), ls.stdout);
      assert.ok(rows.includes('-rw-r--r-- 256 config'), ls.stdout);
      assert.ok(rows.includes('--w------- 4096 remove'), ls.stdout);
      assert.ok(rows.includes('drwxr-xr-x 0 mdev_supported_types'), ls.stdout);
      const link = await bash(`stat -c '%F %a %s' ${mnt}/sys/bus/pci/devices/0000:01:00.0`);
      assert.equal(
        link.stdout.trim(),
        `symbolic link 777 ${'../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0'.length}`,
      );
      const chr = await bash(`stat -c '%F %t:%T %a' ${mnt}/dev/vfio/vfio`);
      assert.equal(chr.stdout.trim(), 'character special file a:c4 666');
    });

    it('never opens a host device through a node: the mount is nodev, open(2) fails with EACCES', async () => {
      const info = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').find((l) => l.split(' ')[4] === mnt);
      assert.match(info ?? '', /^\S+ \S+ \S+ \S+ \S+ \S*\bnodev\b/, info);
      const zero = await bash(`stat -c '%t:%T' ${mnt}/dev/zero && head -c 4 ${mnt}/dev/zero | od -An -tx1`);
      assert.equal(zero.stdout, '1:5\n', 'no bytes of the host /dev/zero come through');
      assert.match(zero.stderr, /Permission denied/);
      const vfio = await bash(`exec 3<>${mnt}/dev/vfio/vfio`);
      assert.match(vfio.stderr, /Permission denied/);
    });

    it('cats attributes, binary attributes and follows relative links inside the mount', async () => {
      const cat = await bash(`cat ${mnt}/sys/bus/pci/devices/0000:01:00.0/vendor`);
      assert.equal(cat.stdout, '0x10de\n');
      const bin = await bash(`od -An -tx1 -v ${mnt}${DEV}/config | tr -d ' \\n' | wc -c`);
      assert.equal(bin.stdout.trim(), '512');
      const rl = await bash(
        `readlink ${mnt}/sys/bus/pci/devices/0000:01:00.0; readlink -f ${mnt}/sys/bus/pci/devices/0000:01:00.0`,
      );
      assert.equal(rl.stdout, `../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0\n${mnt}${DEV}\n`);
    });

    it('reports a store() errno from write(2): echo bad > create is "Invalid argument"', async () => {
      const run = await bash(`echo bad > ${mnt}${TYPE}/create`);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /write error: Invalid argument/);
    });

    it('refuses writing a 0444 attribute and reading a 0200 one, even as root', async () => {
      const write = await bash(`echo 1 > ${mnt}${DEV}/vendor`);
      // kernfs_fop_open fails open(2); kernel opens defer the same check to write(2).
      assert.match(write.stderr, kernelOpens ? /echo: write error: Permission denied/ : /vendor: Permission denied/);
      const read = await bash(`cat ${mnt}${DEV}/remove`);
      assert.match(read.stderr, /Permission denied/);
      const chmod = await bash(`chmod 666 ${mnt}${DEV}/vendor`);
      assert.match(chmod.stderr, /Operation not permitted/);
      const mkdir = await bash(`mkdir ${mnt}${DEV}/x`);
      assert.match(mkdir.stderr, /Operation not permitted/);
    });

    it('shows a device created by a write at once, and a re-read of available_instances is fresh', async () => {
      // Prime the kernel's caches: the listing, a negative dentry for the uuid, the counter.
      const before = await bash(
        `ls ${mnt}${DEV}; stat ${mnt}${DEV}/${UUID} 2>&1; ls ${mnt}/sys/bus/mdev/devices; cat ${mnt}${TYPE}/available_instances`,
      );
      assert.match(before.stdout, /No such file or directory/);
      assert.match(before.stdout, /\n2\n$/);
      const run = await bash(
        `printf ${UUID} > ${mnt}${TYPE}/create && stat -c %F ${mnt}${DEV}/${UUID} && ls ${mnt}/sys/bus/mdev/devices && ` +
          `cat ${mnt}${TYPE}/available_instances && readlink -f ${mnt}/sys/bus/mdev/devices/${UUID}/mdev_type`,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `directory\n${UUID}\n1\n${mnt}${TYPE}\n`);
      const again = await bash(`printf ${UUID} > ${mnt}${TYPE}/create`);
      assert.match(again.stderr, /write error: File exists/);
      const removed = await bash(
        `echo 1 > ${mnt}${DEV}/${UUID}/remove && ls -A ${mnt}/sys/bus/mdev/devices && test ! -e ${mnt}${DEV}/${UUID} && cat ${mnt}${TYPE}/available_instances`,
      );
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal(removed.stdout, '2\n');
    });

    it('sees changes the emulated kernel makes outside any request once settled()', async () => {
      const first = await bash(
        `cat ${mnt}/etc/motd; stat -c %s ${mnt}/etc/motd; cat ${mnt}${TYPE}/available_instances`,
      );
      assert.equal(first.stdout, 'a\n2\n2\n');
      model.tree.file('/etc/motd', 'a much longer message\n');
      model.setInstances(0);
      model.tree.attr(`${DEV}/irq`, { mode: 0o444, show: () => '16\n' });
      await mount.settled();
      const second = await bash(`cat ${mnt}/etc/motd; cat ${mnt}${TYPE}/available_instances; cat ${mnt}${DEV}/irq`);
      assert.equal(second.stdout, 'a much longer message\n0\n16\n');
      // A change behind show() that no tree event shows: cached pages go only on settled().
      model.setInstances(2);
      await mount.settled();
    });

    it('serves a hot available_instances from the page cache and never stale after echo > create', async () => {
      const counter = `${mnt}${TYPE}/available_instances`;
      const uuid = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';
      // Warm it, then read it again: the re-reads are served by the kernel's page cache
      // (no READ reaches the server); the reader thread answers their OPEN/RELEASE, or, with
      // kernel opens, nothing reaches the server at all.
      // (The first re-read after the filling READ asks GETATTR once: the short read changed i_size.)
      assert.equal((await bash(`cat ${counter}; cat ${counter}`)).stdout, '2\n2\n');
      const before = mount.stats();
      const hot = await bash(`for i in 1 2 3 4 5 6 7 8; do cat ${counter}; done`);
      assert.equal(hot.stdout, '2\n'.repeat(8));
      const after = mount.stats();
      assert.equal((after.READ ?? 0) - (before.READ ?? 0), 0, 'hot reads come from the page cache');
      if (kernelOpens) {
        assert.equal((after.requests ?? 0) - (before.requests ?? 0), 0, 'no request reaches the server');
      } else {
        assert.ok((after.fastOpens ?? 0) - (before.fastOpens ?? 0) >= 8, 'opens answered by the reader thread');
      }
      // Cached text reports its length (the kernel shrank i_size on the short read).
      assert.equal((await bash(`stat -c %s ${counter}`)).stdout, '2\n');
      // Writing it still fails, for root too (at open(2), or at write(2) with kernel opens).
      assert.match((await bash(`echo 1 > ${counter}`)).stderr, /Permission denied/);
      const run = await bash(`echo ${uuid} > ${mnt}${TYPE}/create && cat ${counter} && stat -c %s ${counter}`);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, '1\n2\n');
      const removed = await bash(`echo 1 > ${mnt}${DEV}/${uuid}/remove && cat ${counter}`);
      assert.equal(removed.stdout, '2\n');
    });

    it('rewrites a cached read-write attribute: fresh at once, even after its pages were evicted', async () => {
      const attr = `${mnt}${DEV}/driver_override`;
      const before = mount.stats();
      // Cache it, overwrite it with a shorter value (a page-cache writer copies into the cached
      // page: the stale tail must never show), then read it back in the same shell.
      const shorter = await bash(
        `cat ${attr}; cat ${attr}; echo vfio-pci > ${attr}; cat ${attr}; echo 0 > ${attr}; cat ${attr}`,
      );
      assert.equal(shorter.code, 0, shorter.stderr);
      assert.equal(shorter.stdout, '(null)\n(null)\nvfio-pci\n0\n');
      // Evict its cached page behind the server's back (fadvise DONTNEED): a page-cache writer
      // then holds the page locked while its WRITE is answered, and must not hang.
      const evicted = await bash(
        `cat ${attr} > /dev/null; dd if=${attr} iflag=nocache count=0 status=none; echo nvidia > ${attr}; cat ${attr}; echo > ${attr}; cat ${attr}`,
      );
      assert.equal(evicted.code, 0, evicted.stderr);
      assert.equal(evicted.stdout, 'nvidia\n(null)\n');
      const after = mount.stats();
      assert.equal((after.deferredReplyDeadlines ?? 0) - (before.deferredReplyDeadlines ?? 0), 0, 'no reply waited');
    });

    it('drops cached attribute pages on invalidateData() after an in-process change', async () => {
      const counter = `${mnt}${TYPE}/available_instances`;
      const uuid = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1003';
      assert.equal((await bash(`cat ${counter}; cat ${counter}; cat ${counter}`)).stdout, '2\n2\n2\n');
      // A store() through the emulated kernel's own API (as the host port does): it adds nodes,
      // and invalidateData() resolves once the kernel has dropped the cached pages.
      writeNode(model.tree.lookup(`${TYPE}/create`), Buffer.from(uuid), ROOT_CONTEXT);
      await mount.invalidateData();
      assert.equal((await bash(`cat ${counter}; cat ${counter}`)).stdout, '1\n1\n');
      // A model change no tree event shows (a closure behind show()).
      model.setInstances(7);
      await mount.invalidateData();
      assert.equal((await bash(`cat ${counter}`)).stdout, '7\n');
      model.setInstances(1);
      writeNode(model.tree.lookup(`${DEV}/${uuid}/remove`), Buffer.from('1'), ROOT_CONTEXT);
      await mount.settled();
      assert.equal((await bash(`cat ${counter}`)).stdout, '2\n');
    });

    it('supports create, write, rename, unlink and rmdir in tmpfs directories', async () => {
      const dir = `${mnt}/etc/mdevctl.d/0000:01:00.0`;
      const run = await bash(
        `mkdir ${dir} && printf '{"mdev_type":"nvidia-222"}' > ${dir}/.${UUID}.tmp && mv ${dir}/.${UUID}.tmp ${dir}/${UUID} && ` +
          `echo x >> ${dir}/${UUID} && cat ${dir}/${UUID} && ls -A ${dir} && stat -c '%a %s' ${dir}/${UUID}`,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `{"mdev_type":"nvidia-222"}x\n${UUID}\n644 28\n`);
      const node = model.tree.find(`/etc/mdevctl.d/0000:01:00.0/${UUID}`);
      assert.equal(node?.kind === 'file' ? node.data.toString() : undefined, '{"mdev_type":"nvidia-222"}x\n');
      const cleanup = await bash(`rm ${dir}/${UUID} && rmdir ${dir} && ls -A ${mnt}/etc/mdevctl.d`);
      assert.equal(cleanup.code, 0, cleanup.stderr);
      assert.equal(cleanup.stdout, 'scripts.d\n');
      assert.equal(model.tree.find('/etc/mdevctl.d/0000:01:00.0'), undefined);
    });

    it('serves mdevctl define/undefine, which mkdir and create-write /etc/mdevctl.d/<parent>/<uuid>', async (t) => {
      const tools = await bash('command -v mdevctl && command -v unshare');
      if (tools.code !== 0) {
        t.skip('needs mdevctl and unshare');
        return;
      }
      // A private mount namespace, so the host's real /etc/mdevctl.d is never touched.
      const inNs = (cmd: string) =>
        bash(`unshare -m --propagation private sh -c 'mount --bind ${mnt}/etc/mdevctl.d /etc/mdevctl.d && ${cmd}'`);
      const define = await inNs(`mdevctl define -u ${UUID} -p 0000:01:00.0 -t nvidia-222`);
      assert.equal(define.code, 0, define.stderr);
      const node = model.tree.find(`/etc/mdevctl.d/0000:01:00.0/${UUID}`);
      assert.equal(node?.kind, 'file');
      assert.match(node?.kind === 'file' ? node.data.toString() : '', /"mdev_type": "nvidia-222"/);
      const undefine = await inNs(`mdevctl undefine -u ${UUID}`);
      assert.equal(undefine.code, 0, undefine.stderr);
      assert.equal(model.tree.find(`/etc/mdevctl.d/0000:01:00.0/${UUID}`), undefined);
      model.tree.remove('/etc/mdevctl.d/0000:01:00.0');
    });

    it('serves hot listings from the kernel cache, fresh at once after echo > create and remove', async () => {
      const uuid = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1004';
      const list = `ls ${mnt}/sys/bus/mdev/devices; ls ${mnt}${DEV}`;
      const cold = await bash(`${list}; ${list}`);
      assert.equal(cold.code, 0, cold.stderr);
      const before = mount.stats();
      const hot = await bash(`${list}; ${list}`);
      assert.equal(hot.stdout, cold.stdout);
      assert.equal((mount.stats().READDIR ?? 0) - (before.READDIR ?? 0), 0, 'hot listings come from the cache');
      assert.doesNotMatch(hot.stdout, new RegExp(uuid));
      const created = await bash(`echo ${uuid} > ${mnt}${TYPE}/create && ${list}`);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout.split('\n').filter((line) => line === uuid).length, 2, created.stdout);
      const removed = await bash(`echo 1 > ${mnt}${DEV}/${uuid}/remove && ${list}`);
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal(removed.stdout, cold.stdout.slice(0, cold.stdout.length / 2));
    });

    it('caches symlink targets, fresh after a link is replaced or moved', async () => {
      const dir = `${mnt}/etc/links`;
      const made = await bash(`mkdir -p ${dir}/a/b && ln -s ../../motd ${dir}/a/l && ln -s ../../../motd ${dir}/a/b/l`);
      assert.equal(made.code, 0, made.stderr);
      assert.equal((await bash(`readlink ${dir}/a/l ${dir}/a/b/l`)).stdout, '../../motd\n../../../motd\n');
      const before = mount.stats();
      assert.equal((await bash(`readlink ${dir}/a/l; cat ${dir}/a/l > /dev/null`)).stdout, '../../motd\n');
      assert.equal((mount.stats().READLINK ?? 0) - (before.READLINK ?? 0), 0, 'hot readlinks come from the cache');
      // Replaced by the emulated kernel outside any request.
      model.tree.link('/etc/links/a/l', '/etc/mdevctl.d');
      await mount.settled();
      assert.equal((await bash(`readlink ${dir}/a/l`)).stdout, '../../mdevctl.d\n');
      // Moved one level deeper (targets are rendered relative to the link's directory), by a
      // rename from a child process: the next readlink, even by the same process, is fresh.
      const moved = await bash(`mkdir ${dir}/c && mv ${dir}/a ${dir}/c/a && readlink ${dir}/c/a/l ${dir}/c/a/b/l`);
      assert.equal(moved.code, 0, moved.stderr);
      assert.equal(moved.stdout, '../../../mdevctl.d\n../../../../motd\n');
      const renamed = await bash(`mv ${dir}/c/a/l ${dir}/l && readlink ${dir}/l && rm -r ${dir}`);
      assert.equal(renamed.code, 0, renamed.stderr);
      assert.equal(renamed.stdout, '../mdevctl.d\n');
    });

    it('lists directories with . and .. and every child', async () => {
      const run = await bash(`ls -a ${mnt}${TYPE}`);
      assert.equal(run.stdout, '.\n..\navailable_instances\ncreate\n');
    });

    it('holds no handle once every file is closed', async () => {
      // RELEASE is sent in the background after close(2) (fs/fuse/file.c fuse_file_put), so the
      // last ones may still be on their way; kernel opens never create handles at all.
      for (let i = 0; i < 100 && (mount.stats().openHandles ?? 0) > 0; i++) await delay(20);
      assert.equal(mount.stats().openHandles, 0);
    });

    it('had no internal errors', () => {
      assert.deepEqual(errors, []);
      assert.equal(mount.stats().internalErrors ?? 0, 0);
    });

    it('unmounts cleanly: closed resolves and mountinfo no longer lists it', async () => {
      assert.equal(await mountedAt(mnt), true);
      await mount.unmount();
      await mount.closed;
      assert.equal(await mountedAt(mnt), false);
    });
  });

describe('stale mounts', { skip }, () => {
  it('clears the mount of a SIGKILLed server, and leaves a healthy directory alone', async () => {
    const base = await mkdtemp(join(tmpdir(), 'vgpuctl-fuse-stale-'));
    const mnt = join(base, 'mnt');
    try {
      await bash(`mkdir -p ${mnt}`);
      assert.equal(await clearStaleMount(mnt), false);
      const fixture = fileURLToPath(new URL('./serve.fixture.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, mnt], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((done, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) done();
        });
        child.on('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
      });
      const alive = await bash(`cat ${mnt}/hello`);
      assert.equal(alive.stdout, 'hello\n');
      assert.equal(await clearStaleMount(mnt), false, 'a live server is not stale');
      const exited = new Promise((done) => child.on('exit', done));
      child.kill('SIGKILL');
      await exited;
      await assert.rejects(readdir(mnt), { code: 'ENOTCONN' });
      assert.equal(await clearStaleMount(mnt), true);
      assert.equal(await mountedAt(mnt), false);
      assert.equal((await stat(mnt)).isDirectory(), true);
    } finally {
      await bash(`umount -l ${mnt} 2>/dev/null`);
      await rm(base, { recursive: true, force: true });
    }
  });
});
