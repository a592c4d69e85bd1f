import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from '../../test/helpers/fixtures.ts';
import { Inventory } from '../discovery/inventory.ts';

let state: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  state = await tempDir('vgpuctl-cli-');
});
after(() => state.cleanup());
const cli = (...args: string[]) => runCli(args, { VGPUCTL_STATE_DIR: state.dir });

describe('vgpuctl list', () => {
  test('prints a table of the lab GPUs and the host line', async () => {
    const run = await cli('list', '--emulate', 'lab');
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.split('\n');
    assert.match(lines[0] ?? '', /^ADDRESS\s+GPU\s+DRIVER\s+VRAM\s+IOMMU\s+VIRTUALIZATION$/);
    assert.match(run.stdout, /0000:3b:00\.0\s+NVIDIA Tesla T4\s+nvidia/);
    assert.match(run.stdout, /0000:00:02\.0\s+Intel UHD Graphics 630 \(boot VGA\)\s+i915/);
    assert.match(run.stdout, /10 GiB \(8 GiB \+ 2 GiB virtual\)/);
    assert.match(run.stdout, /Host: emulated host "lab" · kernel \S+ · IOMMU on \(intel, \d+ groups\)/);
  });

  test('--json prints an inventory that validates against the schema', async () => {
    const run = await cli('list', '--json', '--emulate');
    assert.equal(run.status, 0, run.stderr);
    const inventory = Inventory.parse(JSON.parse(run.stdout));
    assert.equal(inventory.gpus.length, 5);
  });

  test('lists the virtual mdev parent of kubevirt-t4', async () => {
    const run = await cli('list', '--emulate', 'kubevirt-t4');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /No GPUs found/);
    assert.match(run.stdout, /nvidia\s+GRID T4-1B, GRID T4-2B/);
  });
});

describe('vgpuctl show', () => {
  test('shows one GPU by short address with its mdev types', async () => {
    const run = await cli('show', '3b:00.0', '--emulate');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^GPU 0000:3b:00\.0$/m);
    assert.match(run.stdout, /nvidia-222\s+GRID T4-1B\s+1 GiB\s+\d+\s+\d+x\d+\s+16\s+vfio-pci/);
  });

  test('shows the IOMMU group members of the RTX 4070', async () => {
    const run = await cli('show', '0000:01:00.0', '--emulate');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /0000:01:00\.1\s+0x040300\s+snd_hda_intel\s+endpoint/);
  });
});

describe('bad input gives one clear error line, a hint and a fixed exit status', () => {
  const cases: [string, string[], number, RegExp][] = [
    [
      'an unknown scenario',
      ['list', '--emulate=nope'],
      3,
      /^error: Cannot load scenario "nope": no built-in scenario of that name/,
    ],
    ['a malformed address', ['show', 'zz:00.0', '--emulate'], 2, /^error: Cannot parse PCI address "zz:00\.0"/],
    ['an address with device > 0x1f', ['show', '0000:3b:20.0', '--emulate'], 2, /^error: Cannot parse PCI address/],
    [
      'an absent address',
      ['show', '0000:99:00.0', '--emulate'],
      3,
      /^error: Cannot show GPU "0000:99:00\.0": no such PCI device/,
    ],
    [
      'an address that is not a GPU',
      ['show', '0000:01:00.1', '--emulate'],
      2,
      /^error: Cannot show GPU "0000:01:00\.1": it is not a display controller/,
    ],
    [
      'a root that does not exist',
      ['list', '--root', '/nonexistent/vgpuctl'],
      5,
      /^error: Cannot read host root "\/nonexistent\/vgpuctl": no such directory/,
    ],
    [
      'a root without /sys',
      ['list', '--root', '/usr/share'],
      5,
      /^error: Cannot read host the tree at \/usr\/share: it has no \/sys directory/,
    ],
    ['--root with --emulate', ['list', '--root', '/', '--emulate'], 2, /^error: Cannot combine --root and --emulate/],
    [
      'a missing scenario file',
      ['list', '--emulate', './missing.toml'],
      2,
      /^error: Cannot load scenario "\.\/missing\.toml": no such file/,
    ],
  ];
  for (const [name, args, status, message] of cases) {
    test(name, async () => {
      const run = await cli(...args);
      assert.equal(run.status, status, run.stderr);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /^hint: /m);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace without --debug');
      assert.equal(run.stdout, '');
    });
  }

  test('a malformed scenario file names the line', async () => {
    const file = join(state.dir, 'broken.toml');
    await writeFile(file, 'name = "broken"\n[[gpus]]\naddress = "0000:3b:00.0"\nmodel = \n');
    const run = await cli('list', '--emulate', file);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^error: Cannot load scenario ".*broken\.toml": line 4/);
  });

  test('a scenario file with an unknown model is refused', async () => {
    const file = join(state.dir, 'unknown-model.toml');
    await writeFile(file, 'name = "x"\n[[gpus]]\naddress = "0000:3b:00.0"\nmodel = "geforce-9999"\n');
    const run = await cli('list', '--emulate', file);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /geforce-9999/);
  });

  test('--json prints errors as data', async () => {
    const run = await cli('show', '0000:99:00.0', '--emulate', '--json');
    assert.equal(run.status, 3);
    const body = JSON.parse(run.stderr) as { error: { code: string; message: string; hint: string } };
    assert.equal(body.error.code, 'DEVICE_NOT_FOUND');
  });

  test('--debug adds the stack trace', async () => {
    const run = await cli('show', 'zz', '--emulate', '--debug');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /\n\s+at /);
  });

  test('an unknown command is a usage error', async () => {
    const run = await cli('frobnicate');
    assert.equal(run.status, 2);
  });

  test('a sys tree with an unreadable attribute still lists what it can', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(join(dir, 'sys/bus/pci/devices'), { recursive: true });
      const run = await cli('list', '--root', dir);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /No GPUs found on the tree at/);
    } finally {
      await cleanup();
    }
  });
});

describe('vgpuctl emulate', () => {
  test('scenarios lists the built-ins with lab as the default', async () => {
    const run = await cli('emulate', 'scenarios');
    assert.equal(run.status, 0, run.stderr);
    for (const name of ['lab', 'kubevirt-t4', 'samples', 'big'])
      assert.match(run.stdout, new RegExp(`^${name}\\s`, 'm'));
    assert.match(run.stdout, /\(default\)/);
  });

  test('write-tree writes a tree that --root reads', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const written = await cli('emulate', 'write-tree', dir, '--scenario', 'lab');
      assert.equal(written.status, 0, written.stderr);
      const run = await cli('list', '--root', dir, '--json');
      assert.equal(run.status, 0, run.stderr);
      assert.equal(Inventory.parse(JSON.parse(run.stdout)).gpus.length, 5);
    } finally {
      await cleanup();
    }
  });
});
