/**
 * The vGPU commands end to end: bin/vgpuctl on emulated hosts (state kept between
 * invocations) and on written trees (--root), including a process killed mid-define.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixturePath, runCli, tempDir } from '../../../test/helpers/fixtures.ts';
import { parseMdevctlConfig } from '../../store/mdevctl-format.ts';

const UUID = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
const UUIDS = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let state: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  state = await tempDir('vgpuctl-vgpu-cli-');
});
after(() => state.cleanup());

/** Runs vgpuctl against emulated `scenario` with this file's state directory. */
const on = (scenario: string, ...args: string[]) =>
  runCli(['--emulate', scenario, ...args], { VGPUCTL_STATE_DIR: state.dir });

describe('vgpuctl create / vgpus / remove', () => {
  test('lab: creates two T4-1B vGPUs, prints their UUIDs, lists and removes them', async () => {
    await runCli(['emulate', 'reset', 'lab'], { VGPUCTL_STATE_DIR: state.dir });
    const created = await on('lab', 'create', '--type', 'T4-1B', '--count', '2');
    assert.equal(created.status, 0, created.stderr);
    const ids = created.stdout.trim().split('\n');
    assert.equal(ids.length, 2);
    assert.ok(
      ids.every((id) => UUIDS.test(id)),
      created.stdout,
    );

    const listed = await on('lab', 'vgpus');
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+GPU\s+TYPE\s+NAME\s+STATE\s+DEFINED$/m);
    for (const id of ids)
      assert.match(
        listed.stdout,
        new RegExp(`^${id}\\s+0000:3b:00.0\\s+nvidia-222\\s+GRID T4-1B\\s+running\\s+no$`, 'm'),
      );

    const removed = await on('lab', 'remove', ...ids);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal((await on('lab', 'vgpus')).stdout.trim(), 'No vGPUs running or defined.');
  });

  test('--dry-run prints the writes as shell commands and changes nothing', async () => {
    await runCli(['emulate', 'reset', 'kubevirt-t4'], { VGPUCTL_STATE_DIR: state.dir });
    const r = await on('kubevirt-t4', '--dry-run', 'define', '--type', 'T4-2B', '--uuid', UUID, '--auto', '--start');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        `# define and start vGPU ${UUID}`,
        '# directory for definitions on nvidia',
        'mkdir -p /etc/mdevctl.d/nvidia',
        `# define vGPU ${UUID} (nvidia-223, start auto)`,
        `printf '%s' "$(cat <<'EOF'`,
        '{',
        '  "mdev_type": "nvidia-223",',
        '  "start": "auto",',
        '  "attrs": []',
        '}',
        'EOF',
        `)" > /etc/mdevctl.d/nvidia/${UUID} && chmod 644 /etc/mdevctl.d/nvidia/${UUID}`,
        `# create vGPU ${UUID} (nvidia-223) on nvidia`,
        `printf '%s' ${UUID} > /sys/class/mdev_bus/nvidia/mdev_supported_types/nvidia-223/create`,
        '',
      ].join('\n'),
    );
    assert.equal((await on('kubevirt-t4', 'vgpus')).stdout.trim(), 'No vGPUs running or defined.');
  });

  const errors: [string, string[], number, RegExp][] = [
    [
      'a malformed UUID',
      ['create', '--type', 'T4-1B', '--uuid', 'not-a-uuid'],
      2,
      /Cannot use UUID "not-a-uuid": expected 8-4-4-4-12 hex digits/,
    ],
    [
      'an upper-case UUID',
      ['create', '--type', 'T4-1B', '--uuid', UUID.toUpperCase()],
      2,
      /upper-case letters are not allowed/,
    ],
    ['a UUID given twice', ['create', '--type', 'T4-1B', '--uuid', UUID, '--uuid', UUID], 2, /the UUID is given twice/],
    ['an unknown type', ['create', '--type', 'T4-3B'], 3, /no GPU on this host offers it/],
    ['an unknown GPU', ['create', '--type', 'T4-1B', '--gpu', '0000:99:00.0'], 3, /not a GPU that offers vGPU types/],
    [
      'a type name with "/"',
      ['create', '--type', 'nvidia-222/../../x'],
      2,
      /may not be empty or contain "\/" or "\.\."/,
    ],
    [
      'a parent name with ".."',
      ['define', '--type', 'nvidia-222', '--gpu', '..', '--force'],
      2,
      /names may not contain/,
    ],
    [
      'an attribute escaping the device',
      ['define', '--type', 'T4-1B', '--attr', '../remove=1'],
      2,
      /Cannot use attribute "\.\.\/remove"/,
    ],
    [
      'a count of 0',
      ['create', '--type', 'T4-1B', '--count', '0'],
      2,
      /Cannot use --count "0": expected a whole number of at least 1$/m,
    ],
    [
      'a negative count',
      ['create', '--type', 'T4-1B', '--count', '-3'],
      2,
      /Cannot use --count "-3": expected a whole number of at least 1$/m,
    ],
    [
      'a count beyond exact numbers, echoed as typed',
      ['create', '--type', 'T4-1B', '--count', '100000000000000000000000'],
      2,
      /Cannot use --count "100000000000000000000000": expected a whole number of at most/,
    ],
    ['a count above capacity', ['create', '--type', 'T4-2B', '--count', '9'], 4, /only 8 instances of GRID T4-2B left/],
    ['a count that is not a number', ['create', '--type', 'T4-2B', '--count', 'two'], 2, /Cannot use --count "two"/],
    ['removing an unknown vGPU', ['remove', UUID], 3, /no running vGPU has this UUID/],
    ['starting an undefined vGPU', ['start', UUID], 3, /it is not defined/],
  ];
  describe('bad input', () => {
    before(() => runCli(['emulate', 'reset', 'lab'], { VGPUCTL_STATE_DIR: state.dir }));
    for (const [name, args, status, message] of errors) {
      test(`refuses ${name} (exit ${status}) and changes nothing`, async () => {
        const r = await on('lab', ...args);
        assert.equal(r.status, status, r.stderr);
        assert.match(r.stderr, message);
        assert.match(r.stderr, /^error: Cannot .*\nhint: /);
        assert.equal((await on('lab', 'vgpus')).stdout.trim(), 'No vGPUs running or defined.');
      });
    }
  });

  test('--json errors carry the stable code', async () => {
    const r = await on('lab', '--json', 'create', '--type', 'T4-3B');
    assert.equal(r.status, 3);
    assert.equal(JSON.parse(r.stderr).error.code, 'VGPU_TYPE_NOT_FOUND');
  });
});

