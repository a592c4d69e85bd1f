/**
 * What a new user runs into: --dry-run on every command, empty and wrong paths, contradictory
 * flags, JSON usage errors, the optional value of --emulate, and the messages they read.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command } from '@commander-js/extra-typings';
import { runCli, tempDir } from '../../test/helpers/fixtures.ts';
import { unmountedText } from './commands/emulate.ts';
import { COMMAND_MODULES } from './commands/index.ts';

let work: { dir: string; cleanup: () => Promise<void> };
let stateDir: string;
before(async () => {
  work = await tempDir('vgpuctl-new-user-');
  stateDir = join(work.dir, 'state');
  await mkdir(stateDir);
});
after(() => work.cleanup());
const cli = (...args: string[]) => runCli(args, { VGPUCTL_STATE_DIR: stateDir });

/** Every leaf command's full name ("emulate reset"), as registered; hidden ones excluded. */
function leafCommands(): string[] {
  const program = new Command();
  const services = {
    withHost: async () => {},
    emit: () => {},
    globals: () => ({}),
    log: () => {},
    progress: () => {},
    env: {},
    executable: '',
  };
  for (const register of COMMAND_MODULES) register(program, services);
  const names: string[] = [];
  const visit = (command: Command, prefix: string) => {
    for (const sub of command.commands as Command[]) {
      if ((sub as unknown as { _hidden: boolean })._hidden) continue;
      const name = `${prefix}${sub.name()}`;
      if (sub.commands.length > 0) visit(sub, `${name} `);
      else names.push(name);
    }
  };
  visit(program, '');
  return names;
}

/** Every file below `dir` with its content (or link target), to compare before and after. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const visit = async (path: string) => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        files.set(`${full}/`, '');
        await visit(full);
      } else if (entry.isSymbolicLink()) files.set(full, `-> ${await readlink(full)}`);
      else files.set(full, await readFile(full, 'latin1'));
    }
  };
  await visit(dir);
  return files;
}

const RUNNING = '83b8f4f2-509f-382f-3c1e-e6bfe0fa2001';
const DEFINED = '83b8f4f2-509f-382f-3c1e-e6bfe0fa2002';

describe('--dry-run changes nothing, on every command that accepts it', () => {
  /** One invocation per command; each either shows what it would do (exit 0) or refuses --dry-run. */
  const runs: Record<string, string[]> = {
    list: ['list'],
    show: ['show', '3b:00.0'],
    'emulate scenarios': ['emulate', 'scenarios'],
    'emulate reset': ['emulate', 'reset', 'lab'],
    'emulate write-tree': ['emulate', 'write-tree', 'TREE'],
    'emulate mount': ['emulate', 'mount', 'MOUNT'],
    'emulate run': ['emulate', 'run', '--', 'touch', 'TOUCHED'],
    types: ['types'],
    create: ['create', '--type', 'T4-1B', '--count', '2'],
    remove: ['remove', RUNNING],
    vgpus: ['vgpus'],
    define: ['define', '--type', 'T4-1B', '--gpu', '3b:00.0', '--auto', '--start'],
    undefine: ['undefine', DEFINED],
    start: ['start', DEFINED],
    stop: ['stop', RUNNING],
    modify: ['modify', DEFINED, '--auto'],
    groups: ['groups'],
    bind: ['bind', '0000:01:00.0'],
    unbind: ['unbind', '0000:01:00.0'],
    sriov: ['sriov', '0000:41:00.0', '--vfs', '2'],
    doctor: ['doctor'],
    select: ['select', '--apply'],
    profiles: ['profiles'],
    plan: ['plan', '--want', 'T4-1B:1'],
    'override show': ['override', 'show'],
    'override check': ['override', 'check'],
    'override set': ['override', 'set', 'nvidia-222', 'frl_config=30'],
    'override unset': ['override', 'unset', 'nvidia-222'],
    serve: ['serve'],
    apply: ['apply', 'HOSTFILE'],
    'kubelet-plugin dra': ['kubelet-plugin', 'dra'],
    'kubelet-plugin device-plugin': ['kubelet-plugin', 'device-plugin'],
    'kubelet-plugin config': ['kubelet-plugin', 'config'],
    'kubelet-plugin slices': ['kubelet-plugin', 'slices', '--node-name', 'n1'],
  };

  test('the table names every command', () => {
    assert.deepEqual(Object.keys(runs).sort(), leafCommands().sort());
  });

  test('each command shows its plan or refuses, in versioned JSON, and no file changes', async () => {
    const setup = [
      await cli('--emulate', 'lab', 'create', '--type', 'T4-1B', '--uuid', RUNNING),
      await cli('--emulate', 'lab', 'define', '--type', 'T4-1B', '--gpu', '3b:00.0', '--uuid', DEFINED),
      await cli('--emulate', 'lab', 'override', 'set', 'nvidia-222', 'frl_config=30'),
    ];
    for (const run of setup) assert.equal(run.status, 0, run.stderr);
    const mount = join(work.dir, 'mount');
    await mkdir(mount);
    const hostFile = join(work.dir, 'host.toml');
    await writeFile(hostFile, '[[gpu]]\naddress = "3b:00.0"\nvgpus = [{ type = "nvidia-222", count = 1 }]\n');
    const placeholders: Record<string, string> = {
      TREE: join(work.dir, 'tree'),
      MOUNT: mount,
      TOUCHED: join(work.dir, 'x'),
      HOSTFILE: hostFile,
    };
    const before = await snapshot(work.dir);
    for (const [name, args] of Object.entries(runs)) {
      const resolved = args.map((a) => placeholders[a] ?? a);
      const run = await cli('--emulate', 'lab', '--dry-run', '--json', ...resolved);
      assert.ok(
        run.status === 0 || (run.status === 2 && /with --dry-run/.test(run.stderr)),
        `${name}: exit ${run.status}\n${run.stderr}`,
      );
      // Every --json output, data or error, carries the vocabulary's version.
      const body = JSON.parse(run.status === 0 ? run.stdout : run.stderr) as { schemaVersion?: unknown };
      assert.equal(body.schemaVersion, 1, `${name}: ${run.stdout}${run.stderr}`);
      assert.deepEqual(await snapshot(work.dir), before, `${name} changed files`);
    }
  });
});

