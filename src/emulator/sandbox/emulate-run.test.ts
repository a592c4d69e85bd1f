import assert from 'node:assert/strict';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from '../../../test/helpers/fixtures.ts';
import { Inventory } from '../../discovery/inventory.ts';
import { sandboxUnavailable, toolMissing } from './test-capabilities.ts';

const UUID = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const reason = sandboxUnavailable();

let state: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  state = await tempDir('vgpuctl-run-');
});
after(() => state.cleanup());
const run = (scenario: string, ...command: string[]) =>
  runCli(['emulate', 'run', '--scenario', scenario, '--', ...command], { VGPUCTL_STATE_DIR: state.dir });
const bash = (scenario: string, script: string) => run(scenario, 'bash', '-c', script);

/** Mounts in the host's table that `emulate run` could have leaked: its scratch dirs and the paths it overlays. */
async function leakedMounts(): Promise<string[]> {
  return (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((line) => {
    const mountPoint = line.split(' ')[4] ?? '';
    return (
      /\/vgpuctl-run-/.test(mountPoint) || (/ - fuse vgpuctl-/.test(line) && /^\/(sys|dev|etc)(\/|$)/.test(mountPoint))
    );
  });
}

describe('vgpuctl emulate run with Debian mdevctl', { skip: reason ?? toolMissing('mdevctl') }, () => {
  test('kubevirt-t4: mdevctl types shows the fake module parent and its two types', async () => {
    const r = await run('kubevirt-t4', 'mdevctl', 'types');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'nvidia',
        '  nvidia-222',
        '    Available instances: 16',
        '    Device API: vfio-pci',
        '    Name: GRID T4-1B',
        '    Description: NVIDIA GRID vGPU (1b), 1024MB framebuffer',
        '  nvidia-223',
        '    Available instances: 8',
        '    Device API: vfio-pci',
        '    Name: GRID T4-2B',
        '    Description: NVIDIA GRID vGPU (2b), 2048MB framebuffer',
        '',
        '',
      ].join('\n'),
    );
  });

  test('samples: start, list, stop with a given UUID, and the kernel refuses a duplicate', async () => {
    const r = await bash(
      'samples',
      `set -e
       mdevctl start -u ${UUID} -p mtty -t mtty-2
       mdevctl list
       cat /sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2/available_instances
       if mdevctl start -u ${UUID} -p mdpy -t mdpy-vga 2>/tmp/err; then echo unexpected; fi
       mdevctl stop -u ${UUID}
       mdevctl list | grep -c . || true`,
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .filter((line) => line !== '');
    assert.equal(lines[0], `${UUID} mtty mtty-2 manual`);
    assert.equal(lines[1], '11');
    assert.doesNotMatch(r.stdout, /unexpected/);
    assert.equal(lines.at(-1), '0');
  });

  test('lab: start without -u, define, list --defined --dumpjson, undefine, and the state persists', async () => {
    const r = await bash(
      'lab',
      `set -e
       U=$(mdevctl start -p 0000:3b:00.0 -t nvidia-222)
       echo "uuid=$U"
       mdevctl define -u "$U"
       mdevctl list --defined --dumpjson`,
    );
    assert.equal(r.status, 0, r.stderr);
    const uuid = /uuid=([0-9a-f-]{36})/.exec(r.stdout)?.[1] as string;
    assert.ok(uuid, r.stdout);
    const dump = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as Record<string, unknown>[];
    assert.deepEqual(dump, [{ '0000:3b:00.0': [{ [uuid]: { mdev_type: 'nvidia-222', start: 'manual', attrs: [] } }] }]);

    // The next invocation sees both the running mdev and mdevctl's definition.
    const listed = await runCli(['list', '--json', '--emulate', 'lab'], { VGPUCTL_STATE_DIR: state.dir });
    const t4 = Inventory.parse(JSON.parse(listed.stdout)).gpus.find((g) => g.address === '0000:3b:00.0');
    assert.deepEqual(
      t4?.mdev?.instances.map((i) => i.uuid),
      [uuid],
    );
    const again = await bash(
      'lab',
      `mdevctl list --defined; mdevctl stop -u ${uuid}; mdevctl undefine -u ${uuid}; mdevctl list --defined | grep -c . || true`,
    );
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^${uuid} 0000:3b:00.0 nvidia-222 manual`, 'm'));
    assert.equal(again.stdout.trim().split('\n').at(-1), '0');
  });
});

describe('vgpuctl emulate run with lspci', { skip: reason ?? toolMissing('lspci') }, () => {
  test('lspci -nn names every lab device, and -vv decodes the capabilities', async () => {
    const r = await bash('lab', 'lspci -nn && echo ---- && lspci -vv -s 41:00.0 && lspci -vv -s 3b:00.0');
    assert.equal(r.status, 0, r.stderr);
    const [plain = '', verbose = ''] = r.stdout.split('----\n');
    for (const line of [
      /^00:02\.0 VGA compatible controller \[0300\]: Intel Corporation CoffeeLake-S GT2 \[UHD Graphics 630\] \[8086:3e92\]/m,
      /^01:00\.0 VGA compatible controller \[0300\]: NVIDIA Corporation AD104 \[GeForce RTX 4070\] \[10de:2786\]/m,
      /^01:00\.1 Audio device \[0403\]: NVIDIA Corporation .*\[10de:22bc\]/m,
      /^3b:00\.0 3D controller \[0302\]: NVIDIA Corporation TU104GL \[Tesla T4\] \[10de:1eb8\] \(rev a1\)/m,
      /^41:00\.0 3D controller \[0302\]: NVIDIA Corporation .*\[10de:26b9\]/m,
      /^81:00\.0 VGA compatible controller \[0300\]: NVIDIA Corporation GP106 \[GeForce GTX 1060 6GB\] \[10de:1c03\]/m,
    ]) {
      assert.match(plain, line);
    }
    assert.match(verbose, /Capabilities: \[[0-9a-f]+\] Express \(v2\) Endpoint/);
    assert.match(verbose, /Capabilities: \[[0-9a-f]+ v1\] Single Root I\/O Virtualization \(SR-IOV\)/);
    assert.match(verbose, /Initial VFs: 32, Total VFs: 32/);
    assert.match(verbose, /Kernel driver in use: nvidia/);
    // "Unable to load libkmod resources" only says the machine's own kernel has no module index.
    const problems = (r.stdout + r.stderr).split('\n').filter((line) => !/libkmod/.test(line));
    assert.deepEqual(
      problems.filter((line) => /Unable to read|Cannot|<unavailable>|error/i.test(line)),
      [],
    );
  });
});

describe('vgpuctl emulate run with plain shell writes', { skip: reason }, () => {
  test('create, remove, sriov_numvfs, driver_override and bad input give the kernel results', async () => {
    const T4 = '/sys/bus/pci/devices/0000:3b:00.0';
    const L40S = '/sys/bus/pci/devices/0000:41:00.0';
    const r = await bash(
      'lab',
      `cd ${T4}/mdev_supported_types/nvidia-223
       echo ${UUID} > create && cat available_instances
       cat ../nvidia-222/available_instances
       echo 1 > /sys/bus/mdev/devices/${UUID}/remove && cat available_instances
       echo bad > create; echo "rc=$?"
       echo 4 > ${L40S}/sriov_numvfs && ls -d ${L40S}/virtfn* | wc -l && readlink ${L40S}/virtfn0
       echo 8 > ${L40S}/sriov_numvfs; echo "rc=$?"
       echo 0 > ${L40S}/sriov_numvfs && cat ${L40S}/sriov_numvfs
       echo vfio-pci > ${T4}/driver_override && cat ${T4}/driver_override
       echo > ${T4}/driver_override && cat ${T4}/driver_override
       echo x > ${T4}/vendor; echo "rc=$?"`,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      '7',
      '0',
      '8',
      'rc=1',
      '4',
      '../0000:41:00.4',
      'rc=1',
      '0',
      'vfio-pci',
      '(null)',
      'rc=1',
    ]);
    assert.match(r.stderr, /write error: Invalid argument/);
    assert.match(r.stderr, /write error: Device or resource busy/);
    assert.match(r.stderr, /vendor: Permission denied/);
  });

  test('kubevirt-t4: hide and show through hotplug_control', async () => {
    const r = await bash(
      'kubevirt-t4',
      `C=/sys/class/nvidia/nvidia/hotplug_control
       cat $C; echo hide > $C; cat $C; ls /sys/class/mdev_bus | wc -l
       echo show > $C; cat $C; ls /sys/class/mdev_bus
       echo sideways > $C; echo "rc=$?"`,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['visible', 'hidden', '0', 'visible', 'nvidia', 'rc=1']);
  });

  test("vgpuctl's own discovery through / inside the namespace equals its in-memory discovery", async () => {
    const inside = await run(
      'lab',
      process.execPath,
      new URL('../../../bin/vgpuctl', import.meta.url).pathname,
      'list',
      '--json',
      '--root',
      '/',
    );
    assert.equal(inside.status, 0, inside.stderr);
    const outside = await runCli(['list', '--json', '--emulate', 'lab'], { VGPUCTL_STATE_DIR: state.dir });
    // nvidia-smi and /proc describe the real machine inside the namespace: compare the GPUs.
    const strip = (text: string) =>
      Inventory.parse(JSON.parse(text)).gpus.map((g) => ({ ...g, vram: null, mig: null, hostVgpuMode: null }));
    assert.deepEqual(strip(inside.stdout), strip(outside.stdout));
  });

  test('exits with the command status, reports a missing command, and leaves no mount behind', async () => {
    assert.equal((await run('samples', 'sh', '-c', 'exit 7')).status, 7);
    const missing = await run('samples', 'no-such-command-vgpuctl');
    assert.equal(missing.status, 127);
    assert.match(missing.stderr, /Cannot run "no-such-command-vgpuctl": command not found/);
    assert.deepEqual(await leakedMounts(), []);
  });

  test('a scenario with errors is refused before anything is mounted', async () => {
    const r = await run('no-such-scenario', 'true');
    assert.equal(r.status, 3);
    assert.match(r.stderr, /Cannot load scenario "no-such-scenario"/);
    assert.deepEqual(await leakedMounts(), []);
  });
});

describe('vgpuctl emulate run --fast-open', { skip: reason ?? toolMissing('mdevctl') ?? toolMissing('lspci') }, () => {
  let own: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    own = await tempDir('vgpuctl-run-fast-');
  });
  after(() => own.cleanup());
  const fast = (scenario: string, script: string) =>
    runCli(['emulate', 'run', '--fast-open', '--scenario', scenario, '--', 'bash', '-c', script], {
      VGPUCTL_STATE_DIR: own.dir,
    });

  test('mdevctl, lspci and shell writes give the same results; root opens fail at write instead', async () => {
    const T4 = '/sys/bus/pci/devices/0000:3b:00.0';
    const r = await fast(
      'lab',
      `cd ${T4}/mdev_supported_types/nvidia-223
       cat available_instances; cat available_instances
       echo ${UUID} > create && cat available_instances && cat ../nvidia-222/available_instances
       mdevctl list
       mdevctl stop -u ${UUID} && cat available_instances
       U=$(mdevctl start -p 0000:3b:00.0 -t nvidia-223) && cat available_instances && mdevctl stop -u $U
       echo bad > create; echo "rc=$?"
       echo vfio-pci > ${T4}/driver_override && cat ${T4}/driver_override
       echo > ${T4}/driver_override && cat ${T4}/driver_override
       echo x > ${T4}/vendor; echo "rc=$?"
       lspci -nn -s 3b:00.0`,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      r.stdout.split('\n').filter((line) => line !== ''),
      [
        '8',
        '8',
        '7',
        '0',
        `${UUID} 0000:3b:00.0 nvidia-223 manual`,
        '8',
        '7',
        'rc=1',
        'vfio-pci',
        '(null)',
        'rc=1',
        '3b:00.0 3D controller [0302]: NVIDIA Corporation TU104GL [Tesla T4] [10de:1eb8] (rev a1)',
      ],
      'mdevctl list prints a blank line after its list',
    );
    assert.match(r.stderr, /write error: Invalid argument/);
    // kernfs refuses the open; with kernel opens the same EACCES comes from write(2).
    assert.match(r.stderr, /echo: write error: Permission denied/);
    assert.deepEqual(await leakedMounts(), []);
  });
});

const SHELL_CHECK = `ls /sys/class/mdev_bus
  T=/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2
  cat $T/available_instances; echo ${UUID} > $T/create && ls /sys/bus/mdev/devices && cat $T/available_instances
  echo x > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/available_instances; echo "rc=$?"`;
// dash exits 2 when a redirection cannot be opened: kernfs' open-time EACCES, for root too.
const SHELL_EXPECTED = ['mbochs', 'mdpy', 'mtty', '12', UUID, '11', 'rc=2'];

describe('vgpuctl emulate run inside a user namespace', { skip: reason ?? toolMissing('setpriv') }, () => {
  let own: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    own = await tempDir('vgpuctl-run-userns-');
    await chmod(own.dir, 0o777);
  });
  after(() => own.cleanup());

  test('started in a new user namespace: FUSE and the overlays are mounted there, as its root', async (t) => {
    const userns = await runCli(['--version'], {}, ['sh', '-c', 'unshare -U -r true && exec "$@"', 'sh']);
    if (userns.status !== 0) {
      t.skip(`user namespaces are not available: ${userns.stderr.trim()}`);
      return;
    }
    const r = await runCli(
      ['emulate', 'run', '--scenario', 'samples', '--', 'sh', '-c', SHELL_CHECK],
      { HOME: own.dir, VGPUCTL_STATE_DIR: join(own.dir, 'as-root') },
      ['unshare', '-U', '-r', '--'],
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), SHELL_EXPECTED);
    assert.match(r.stderr, /available_instances: Permission denied/);
    assert.deepEqual(await leakedMounts(), []);
  });

  test('started by an unprivileged user (nobody): vgpuctl makes the user namespace itself', async (t) => {
    const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'];
    const probe = await runCli(['--version'], { HOME: own.dir }, nobody);
    if (probe.status !== 0) {
      t.skip(`the checkout is not readable by uid 65534 (${probe.stderr.trim().split('\n')[0] ?? ''})`);
      return;
    }
    const fuse = await runCli(['--version'], {}, [
      'sh',
      '-c',
      `${nobody.join(' ')} sh -c 'test -r /dev/fuse -a -w /dev/fuse && unshare -r true' && exec "$@"`,
      'sh',
    ]);
    if (fuse.status !== 0) {
      t.skip('uid 65534 may not use /dev/fuse or create a user namespace here');
      return;
    }
    const r = await runCli(
      ['emulate', 'run', '--scenario', 'samples', '--', 'sh', '-c', `id -u; ${SHELL_CHECK}`],
      { HOME: own.dir, VGPUCTL_STATE_DIR: join(own.dir, 'as-nobody') },
      nobody,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['0', ...SHELL_EXPECTED]);
    assert.match(r.stderr, /available_instances: Permission denied/);
    assert.deepEqual(await leakedMounts(), []);
  });
});