describe('vgpuctl types', () => {
  test('--format mdevctl prints mdevctl types --dumpjson', async () => {
    const r = await on('kubevirt-t4', 'types', '--format', 'mdevctl');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      {
        nvidia: [
          {
            'nvidia-222': {
              available_instances: 16,
              device_api: 'vfio-pci',
              name: 'GRID T4-1B',
              description: 'NVIDIA GRID vGPU (1b), 1024MB framebuffer',
            },
          },
          {
            'nvidia-223': {
              available_instances: 8,
              device_api: 'vfio-pci',
              name: 'GRID T4-2B',
              description: 'NVIDIA GRID vGPU (2b), 2048MB framebuffer',
            },
          },
        ],
      },
    ]);
  });

  test('filters by GPU, name and availability; --json gives one shape for both mechanisms', async () => {
    const r = await on('lab', '--json', 'types', '3b:00.0', '--name', 't4-2', '--available');
    assert.equal(r.status, 0, r.stderr);
    const { schemaVersion, items: types } = JSON.parse(r.stdout) as {
      schemaVersion: number;
      items: { id: string; gpu: string; mechanism: string }[];
    };
    assert.equal(schemaVersion, 1);
    assert.deepEqual(
      types.map((t) => t.id),
      ['nvidia-223', 'nvidia-224', 'nvidia-226', 'nvidia-231'],
    );
    assert.ok(types.every((t) => t.gpu === '0000:3b:00.0' && t.mechanism === 'mdev'));
  });

  test('names a vendor-VFIO GPU whose VFs are off', async () => {
    const r = await on('lab', 'types', '--gpu', '0000:41:00.0');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /note: 0000:41:00.0 is an NVIDIA vendor-VFIO GPU with no SR-IOV VFs enabled \(0 of 32\)/);
  });
});

