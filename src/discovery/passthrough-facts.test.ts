import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { bootHost, inventoryOf } from '../ops/passthrough/_test-lab.ts';
import { OverlayHost } from '../ops/passthrough/_test-overlay-host.ts';
import type { Inventory } from './inventory.ts';
import { readVirtFacts } from './virt-facts.ts';

describe('discover(): IOMMU groups, device users and PCI drivers of the lab host', () => {
  let lab: Inventory;
  before(async () => {
    lab = await inventoryOf(bootHost().host);
  });

  test('lists every IOMMU group, bridges included', () => {
    assert.deepEqual(
      lab.iommuGroups?.map((g) => [g.id, g.devices.map((d) => d.address)]),
      [
        [0, ['0000:00:01.0']],
        [1, ['0000:00:02.0']],
        [2, ['0000:01:00.0', '0000:01:00.1']],
        [3, ['0000:3a:01.0']],
        [4, ['0000:3b:00.0']],
        [5, ['0000:40:01.0']],
        [6, ['0000:41:00.0']],
        [7, ['0000:80:01.0']],
        [8, ['0000:81:00.0', '0000:81:00.1']],
      ],
    );
  });

  test('describes each member: class, driver, bridge, boot VGA', () => {
    const pick = (id: number) =>
      lab.iommuGroups
        ?.find((g) => g.id === id)
        ?.devices.map((d) => [d.address, d.className, d.driver, d.bridge, d.bootVga]);
    assert.deepEqual(pick(0), [['0000:00:01.0', 'PCI bridge', 'pcieport', true, false]]);
    assert.deepEqual(pick(1), [['0000:00:02.0', 'VGA compatible controller', 'i915', false, true]]);
    assert.deepEqual(pick(2), [
      ['0000:01:00.0', 'VGA compatible controller', 'nvidia', false, false],
      ['0000:01:00.1', 'Audio device', 'snd_hda_intel', false, false],
    ]);
  });

  test('lists the PCI drivers and finds no device users on a host without processes', () => {
    assert.deepEqual(lab.pciDrivers, ['i915', 'nvidia', 'pci-stub', 'pcieport', 'snd_hda_intel', 'vfio-pci']);
    assert.deepEqual(lab.deviceUsers, []);
  });

  test('marks VFs with their PF and vendor-VFIO VFs as VFIO devices', async () => {
    const { kernel, host } = bootHost();
    kernel.write('/sys/bus/pci/devices/0000:41:00.0/sriov_numvfs', '1');
    const vf = (await inventoryOf(host)).iommuGroups
      ?.flatMap((g) => g.devices)
      .find((d) => d.address === '0000:41:00.4');
    assert.equal(vf?.physfn, '0000:41:00.0');
    assert.equal(vf?.vfioDevice, true);
  });
});

describe('discover(): device users from /proc/<pid>/fd', () => {
  test('resolves NVIDIA minors, DRM cards and VFIO nodes to devices and groups, and ignores other fds', async () => {
    const { host } = bootHost();
    const overlay = new OverlayHost(host, {
      files: {
        '/proc/812/comm': 'nvidia-persiste\n',
        '/proc/900/comm': 'Xorg\n',
        '/proc/4242/comm': 'qemu-system-x86\n',
        '/proc/driver/nvidia/gpus/0000:3b:00.0/information': 'Model: Tesla T4\nIRQ: 40\nDevice Minor: 1\n',
      },
      links: {
        '/proc/812/fd/0': '/dev/null',
        '/proc/812/fd/3': '/dev/nvidia1',
        '/proc/812/fd/4': '/dev/nvidiactl',
        '/proc/900/fd/9': '/dev/dri/card0',
        '/proc/900/fd/10': 'socket:[4711]',
        '/sys/class/drm/card0/device': '../../../0000:00:02.0',
        '/proc/4242/fd/21': '/dev/vfio/2',
      },
    });
    const users = (await inventoryOf(overlay)).deviceUsers;
    assert.deepEqual(
      users?.map((u) => [u.pid, u.command, u.node, u.address, u.iommuGroup]),
      [
        [812, 'nvidia-persiste', '/dev/nvidia1', '0000:3b:00.0', null],
        [900, 'Xorg', '/dev/dri/card0', '0000:00:02.0', 1],
        [4242, 'qemu-system-x86', '/dev/vfio/2', null, 2],
      ],
    );
  });
});

describe('readVirtFacts()', () => {
  test('on the lab: container node 0666, KVM modules, nothing known about remapping or consoles', async () => {
    const facts = await readVirtFacts(bootHost().host);
    assert.deepEqual(facts.devVfio, [{ path: '/dev/vfio/vfio', kind: 'chardev', mode: 0o666 }]);
    assert.deepEqual(facts.kvmModules, ['kvm', 'kvm_intel']);
    assert.deepEqual(facts.irqRemapping, { state: 'unknown', evidence: null });
    assert.equal(facts.consoles.known, false);
    assert.equal(facts.acpi, null);
    assert.deepEqual(facts.vfioParameters, { allowUnsafeInterrupts: null, enableSriov: false });
  });

  test('reads remapping from /proc/interrupts, consoles, ACPI tables, daemons and units', async () => {
    const host = new OverlayHost(bootHost().host, {
      files: {
        '/proc/interrupts': '           CPU0\n 120:          0  IR-PCI-MSI 524288-edge      nvme0q0\n',
        '/sys/class/vtconsole/vtcon0/name': '(S) dummy device\n',
        '/sys/class/vtconsole/vtcon0/bind': '0\n',
        '/sys/class/vtconsole/vtcon1/name': '(M) frame buffer device\n',
        '/sys/class/vtconsole/vtcon1/bind': '1\n',
        '/sys/class/graphics/fb0/name': 'EFI VGA\n',
        '/sys/firmware/acpi/tables/DMAR': 'x',
        '/proc/1500/comm': 'nvidia-vgpu-mgr\n',
        '/usr/lib/systemd/system/nvidia-vgpu-mgr.service': '[Unit]\n',
      },
      links: { '/sys/class/graphics/fb0/device': '../../../efi-framebuffer.0' },
    });
    const facts = await readVirtFacts(host);
    assert.deepEqual(facts.irqRemapping, {
      state: 'enabled',
      evidence: '/proc/interrupts lists remapped (IR-) interrupts',
    });
    assert.deepEqual(facts.consoles, {
      known: true,
      vtconsoles: [
        { id: 'vtcon0', name: '(S) dummy device', bound: false },
        { id: 'vtcon1', name: '(M) frame buffer device', bound: true },
      ],
      framebuffers: [{ id: 'fb0', name: 'EFI VGA', device: 'efi-framebuffer.0' }],
    });
    assert.deepEqual(facts.acpi, { dmar: true, ivrs: false });
    assert.deepEqual(facts.daemons.find((d) => d.name === 'nvidia-vgpu-mgr')?.pids, [1500]);
    assert.deepEqual(facts.units, [
      { name: 'nvidia-vgpud.service', installed: false },
      { name: 'nvidia-vgpu-mgr.service', installed: true },
    ]);
  });

  test('intremap=off on the command line disables remapping', async () => {
    const { host } = bootHost({ name: 'intremap-off', kernel: { cmdline: 'ro intel_iommu=on intremap=off' } });
    assert.equal((await readVirtFacts(host)).irqRemapping.state, 'disabled');
  });
});