describe('one JSON vocabulary', () => {
  test('create, define and vgpus name a vGPU with the same fields', async () => {
    const env = { VGPUCTL_STATE_DIR: join(work.dir, 'vocabulary') };
    const created = await runCli(['--emulate', 'lab', '--json', 'create', '--type', 'T4-1B'], env);
    assert.equal(created.status, 0, created.stderr);
    const [made] = (JSON.parse(created.stdout) as { created: Record<string, unknown>[] }).created;
    assert.deepEqual(Object.keys(made ?? {}), ['id', 'mechanism', 'parent', 'type']);
    const defined = await runCli(['--emulate', 'lab', '--json', 'define', String(made?.id)], env);
    const [kept] = (JSON.parse(defined.stdout) as { defined: Record<string, unknown>[] }).defined;
    assert.deepEqual(Object.keys(kept ?? {}), ['id', 'mechanism', 'parent', 'type', 'start', 'definition']);
    const listed = await runCli(['--emulate', 'lab', '--json', 'vgpus'], env);
    const list = JSON.parse(listed.stdout) as { schemaVersion: number; items: Record<string, unknown>[] };
    assert.equal(list.schemaVersion, 1);
    const entry = list.items.find((e) => e.id === made?.id);
    assert.ok(entry, listed.stdout);
    for (const key of Object.keys(kept ?? {})) assert.deepEqual(entry[key], kept?.[key], key);
  });
});

