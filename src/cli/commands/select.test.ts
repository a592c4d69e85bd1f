import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from '../../../test/helpers/fixtures.ts';
import { MDEV_UUID, VM_UUID } from '../../vmconfig/_test-configs.ts';

let state: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  state = await tempDir('vgpuctl-select-');
});
after(() => state.cleanup());
const cli = (...args: string[]) => runCli(args, { VGPUCTL_STATE_DIR: state.dir });
const golden = (name: string) => readFile(new URL(`../../../test/golden/vmconfig/${name}`, import.meta.url), 'utf8');
const ids = ['--vm-uuid', VM_UUID, '--vgpu-uuid', MDEV_UUID];

describe('vgpuctl select --list', () => {
  test('prints every candidate with its verdict and a count', async () => {
    const run = await cli('select', '--list', '--emulate', 'lab');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^ *#\s+MODE\s+DEVICE\s+CANDIDATE\s+VERDICT$/m);
    assert.match(
      run.stdout,
      /^ *0\s+passthrough\s+0000:01:00\.0\s+NVIDIA GeForce RTX 4070 with 0000:01:00\.1\s+available$/m,
    );
    assert.match(
      run.stdout,
      /passthrough\s+0000:00:02\.0\s+Intel UHD Graphics 630\s+unavailable: 0000:00:02\.0 is the boot VGA device/,
    );
    assert.match(run.stdout, /sriov\s+0000:41:00\.0 .* unavailable: its VFs carry NVIDIA vGPUs/);
    assert.match(run.stdout, /software\s+-\s+virtio-vga, 2D \(no host GPU needed\)\s+available$/m);
    assert.match(run.stdout, /^26 of 34 candidates available on emulated host "lab"\.$/m);
  });

  test('--list --gpu-mode sriov --json gives the candidates of one mode as data', async () => {
    const run = await cli('select', '--list', '--gpu-mode', 'sriov', '--emulate', 'lab', '--json');
    assert.equal(run.status, 0, run.stderr);
    const { candidates } = JSON.parse(run.stdout) as { candidates: { mode: string; available: boolean }[] };
    assert.equal(candidates.length, 5);
    assert.ok(candidates.every((c) => c.mode === 'sriov' && !c.available));
  });

  test('--gpu-mode wgpu is the software mode', async () => {
    const run = await cli('select', '--list', '--gpu-mode', 'wgpu', '--emulate', 'lab', '--json');
    assert.equal(run.status, 0, run.stderr);
    const { candidates } = JSON.parse(run.stdout) as { candidates: { mode: string; available: boolean }[] };
    assert.ok(candidates.length > 0);
    assert.ok(candidates.every((c) => c.mode === 'software'));
  });
});

describe('vgpuctl select --output prints only the configuration, as the golden files have it', () => {
  const cases: [string, string[], string][] = [
    ['auto-selection as QEMU arguments', [], 'passthrough.qemu.sh'],
    ['auto-selection as a libvirt domain', [], 'passthrough.libvirt.xml'],
    ['mdev as QEMU arguments, with -uuid', ['--gpu-mode', 'mdev'], 'mdev-nvidia.qemu.sh'],
    ['mdev as KubeVirt YAML', ['--gpu-mode', 'mdev'], 'mdev-nvidia.kubevirt.yaml'],
    ['mdev as cloud-hypervisor arguments', ['--gpu-mode', 'mdev'], 'mdev-nvidia.cloud-hypervisor.sh'],
    ['mdev as a libvirt fragment', ['--mdev-type', 'GRID T4-1B'], 'mdev-nvidia.libvirt-fragment.xml'],
    ['software as a complete QEMU command line', ['--gpu-mode', 'software'], 'software-2d.qemu-full.sh'],
  ];
  for (const [name, args, file] of cases) {
    test(`${name} (${file})`, async () => {
      const format = file.replace(/^[^.]+\./, '').replace(/\.[^.]+$/, '');
      const run = await cli('select', '--emulate', 'lab', ...args, ...ids, '--output', format);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout, await golden(file));
      assert.equal(run.stderr, '');
    });
  }
});

