import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from '../../../test/helpers/fixtures.ts';

let state: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  state = await tempDir('vgpuctl-bind-');
});
after(() => state.cleanup());
const cli = (...args: string[]) => runCli([...args, '--emulate', 'lab'], { VGPUCTL_STATE_DIR: state.dir });

/** Driver of each device of group 2, from `vgpuctl groups 2 --json`. */
async function group2(): Promise<string[]> {
  const run = await cli('groups', '2', '--json');
  assert.equal(run.status, 0, run.stderr);
  const data = JSON.parse(run.stdout) as { groups: { devices: { address: string; driver: string | null }[] }[] };
  return data.groups[0]?.devices.map((d) => `${d.address}=${d.driver}`) ?? [];
}

describe('vgpuctl bind / unbind on the emulated lab (state kept between invocations)', () => {
  test('--dry-run prints the exact writes and changes nothing', async () => {
    const run = await cli('bind', '01:00.0', '--dry-run');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^# bind IOMMU group 2 of "0000:01:00\.0" to vfio-pci$/m);
    assert.match(run.stdout, /^printf '%s' vfio-pci > \/sys\/bus\/pci\/devices\/0000:01:00\.1\/driver_override$/m);
    assert.match(run.stdout, /^printf '%s' 0000:01:00\.1 > \/sys\/bus\/pci\/drivers_probe$/m);
    assert.deepEqual(await group2(), ['0000:01:00.0=nvidia', '0000:01:00.1=snd_hda_intel']);
  });

  test('bind moves the GPU and its audio function, and says how to undo it', async () => {
    const run = await cli('bind', '0000:01:00.0');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Bound IOMMU group 2 to vfio-pci:$/m);
    assert.match(run.stdout, /0000:01:00\.1 +snd_hda_intel +vfio-pci/);
    assert.match(run.stdout, /^VFIO group node: \/dev\/vfio\/2$/m);
    assert.match(run.stdout, /^Undo with: vgpuctl unbind 0000:01:00\.0$/m);
    assert.deepEqual(await group2(), ['0000:01:00.0=vfio-pci', '0000:01:00.1=vfio-pci']);
  });

  test('restore (unbind) by the audio function returns nvidia and snd_hda_intel', async () => {
    const run = await cli('restore', '01:00.1', '--json');
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { operation: string; changed: boolean; devices: unknown[] };
    assert.equal(result.operation, 'unbind');
    assert.equal(result.changed, true);
    assert.deepEqual(result.devices, [
      {
        address: '0000:01:00.0',
        name: 'NVIDIA Corporation AD104 [GeForce RTX 4070]',
        before: 'vfio-pci',
        after: 'nvidia',
      },
      { address: '0000:01:00.1', name: 'NVIDIA Corporation Device 22bc', before: 'vfio-pci', after: 'snd_hda_intel' },
    ]);
    assert.deepEqual(await group2(), ['0000:01:00.0=nvidia', '0000:01:00.1=snd_hda_intel']);
  });

  test('bad input gives a clear error and a fixed exit status, and changes nothing', async () => {
    const cases: [string[], number, RegExp][] = [
      [
        ['bind', '0000:00:02.0'],
        4,
        /^error: Cannot bind "0000:00:02\.0" to vfio-pci: 0000:00:02\.0 is the boot VGA device/,
      ],
      [['bind', '0000:01:00.1'], 2, /^error: Cannot bind "0000:01:00\.1" to vfio-pci: it is not a GPU \(Audio device/],
      [
        ['bind', '0000:99:00.0'],
        3,
        /^error: Cannot bind "0000:99:00\.0" to vfio-pci: no such PCI device on emulated host "lab"/,
      ],
      [
        ['bind', '01:00.0', '--driver', 'vfio_pcii'],
        3,
        /^error: Cannot bind "0000:01:00\.0" to driver "vfio_pcii": no such driver/,
      ],
      [
        ['bind', '01:00.0', '--driver', '../../../../etc'],
        2,
        /^error: Cannot bind "0000:01:00\.0" to driver "\.\.\/\.\.\/\.\.\/\.\.\/etc": not a driver name/,
      ],
      [
        ['sriov', '41:00.0', '--vfs', '33'],
        2,
        /^error: Cannot enable 33 VFs on "0000:41:00\.0": it supports at most 32 VFs/,
      ],
      [
        ['sriov', '41:00.0', '--vfs=-2'],
        2,
        /^error: Cannot set the VF count of "0000:41:00\.0" to "-2": it must be a whole number/,
      ],
      [
        ['sriov', '01:00.0', '--vfs', '2'],
        6,
        /^error: Cannot enable 2 VFs on "0000:01:00\.0": it has no SR-IOV capability/,
      ],
    ];
    for (const [args, status, pattern] of cases) {
      const run = await cli(...args);
      assert.equal(run.status, status, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, pattern, args.join(' '));
      assert.match(run.stderr, /^hint: /m);
      assert.equal(run.stdout, '');
    }
    assert.deepEqual(await group2(), ['0000:01:00.0=nvidia', '0000:01:00.1=snd_hda_intel']);
    const sriov = await cli('sriov', '41:00.0', '--json');
    assert.equal((JSON.parse(sriov.stdout) as { numVfs: number }).numVfs, 0);
  });
});

describe('vgpuctl sriov on the emulated lab', () => {
  test('creates VFs and lists them, refuses a change between non-zero counts, and removes them', async () => {
    const created = await cli('sriov', '41:00.0', '--vfs', '4');
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /^Enabled 4 of 32 VFs on 0000:41:00\.0\. PF driver: nvidia\./);
    assert.match(created.stdout, /^virtfn3 +0000:41:00\.7 +nvidia +\d+ +none \(29 types creatable\)$/m);
    assert.match(created.stdout, /^Next: give a VF a vGPU type/m);

    const refused = await cli('sriov', '41:00.0', '--vfs', '8');
    assert.equal(refused.status, 4);
    assert.match(
      refused.stderr,
      /4 VFs are enabled, and the kernel changes a non-zero count only through 0 \(EBUSY\)\nhint: Disable them first with "vgpuctl sriov 0000:41:00\.0 --vfs 0", then set --vfs 8/,
    );

    const removed = await cli('sriov', '41:00.0', '--vfs', '0');
    assert.equal(removed.status, 0, removed.stderr);
    assert.match(removed.stdout, /^Disabled the 4 VFs of 0000:41:00\.0\./);
  });
});
