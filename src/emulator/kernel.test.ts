import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmulatedKernel } from './kernel.ts';
import { KernelErrno } from './kernfs/errno-error.ts';
import type { Node } from './kernfs/nodes.ts';
import { resolveScenario } from './scenario/load.ts';
import { Scenario } from './scenario/schema.ts';

const lab = (): EmulatedKernel => EmulatedKernel.boot(resolveScenario({ name: 'lab' }));
const text = (k: EmulatedKernel, path: string): string => k.read(path).toString();

/** Every path with its kind and inode number, in tree order. */
function listing(node: Node, path = ''): string[] {
  const here = `${path || '/'} ${node.kind} ${node.ino}`;
  if (node.kind !== 'dir') return [here];
  return [here, ...[...node.children.values()].flatMap((c) => listing(c, `${path}/${c.name}`))];
}

describe('EmulatedKernel.boot(lab)', () => {
  test('creates every function with its driver, behind its root port', () => {
    const k = lab();
    const drivers = Object.fromEntries([...k.pci.devices.values()].map((d) => [d.address, d.driver?.name]));
    assert.deepEqual(drivers, {
      '0000:00:01.0': 'pcieport',
      '0000:00:02.0': 'i915',
      '0000:01:00.0': 'nvidia',
      '0000:01:00.1': 'snd_hda_intel',
      '0000:3a:01.0': 'pcieport',
      '0000:3b:00.0': 'nvidia',
      '0000:40:01.0': 'pcieport',
      '0000:41:00.0': 'nvidia',
      '0000:80:01.0': 'pcieport',
      '0000:81:00.0': 'nvidia',
      '0000:81:00.1': 'snd_hda_intel',
    });
    assert.equal(
      k.tree.realpath('/sys/bus/pci/devices/0000:3b:00.0'),
      '/sys/devices/pci0000:3a/0000:3a:01.0/0000:3b:00.0',
    );
    assert.equal(text(k, '/sys/bus/pci/devices/0000:00:02.0/boot_vga'), '1\n');
    assert.equal(k.tree.find('/sys/bus/pci/devices/0000:3b:00.0/boot_vga'), undefined, 'only VGA class has boot_vga');
    assert.equal(text(k, '/sys/bus/pci/devices/0000:81:00.0/numa_node'), '1\n');
    assert.equal(text(k, '/sys/bus/pci/devices/0000:3b:00.0/current_link_speed'), '8.0 GT/s PCIe\n');
    assert.equal(text(k, '/sys/bus/pci/devices/0000:3a:01.0/secondary_bus_number'), '59\n');
  });

  test('the RTX 4070 and its audio function share one IOMMU group', () => {
    const k = lab();
    const gpu = k.tree.realpath('/sys/bus/pci/devices/0000:01:00.0/iommu_group');
    assert.equal(gpu, k.tree.realpath('/sys/bus/pci/devices/0000:01:00.1/iommu_group'));
    assert.deepEqual([...k.tree.dir(`${gpu}/devices`).children.keys()].sort(), ['0000:01:00.0', '0000:01:00.1']);
  });

  test('host facts: cmdline, osrelease, modules, /dev nodes and filesystem types', () => {
    const k = lab();
    assert.match(text(k, '/proc/cmdline'), / intel_iommu=on iommu=pt\n$/);
    assert.equal(text(k, '/proc/sys/kernel/osrelease'), '6.8.0-vgpuctl\n');
    for (const module of [
      'vfio',
      'vfio_pci',
      'vfio_iommu_type1',
      'kvm',
      'kvm_intel',
      'nvidia',
      'i915',
      'snd_hda_intel',
    ]) {
      assert.ok(k.tree.find(`/sys/module/${module}`), module);
    }
    const kvm = k.tree.lookup('/dev/kvm');
    assert.ok(kvm.kind === 'chardev' && kvm.major === 10 && kvm.minor === 232);
    const vfio = k.tree.lookup('/dev/vfio/vfio');
    assert.ok(vfio.kind === 'chardev' && vfio.major === 10 && vfio.minor === 196);
    assert.ok(k.tree.find('/sys/class/iommu/dmar0'));
    const fsType = (p: string): string => k.tree.dir(p).fsType;
    assert.deepEqual(['/sys', '/proc', '/dev', '/etc', '/run', '/tmp'].map(fsType), [
      'sysfs',
      'procfs',
      'devtmpfs',
      'tmpfs',
      'tmpfs',
      'tmpfs',
    ]);
  });

  test('booting is deterministic: same paths, kinds and inode numbers', () => {
    assert.deepEqual(listing(lab().tree.root), listing(lab().tree.root));
  });

  test('nvidia-smi runs when the scenario has NVIDIA GPUs and is absent otherwise', () => {
    assert.equal(lab().exec('nvidia-smi', ['-q', '-x'])?.status, 0);
    assert.equal(lab().exec('/usr/bin/nvidia-smi', ['-q', '-x'])?.status, 0);
    assert.equal(EmulatedKernel.boot(resolveScenario({ name: 'samples' })).exec('nvidia-smi', []), undefined);
    assert.equal(lab().exec('lspci', []), undefined);
  });
});