describe('vgpuctl select without --apply plans, with --apply initializes', () => {
  test('the summary shows the fallback, the plan and the QEMU arguments; nothing changes', async () => {
    const run = await cli('select', '--emulate', 'lab', '--prefer', 'sriov', ...ids);
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /^Selected #10 mdev \(priority 2\): GRID T4-1B on NVIDIA Tesla T4 — fallback: the preferred mode was not available$/m,
    );
    assert.match(run.stdout, /^ {2}passed over sriov: 0000:41:00\.0: its VFs carry NVIDIA vGPUs/m);
    assert.match(run.stdout, /^Plan \(nothing changed; run again with --apply to do it\):$/m);
    assert.match(
      run.stdout,
      new RegExp(
        `printf '%s' ${MDEV_UUID} > /sys/class/mdev_bus/0000:3b:00\\.0/mdev_supported_types/nvidia-222/create`,
      ),
    );
    assert.match(
      run.stdout,
      new RegExp(`^QEMU: +-uuid ${VM_UUID} .*sysfsdev=/sys/bus/mdev/devices/${MDEV_UUID},display=on,ramfb=on`, 'm'),
    );
    const list = await cli('list', '--emulate', 'lab', '--json');
    assert.doesNotMatch(list.stdout, new RegExp(MDEV_UUID));
  });

  test('--apply creates the vGPU (kept in the emulated host) and says how to release it', async () => {
    const scenario = join(state.dir, 'apply.toml');
    await writeFile(
      scenario,
      'name = "apply"\n[[gpus]]\naddress = "0000:3b:00.0"\nmodel = "tesla-t4"\nvgpu = "mdev"\n',
    );
    const run = await cli('select', '--emulate', scenario, '--gpu-mode', 'mdev', '--apply', ...ids);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Initialized\. To release it:$/m);
    assert.match(run.stdout, new RegExp(`^ {2}vgpuctl remove ${MDEV_UUID}$`, 'm'));
    const list = await cli('list', '--emulate', scenario, '--json');
    assert.match(list.stdout, new RegExp(`"uuid": "${MDEV_UUID}"`));
  });

  test('--apply with --dry-run changes nothing', async () => {
    const scenario = join(state.dir, 'dry.toml');
    await writeFile(scenario, 'name = "dry"\n[[gpus]]\naddress = "0000:3b:00.0"\nmodel = "tesla-t4"\nvgpu = "mdev"\n');
    const run = await cli('select', '--emulate', scenario, '--gpu-mode', 'mdev', '--apply', '--dry-run', ...ids);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Plan \(nothing changed/m);
    assert.doesNotMatch((await cli('list', '--emulate', scenario, '--json')).stdout, new RegExp(MDEV_UUID));
  });

  test('--json (and --output json) give the selection as data', async () => {
    for (const flags of [['--json'], ['--output', 'json']]) {
      const run = await cli('select', '--emulate', 'lab', '--gpu-mode', 'software', ...ids, ...flags);
      assert.equal(run.status, 0, run.stderr);
      const data = JSON.parse(run.stdout) as {
        selected: { mode: string };
        applied: boolean;
        qemuArgs: string[];
        vm: { vmUuid: string };
      };
      assert.equal(data.selected.mode, 'software');
      assert.equal(data.applied, false);
      assert.deepEqual(data.qemuArgs, ['-device', 'virtio-vga,max_hostmem=256M,id=vgpuctl-gpu0']);
      assert.equal(data.vm.vmUuid, VM_UUID);
    }
  });
});

describe('vgpuctl select on a host with no GPU', () => {
  test('chooses the software GPU and lists why every other mode is unavailable', async () => {
    const scenario = join(state.dir, 'bare.toml');
    await writeFile(scenario, 'name = "bare"\n');
    const run = await cli('select', '--emulate', scenario, ...ids);
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /^Selected #3 software \(priority 1\): virtio-vga, 2D \(no host GPU needed\) — the best available candidate$/m,
    );
    assert.match(run.stdout, /^ {2}passed over passthrough: no GPU on this host/m);
    assert.match(run.stdout, /^ {2}passed over sriov: no SR-IOV capable GPU/m);
    assert.match(run.stdout, /^ {2}passed over mdev: no GPU or mdev parent on this host offers vGPU types$/m);
    assert.match(run.stdout, /^Nothing on the host needs changing\.$/m);
  });
});