describe('paths', () => {
  test('an empty write-tree target or --root is refused', async () => {
    const tree = await cli('emulate', 'write-tree', '');
    assert.equal(tree.status, 2, tree.stderr);
    assert.match(tree.stderr, /^error: Cannot use the target directory "": the path is empty/);
    const root = await cli('list', '--root', '');
    assert.equal(root.status, 2, root.stderr);
    assert.match(root.stderr, /^error: Cannot use --root "": the path is empty/);
  });

  test('write-tree into a non-empty directory or onto a file is a usage error naming the path', async () => {
    const full = join(work.dir, 'full');
    await mkdir(full);
    await writeFile(join(full, 'keep'), 'x');
    const file = join(work.dir, 'a-file');
    await writeFile(file, 'x');
    const intoFull = await cli('emulate', 'write-tree', full);
    assert.equal(intoFull.status, 2, intoFull.stderr);
    assert.match(intoFull.stderr, /Cannot write an emulated tree to ".*\/full": the directory is not empty/);
    const ontoFile = await cli('emulate', 'write-tree', file);
    assert.equal(ontoFile.status, 2, ontoFile.stderr);
    assert.match(ontoFile.stderr, /Cannot write an emulated tree to ".*\/a-file": it exists and is not a directory/);
    assert.deepEqual(await readdir(full), ['keep']);
  });

  test('a system call failing on a user path reports the path and errno, not a bug', async () => {
    const file = join(work.dir, 'state-file');
    await writeFile(file, 'x');
    // An empty VGPUCTL_STATE_DIR counts as unset, so XDG_STATE_HOME decides.
    const run = await runCli(['list', '--emulate'], { XDG_STATE_HOME: file, VGPUCTL_STATE_DIR: '' });
    assert.equal(run.status, 5, run.stderr);
    assert.match(run.stderr, /^error: Cannot use emulated host state directory ".*\/state-file\/vgpuctl": .*ENOTDIR/);
    assert.doesNotMatch(run.stderr, /INTERNAL|bug in vgpuctl/);
    const under = await cli('emulate', 'write-tree', join(file, 'tree'));
    assert.equal(under.status, 2, under.stderr);
    assert.match(under.stderr, /state-file\/tree": ENOTDIR/);
    // sysfs refuses new directories (EPERM, or ENOENT where it is not mounted): a host error.
    const sys = await cli('emulate', 'write-tree', '/sys/vgpuctl-new-user-test');
    assert.equal(sys.status, 5, sys.stderr);
    assert.match(sys.stderr, /^error: Cannot mkdir "\/sys\/vgpuctl-new-user-test\/?": E[A-Z]+ \(/);
  });

  test('--root naming a file says it is not a directory', async () => {
    const file = join(work.dir, 'root-file');
    await writeFile(file, 'x');
    const run = await cli('list', '--root', file);
    assert.equal(run.status, 5, run.stderr);
    assert.match(run.stderr, /^error: Cannot read host root ".*root-file": not a directory/);
  });
});

describe('scenario files', () => {
  test('state is kept per file path, and the hint after an edit names a reset that works', async () => {
    const one = join(work.dir, 'one');
    const two = join(work.dir, 'two');
    await mkdir(one);
    await mkdir(two);
    const body = (model: string) =>
      `name = "x"\n[[gpus]]\naddress = "0000:3b:00.0"\nmodel = "${model}"\nvgpu = "mdev"\n`;
    await writeFile(join(one, 'host.toml'), body('tesla-t4'));
    await writeFile(join(two, 'host.toml'), body('tesla-t4'));
    const created = await cli('--emulate', join(one, 'host.toml'), 'create', '--type', 'T4-1B');
    assert.equal(created.status, 0, created.stderr);
    const other = await cli('--emulate', join(two, 'host.toml'), 'vgpus');
    assert.equal(
      other.stdout.trim(),
      'No vGPUs running or defined.',
      'a second file of the same name has its own state',
    );

    await writeFile(
      join(one, 'host.toml'),
      `${body('tesla-t4')}[[gpus]]\naddress = "0000:af:00.0"\nmodel = "tesla-t4"\n`,
    );
    const edited = await cli('--emulate', join(one, 'host.toml'), 'vgpus');
    assert.equal(edited.status, 5, edited.stderr);
    const hint = /hint: Run "(vgpuctl emulate reset [^"]+)"/.exec(edited.stderr)?.[1];
    assert.ok(hint, edited.stderr);
    const reset = await cli(...hint.split(' ').slice(1));
    assert.equal(reset.status, 0, reset.stderr);
    assert.match(reset.stdout, /reset to its scenario/);
    assert.equal((await cli('--emulate', join(one, 'host.toml'), 'vgpus')).status, 0);
  });

  test('emulate reset --dry-run keeps the saved state', async () => {
    assert.equal((await cli('--emulate', 'kubevirt-t4', 'create', '--type', 'T4-1B')).status, 0);
    const dry = await cli('--dry-run', 'emulate', 'reset', 'kubevirt-t4');
    assert.match(dry.stdout, /^Would reset emulated host "kubevirt-t4"/);
    const listed = await cli('--emulate', 'kubevirt-t4', 'vgpus');
    assert.match(listed.stdout, /GRID T4-1B/);
  });
});