describe('vgpuctl define / start --all-auto', () => {
  test('an autostart definition is started by start --all-auto and reported', async () => {
    await runCli(['emulate', 'reset', 'samples'], { VGPUCTL_STATE_DIR: state.dir });
    const defined = await on('samples', 'define', '--type', 'mtty-2', '--gpu', 'mtty', '--uuid', UUID, '--auto');
    assert.equal(defined.status, 0, defined.stderr);
    assert.equal(defined.stdout.trim(), UUID);
    const started = await on('samples', 'start', '--all-auto', '--wait', '5');
    assert.equal(started.status, 0, started.stderr);
    assert.match(started.stdout, new RegExp(`^${UUID}\\s+mtty\\s+mtty-2\\s+started\\s`, 'm'));
    assert.match(started.stdout, /1 started, 0 already running, 0 failed/);
    assert.match(
      (await on('samples', 'vgpus')).stdout,
      new RegExp(`${UUID}\\s+mtty\\s+mtty-2\\s+Dual port serial\\s+running\\s+auto`),
    );
  });

  test('a definition that cannot start makes start --all-auto exit 5', async () => {
    await runCli(['emulate', 'reset', 'samples'], { VGPUCTL_STATE_DIR: state.dir });
    await on('samples', 'define', '--type', 'nvidia-222', '--gpu', 'nvidia', '--force', '--auto', '--uuid', UUID);
    const r = await on('samples', 'start', '--all-auto');
    assert.equal(r.status, 5, r.stdout);
    assert.match(r.stdout, /failed\s+.*mdev parent nvidia is not registered/);
  });
});

describe('crash safety', () => {
  test('a define of many vGPUs killed mid-way leaves only valid definitions, and the next run takes over the lock', async () => {
    const { dir, cleanup } = await tempDir('vgpuctl-crash-');
    try {
      const tree = join(dir, 'root');
      const written = await runCli(['emulate', 'write-tree', tree, '--scenario', 'big:gpus=64,instances=0'], {
        VGPUCTL_STATE_DIR: state.dir,
      });
      assert.equal(written.status, 0, written.stderr);
      const child = spawn(
        process.execPath,
        [
          new URL('../../../bin/vgpuctl', import.meta.url).pathname,
          '--root',
          tree,
          'define',
          '--type',
          'T4-1B',
          '--count',
          '1024',
          '--auto',
        ],
        {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            VGPUCTL_FROM_SOURCE: '1',
            VGPUCTL_PCI_IDS: fixturePath('pci.ids'),
          },
          stdio: 'ignore',
        },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      const files = async () => {
        const parents = await readdir(join(tree, 'etc/mdevctl.d')).catch(() => [] as string[]);
        const names = await Promise.all(
          parents.map(async (p) =>
            (await readdir(join(tree, 'etc/mdevctl.d', p))).map((n) => join(tree, 'etc/mdevctl.d', p, n)),
          ),
        );
        // Only finished definitions: a temporary `.<uuid>.<pid>.tmp` is not one (readers skip it).
        return names.flat().filter((f) => !/\/\.[^/]+\.tmp$/.test(f));
      };
      let seen = 0;
      for (let i = 0; i < 2000 && seen < 100; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen = (await files()).length;
      }
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL', 'the define finished before it could be killed');

      const left = await files();
      assert.ok(left.length >= 100 && left.length < 1024, `${left.length} definitions on disk`);
      for (const file of left) {
        assert.match(file, /\/[0-9a-f-]{36}$/);
        assert.deepEqual(
          parseMdevctlConfig(await readFile(file, 'utf8')),
          { mdevType: 'nvidia-222', start: 'auto', attrs: [] },
          file,
        );
      }
      // The killed process's lock is stale: the next invocation takes it over and works.
      const lock = await readFile(join(tree, 'run/vgpuctl/lock/owner'), 'utf8').catch(() => '');
      assert.equal(lock.trim(), String(child.pid));
      const next = await runCli(['--root', tree, 'define', '--type', 'T4-1B', '--count', '1']);
      assert.equal(next.status, 0, next.stderr);
      const listed = await runCli(['--root', tree, '--json', 'vgpus']);
      const entries = (JSON.parse(listed.stdout) as { items: { state: string }[] }).items;
      assert.equal(entries.length, left.length + 1);
      assert.ok(entries.every((e) => e.state === 'stopped'));
    } finally {
      await cleanup();
    }
  });
});