describe('bad input: one clear error, a hint with the alternatives, a fixed exit status', () => {
  const cases: [string, string[], number, RegExp, RegExp][] = [
    [
      'an unknown mode',
      ['--gpu-mode', 'gvt'],
      2,
      /^error: Cannot use GPU mode "gvt": it is not one of auto, passthrough, sriov, mdev, software$/m,
      /^hint: Modes: passthrough \(/m,
    ],
    [
      'an unknown preferred mode',
      ['--prefer', 'gpu'],
      2,
      /^error: Cannot use GPU mode "gpu": it is not one of passthrough, sriov, mdev, software$/m,
      /^hint: /m,
    ],
    [
      'a device that cannot serve the forced mode',
      ['--gpu-mode', 'sriov', '--gpu-device', '01:00.0'],
      6,
      /^error: Cannot select a GPU in mode "sriov" on "01:00.0": 0000:01:00\.0: it is not SR-IOV capable/m,
      /^hint: Available instead: #0 passthrough NVIDIA GeForce RTX 4070 with 0000:01:00\.1, #10 mdev GRID T4-1B on NVIDIA Tesla T4, #33 software virtio-vga/m,
    ],
    [
      '--no-fallback with nothing available in the preferred mode',
      ['--prefer', 'sriov', '--no-fallback'],
      6,
      /^error: Cannot select a GPU in mode "sriov": 0000:41:00\.0: its VFs carry NVIDIA vGPUs/m,
      /^hint: Available instead: #0 passthrough/m,
    ],
    [
      '--no-fallback without --prefer',
      ['--no-fallback'],
      2,
      /^error: Cannot use --no-fallback without --prefer/m,
      /^hint: Add --prefer MODE/m,
    ],
    [
      'an unknown device',
      ['--gpu-device', '0000:99:00.0'],
      3,
      /^error: Cannot select GPU "0000:99:00\.0": no GPU, VF, mdev parent or render node/m,
      /^hint: Devices on this host: /m,
    ],
    [
      'an unknown vGPU type',
      ['--mdev-type', 'T4-3Q'],
      3,
      /^error: Cannot select vGPU type "T4-3Q": no GPU on this host offers it$/m,
      /^hint: Types on this host: GRID T4-1B, /m,
    ],
    [
      'an unavailable index',
      ['--index', '4'],
      6,
      /^error: Cannot select candidate #4 passthrough Intel UHD Graphics 630: .*boot VGA/m,
      /^hint: Available instead: /m,
    ],
    ['a bad VM UUID', ['--vm-uuid', 'nope'], 2, /^error: Cannot use UUID "nope"/m, /^hint: /m],
    ['a bad VM name', ['--vm-name', '../etc'], 2, /^error: Cannot use VM name "\.\.\/etc"/m, /^hint: /m],
    [
      'a bad --vram',
      ['--gpu-mode', 'software', '--vram', 'lots'],
      2,
      /^error: Cannot use --vram "lots": expected a whole number/m,
      /^hint: /m,
    ],
  ];
  for (const [name, args, status, message, hint] of cases) {
    test(name, async () => {
      const run = await cli('select', '--emulate', 'lab', ...args);
      assert.equal(run.status, status, run.stderr);
      assert.match(run.stderr, message);
      assert.match(run.stderr, hint);
      assert.equal(run.stdout, '');
    });
  }
});

describe('select refuses a vGPU type with the capacity planner’s words', () => {
  test('an L40S profile before VFs are enabled: the rule and the change that plan names', async () => {
    const select = await cli('--emulate', 'lab', '--json', 'select', '--gpu-mode', 'mdev', '--mdev-type', 'L40S-4Q');
    assert.equal(select.status, 3, select.stderr);
    const { error } = JSON.parse(select.stderr) as {
      error: { code: string; hint: string; details: { rules: string[] } };
    };
    const plan = await cli('--emulate', 'lab', '--json', 'plan', '--want', 'L40S-4Q:1');
    assert.equal(plan.status, 4, plan.stderr);
    const unplaced = (
      JSON.parse(plan.stdout) as {
        unplaced: { reasons: { rule: string }[]; suggestions: { command: string }[] }[];
      }
    ).unplaced[0];
    assert.ok(unplaced !== undefined);
    assert.deepEqual(
      error.details.rules,
      unplaced.reasons.map((r) => r.rule),
    );
    assert.ok(error.hint.includes(unplaced.suggestions[0]?.command ?? 'no suggestion'), error.hint);
  });
});