describe('a mount server holding the host', () => {
  test('other commands say so at once, with --root MOUNT as the way in', async () => {
    const dir = join(work.dir, 'held');
    await mkdir(dir);
    // The lock a running `emulate mount` holds: its owner (this live process) and mount point.
    const lock = join(dir, 'emulate-lab.json.lock');
    await mkdir(lock);
    await writeFile(join(lock, 'owner'), `${process.pid}\n`);
    await writeFile(join(lock, 'mount'), '/mnt/lab\n');
    const run = await runCli(['vgpus', '--emulate'], { VGPUCTL_STATE_DIR: dir });
    assert.equal(run.status, 4, run.stderr);
    assert.match(run.stderr, /serves it at \/mnt\/lab/);
    assert.match(run.stderr, /hint: Use the mounted host: vgpuctl --root \/mnt\/lab/);
  });
});

describe('arguments', () => {
  test('--emulate takes the next word only when it names a scenario', async () => {
    const show = await cli('show', '--emulate', '3b:00.0');
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /^GPU 0000:3b:00\.0$/m);
    const list = await cli('--emulate', 'list');
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /emulated host "lab"/);
    const named = await cli('--emulate', 'kubevirt-t4', 'list');
    assert.match(named.stdout, /emulated host "kubevirt-t4"/);
    const big = await cli('--emulate', 'big:gpus=2', 'list', '--json');
    assert.equal(big.status, 0, big.stderr);
    assert.equal((JSON.parse(big.stdout) as { gpus: unknown[] }).gpus.length, 2);
  });

  test('contradictory flags are refused', async () => {
    const autoprobe = await cli('--emulate', 'lab', 'sriov', '0000:41:00.0', '--autoprobe', '--no-autoprobe');
    assert.equal(autoprobe.status, 2, autoprobe.stderr);
    assert.match(autoprobe.stderr, /Cannot use --autoprobe and --no-autoprobe together/);
    const select = await cli('--emulate', 'lab', '--json', 'select', '--output', 'qemu');
    assert.equal(select.status, 2, select.stderr);
    assert.match(JSON.parse(select.stderr).error.message, /Cannot use --json with --output qemu/);
  });

  test('define --force writes a type id, never a name that could not start', async () => {
    const byName = await cli(
      '--emulate',
      'lab',
      '--dry-run',
      'define',
      '--type',
      'T4-1B',
      '--gpu',
      'nvidia',
      '--force',
    );
    assert.equal(byName.status, 0, byName.stderr);
    assert.match(byName.stdout, /"mdev_type": "nvidia-222"/);
    const unknown = await cli(
      '--emulate',
      'lab',
      '--dry-run',
      'define',
      '--type',
      'A16-1B',
      '--gpu',
      'nvidia',
      '--force',
    );
    assert.equal(unknown.status, 2, unknown.stderr);
    assert.match(unknown.stderr, /Cannot define vGPUs of type "A16-1B" with --force: it is a type name/);
  });

  test('with --json, usage errors are JSON too', async () => {
    const run = await cli('--json', 'list', '--bogus');
    assert.equal(run.status, 2);
    const body = JSON.parse(run.stderr) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'USAGE');
    assert.match(body.error.message, /unknown option '--bogus'/);
  });

  test("a command's help lists the global options", async () => {
    const run = await cli('list', '--help');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Global Options:[\s\S]*--emulate \[scenario\][\s\S]*--dry-run/);
  });

  test('mount messages count requests in words that agree', () => {
    const result = { mountpoint: '/mnt/lab', scenario: 'lab', stoppedBy: 'signal' as const };
    assert.match(unmountedText({ ...result, requests: 1 }), /\(stopped; 1 request served\)/);
    assert.match(unmountedText({ ...result, requests: 2 }), /\(stopped; 2 requests served\)/);
  });
});
