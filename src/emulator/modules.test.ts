import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmulatedKernel } from './kernel.ts';
import { resolveScenario } from './scenario/load.ts';

function modules(scenario: string): Map<string, string[]> {
  const kernel = EmulatedKernel.boot(resolveScenario({ name: scenario }));
  const text = kernel.read('/proc/modules').toString();
  return new Map(
    text
      .trim()
      .split('\n')
      .map((line) => [line.split(' ')[0] as string, line.split(' ')]),
  );
}

describe('/proc/modules and /sys/module', () => {
  test('lab lists the modules its drivers imply, with the kernel line format', () => {
    const lab = modules('lab');
    for (const name of [
      'nvidia',
      'nvidia_vgpu_vfio',
      'vfio_pci',
      'vfio_pci_core',
      'vfio',
      'mdev',
      'i915',
      'kvmgt',
      'kvm',
    ]) {
      assert.ok(lab.has(name), `${name} in ${[...lab.keys()].join(' ')}`);
    }
    assert.ok(!lab.has('fake_nvidia_vgpu') && !lab.has('mtty'));
    const [, size, refcnt, usedBy, live, address, taint] = lab.get('nvidia') as string[];
    assert.match(size ?? '', /^\d+$/);
    assert.equal(refcnt, '1');
    assert.equal(usedBy, 'nvidia_vgpu_vfio,');
    assert.equal(live, 'Live');
    assert.equal(address, '0x0000000000000000');
    assert.equal(taint, '(POE)');
    assert.equal(lab.get('nvidia_vgpu_vfio')?.[3], '-');
  });

  test('kubevirt-t4 lists fake_nvidia_vgpu, samples the mdev samples, each using mdev and vfio', () => {
    const kubevirt = modules('kubevirt-t4');
    assert.ok(kubevirt.has('fake_nvidia_vgpu'));
    assert.match(kubevirt.get('mdev')?.[3] ?? '', /(^|,)fake_nvidia_vgpu,/);
    const samples = modules('samples');
    for (const name of ['mtty', 'mdpy', 'mbochs']) assert.ok(samples.has(name), name);
    assert.ok(!samples.has('nvidia'));
  });

  test('/sys/module/<name> has what lsmod reads: coresize, refcnt and holders links', () => {
    const kernel = EmulatedKernel.boot(resolveScenario({ name: 'lab' }));
    assert.equal(kernel.read('/sys/module/mdev/initstate').toString(), 'live\n');
    assert.match(kernel.read('/sys/module/vfio/coresize').toString(), /^\d+\n$/);
    const holders = kernel.tree.dir('/sys/module/vfio/holders');
    assert.deepEqual([...holders.children.keys()].sort(), [
      'kvmgt',
      'nvidia_vgpu_vfio',
      'vfio_iommu_type1',
      'vfio_pci',
      'vfio_pci_core',
    ]);
    assert.equal(kernel.read('/sys/module/vfio/refcnt').toString(), '5\n');
    assert.equal(kernel.tree.realpath('/sys/module/vfio/holders/vfio_pci'), '/sys/module/vfio_pci');
  });
});