describe('EmulatedKernel API', () => {
  test('onWrite sees accepted writes only', () => {
    const k = lab();
    const seen: string[] = [];
    k.onWrite((path, data) => seen.push(`${path}=${data.toString()}`));
    k.write('/sys/bus/pci/devices/0000:41:00.0/driver_override', 'vfio-pci\n');
    assert.throws(() => k.write('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs', '99\n'), KernelErrno);
    assert.deepEqual(seen, ['/sys/bus/pci/devices/0000:41:00.0/driver_override=vfio-pci\n']);
  });

  test('injectFault fails the (n+1)-th matching write with the errno and changes nothing', () => {
    const k = lab();
    const path = '/sys/bus/pci/devices/0000:41:00.0/driver_override';
    k.injectFault({ afterWrites: 1, errno: 'EIO', pathIncludes: 'driver_override' });
    k.write('/sys/bus/pci/drivers_autoprobe', '1');
    k.write(path, 'a\n');
    assert.throws(
      () => k.write(path, 'b\n'),
      (e: unknown) => e instanceof KernelErrno && e.errno === 'EIO',
    );
    assert.equal(text(k, path), 'a\n');
    k.write(path, 'c\n');
    assert.equal(text(k, path), 'c\n');
  });

  test('pre-created VFs, vendor vGPUs and mdevs are made through sysfs at boot', () => {
    const scenario = Scenario.parse({
      name: 'pre',
      gpus: [
        {
          address: '0000:41:00.0',
          model: 'l40s',
          vgpu: 'vendor-vfio',
          sriovNumVfs: 2,
          vendorVgpus: [{ vf: 1, typeId: 1145 }],
        },
        {
          address: '0000:3b:00.0',
          model: 'tesla-t4',
          vgpu: 'mdev',
          mdevs: [{ uuid: '2d3f1a4e-0b5c-4f6e-9a7b-8c9d0e1f2a3b', type: 'nvidia-222' }],
        },
      ],
    });
    const k = EmulatedKernel.boot(scenario);
    assert.equal(text(k, '/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs'), '2\n');
    assert.equal(text(k, '/sys/bus/pci/devices/0000:41:00.5/nvidia/current_vgpu_type').trim(), '1145');
    assert.ok(k.tree.find('/sys/bus/mdev/devices/2d3f1a4e-0b5c-4f6e-9a7b-8c9d0e1f2a3b'));
  });

  test('setGroupInUse of an unknown group fails with ENOENT', () => {
    assert.throws(
      () => lab().setGroupInUse(999, true),
      (e: unknown) => e instanceof KernelErrno && e.errno === 'ENOENT',
    );
  });

  test('an unknown driver in a scenario is SCENARIO_INVALID', () => {
    const scenario = Scenario.parse({
      name: 'x',
      gpus: [{ address: '0000:3b:00.0', model: 'tesla-t4', driver: 'nouveau' }],
    });
    assert.throws(() => EmulatedKernel.boot(scenario), /unknown driver "nouveau"/);
  });
});
