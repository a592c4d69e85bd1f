/**
 * Third-party tools inside `vgpuctl emulate run`: what they see of the emulated host's
 * device nodes, clock, config space, modules, kernel log and uevents.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from '../../../test/helpers/fixtures.ts';
import { sandboxUnavailable, toolMissing } from './test-capabilities.ts';

const reason = sandboxUnavailable();
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

let state: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  state = await tempDir('vgpuctl-tools-');
});
after(() => state.cleanup());
const bash = (scenario: string, script: string) =>
  runCli(['emulate', 'run', '--scenario', scenario, '--', 'bash', '-c', script], { VGPUCTL_STATE_DIR: state.dir });

describe('emulate run: device nodes and the clock', { skip: reason }, () => {
  test('/dev/vfio is mounted nodev: opening its nodes fails with EACCES, never reaching a host device', async () => {
    const r = await bash(
      'lab',
      `stat -c '%F %t:%T' /dev/vfio/vfio
       findmnt -n -o OPTIONS --target /dev/vfio/vfio
       exec 3<>/dev/vfio/vfio || echo "open failed"`,
    );
    assert.equal(r.status, 0, r.stderr);
    const [node, options] = r.stdout.split('\n');
    assert.equal(node, 'character special file a:c4');
    assert.match(options ?? '', /(^|,)nodev(,|$)/);
    assert.match(r.stdout, /open failed/);
    assert.match(r.stderr, /\/dev\/vfio\/vfio: Permission denied/);
  });

  test('no node is stamped ahead of the clock, so ls -l prints times, not years', async () => {
    const r = await bash(
      'big:gpus=4,instances=64',
      `now=$(date +%s)
       ahead=$(find /sys/bus/pci/devices/ /sys/devices/ /sys/class/mdev_bus/ -newermt "@$((now + 1))" | wc -l)
       echo "ahead=$ahead"
       ls -l /sys/bus/pci/devices/ | sed -n 2p`,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ahead=0$/m);
    // ls prints HH:MM for times within six months of now, the year otherwise.
    assert.match(r.stdout, / \d\d:\d\d 0000:/);
  });
});

describe('emulate run: setpci and lspci on writable registers', { skip: reason ?? toolMissing('setpci') }, () => {
  test('a COMMAND write reads back through setpci and lspci -vv; the vendor id cannot be written', async () => {
    const r = await bash(
      'lab',
      `set -e
       setpci -s 3b:00.0 COMMAND
       setpci -s 3b:00.0 COMMAND=0x0402
       setpci -s 3b:00.0 VENDOR_ID=0x1234
       setpci -s 3b:00.0 COMMAND VENDOR_ID INTERRUPT_LINE=0x2a
       setpci -s 3b:00.0 INTERRUPT_LINE
       lspci -vv -s 3b:00.0 | grep -E '^\\s+Control:'`,
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines.slice(0, 4), ['0006', '0402', '10de', '2a']);
    assert.match(lines[4] ?? '', /Control: I\/O- Mem\+ BusMaster- .*DisINTx\+/);
  });
});

/** lsmod needs a /proc/modules to lay the emulated list over: kernels built without modules have none. */
const noProcModules = existsSync('/proc/modules') ? undefined : 'this kernel has no /proc/modules (CONFIG_MODULES=n)';

describe('emulate run: kmod sees the emulated kernel modules', { skip: reason ?? toolMissing('lsmod') }, () => {
  test('kubevirt-t4: lsmod | grep fake_nvidia_vgpu', { skip: noProcModules }, async () => {
    const r = await bash('kubevirt-t4', `lsmod | grep fake_nvidia_vgpu; lsmod | grep -E '^mdev '`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^fake_nvidia_vgpu\s+\d+\s+0\s*$/m);
    assert.match(r.stdout, /^mdev\s+\d+\s+\d+\s+.*fake_nvidia_vgpu/m);
  });

  test('kubevirt-t4: modprobe succeeds for a module the host has, fails for others, never unloads', async () => {
    const r = await bash(
      'kubevirt-t4',
      `ls /sys/module/fake_nvidia_vgpu/holders /sys/module/mdev/holders
       modprobe vfio-pci && echo "modprobe vfio-pci: $?"
       modprobe -q nvidia; echo "modprobe nvidia: $?"
       rmmod vfio_pci; echo "rmmod: $?"
       modprobe -r vfio_pci; echo "modprobe -r: $?"`,
    );
    assert.match(r.stdout, /holders:\nfake_nvidia_vgpu\n/);
    assert.match(r.stdout, /^modprobe vfio-pci: 0$/m);
    assert.match(r.stdout, /^modprobe nvidia: 1$/m);
    assert.match(r.stdout, /^rmmod: 1$/m);
    assert.match(r.stdout, /^modprobe -r: 1$/m);
    assert.match(r.stderr, /rmmod: ERROR: could not remove module vfio_pci/);
  });
});

describe('emulate run: driverctl', { skip: reason ?? toolMissing('driverctl') }, () => {
  test('set-override and unset-override round trip, with the override file inside the sandbox', async () => {
    const r = await bash(
      'lab',
      `set -e
       driverctl set-override 0000:01:00.1 vfio-pci
       readlink /sys/bus/pci/devices/0000:01:00.1/driver
       cat /etc/driverctl.d/pci-0000:01:00.1
       driverctl list-overrides
       driverctl unset-override 0000:01:00.1
       readlink /sys/bus/pci/devices/0000:01:00.1/driver
       ls -A /etc/driverctl.d | wc -l`,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      '../../../../bus/pci/drivers/vfio-pci',
      'vfio-pci',
      '0000:01:00.1 vfio-pci',
      '../../../../bus/pci/drivers/snd_hda_intel',
      '0',
    ]);
    // Nothing reached the host's own directory.
    assert.equal(await exists('/etc/driverctl.d/pci-0000:01:00.1'), false);
  });
});

describe('emulate run: /run is a tmpfs saved back into the emulated host', {
  skip: reason ?? toolMissing('python3'),
}, () => {
  test('holds a unix socket, a FIFO and a hard link; its files persist, sockets do not', async () => {
    const first = await bash(
      'samples',
      `set -e
       findmnt -n -o FSTYPE --target /run
       python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("/run/app.sock"); print("bound")'
       mkfifo /run/app.fifo
       mkdir -p /run/app && echo 42 > /run/app/pid && ln /run/app/pid /run/app/pid.link
       ln -s app/pid /run/current
       stat -c '%F %h' /run/app.sock /run/app.fifo /run/app/pid`,
    );
    assert.equal(first.status, 0, first.stderr);
    assert.deepEqual(first.stdout.trim().split('\n'), ['tmpfs', 'bound', 'socket 1', 'fifo 1', 'regular file 2']);
    const second = await bash('samples', 'cat /run/app/pid /run/app/pid.link /run/current; ls /run');
    assert.equal(second.status, 0, second.stderr);
    // /run/udev (udevd's marker, see README) is the sandbox's own and not saved.
    assert.equal(second.stdout, '42\n42\n42\napp\ncurrent\nudev\n');
  });
});

describe('emulate run: dmesg reads the emulated kernel log', { skip: reason ?? toolMissing('dmesg') }, () => {
  test('dmesg | grep -i iommu shows the emulated IOMMU and group lines, never the host log', async () => {
    const r = await bash(
      'lab',
      `set -e
       echo 1 > /sys/bus/pci/devices/0000:41:00.0/sriov_numvfs
       dmesg | grep -i iommu
       echo ----
       dmesg | head -1
       echo "<4>from userspace" > /dev/kmsg
       dmesg | tail -1
       echo 0 > /sys/bus/pci/devices/0000:41:00.0/sriov_numvfs`,
    );
    assert.equal(r.status, 0, r.stderr);
    const [iommu = '', rest = ''] = r.stdout.split('----\n');
    assert.match(iommu, /^\[\s*\d+\.\d{6}\] DMAR: IOMMU enabled$/m);
    assert.match(iommu, /\] pci 0000:01:00\.0: Adding to iommu group 2$/m);
    assert.match(iommu, /\] pci 0000:41:00\.4: Adding to iommu group \d+$/m);
    assert.match(rest, /^\[\s*\d+\.\d{6}\] Linux version 6\.8\.0-vgpuctl /);
    assert.match(rest, /\] from userspace\n$/);
  });

  test('lab: cat /dev/vgpu_nvidia prints the VRAM report its sysfs vram_info has', async () => {
    const r = await bash(
      'lab',
      'cat /dev/vgpu_nvidia; cmp /dev/vgpu_nvidia /sys/class/vgpu_nvidia/vgpu_nvidia/vram_info',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^GPU: Nvidia GeForce RTX 4070\nTotal VRAM: \d+ MB \(\d+ GB\)\n/);
  });
});

describe('emulate run: udev sees the emulated host', {
  skip: reason ?? toolMissing('udevadm') ?? toolMissing('python3'),
}, () => {
  test('echo add > uevent of a GPU reaches udevadm monitor with the device properties and SYNTH_UUID', async () => {
    const r = await bash(
      'lab',
      `set -e
       out=$(mktemp)
       udevadm monitor --udev --property --subsystem-match=pci > "$out" &
       monitor=$!
       for i in $(seq 100); do grep -q '^UDEV - ' "$out" && break; sleep 0.1; done
       echo add > /sys/bus/pci/devices/0000:01:00.0/uevent
       for i in $(seq 100); do grep -q '^SYNTH_UUID' "$out" && break; sleep 0.1; done
       kill $monitor
       grep -E '^(ACTION|DRIVER|PCI_ID|PCI_SLOT_NAME|SYNTH_UUID)=' "$out"
       rm -f "$out"`,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').sort(), [
      'ACTION=add',
      'DRIVER=nvidia',
      'PCI_ID=10DE:2786',
      'PCI_SLOT_NAME=0000:01:00.0',
      'SYNTH_UUID=0',
    ]);
  });

  test('udevadm monitor sees an mdev created and removed by shell writes; udevadm info reads a GPU', async () => {
    const uuid = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1003';
    const r = await bash(
      'lab',
      `set -e
       out=$(mktemp)
       udevadm monitor --udev --property --subsystem-match=mdev > "$out" &
       monitor=$!
       # The monitor is listening once it has printed its banner.
       for i in $(seq 100); do grep -q '^UDEV - ' "$out" && break; sleep 0.1; done
       echo ${uuid} > /sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-222/create
       echo 1 > /sys/bus/mdev/devices/${uuid}/remove
       for i in $(seq 100); do grep -q '^ACTION=remove' "$out" && break; sleep 0.1; done
       kill $monitor
       grep -E '^(UDEV  |ACTION|SUBSYSTEM|DRIVER|SEQNUM)' "$out" | sed -E 's/\\[[0-9.]+\\]//; s/=[0-9]+$/=N/'
       rm -f "$out"
       echo ----
       udevadm info -q property /sys/bus/pci/devices/0000:3b:00.0`,
    );
    assert.equal(r.status, 0, r.stderr);
    const [monitor = '', info = ''] = r.stdout.split('----\n');
    const devpath = `/devices/pci0000:3a/0000:3a:01.0/0000:3b:00.0/${uuid}`;
    assert.deepEqual(monitor.trim().split('\n'), [
      `UDEV   add      ${devpath} (mdev)`,
      'ACTION=add',
      'SUBSYSTEM=mdev',
      'SEQNUM=N',
      `UDEV   bind     ${devpath} (mdev)`,
      'ACTION=bind',
      'DRIVER=nvidia-vgpu-vfio',
      'SUBSYSTEM=mdev',
      'SEQNUM=N',
      `UDEV   unbind   ${devpath} (mdev)`,
      // dev->driver is already gone when the kernel sends unbind (drivers/base/dd.c).
      'ACTION=unbind',
      'SUBSYSTEM=mdev',
      'SEQNUM=N',
      `UDEV   remove   ${devpath} (mdev)`,
      'ACTION=remove',
      'SUBSYSTEM=mdev',
      'SEQNUM=N',
    ]);
    assert.match(info, /^DRIVER=nvidia$/m);
    assert.match(info, /^PCI_ID=10DE:1EB8$/m);
    assert.match(info, /^PCI_SLOT_NAME=0000:3b:00\.0$/m);
  });
});

/** Where Debian's libvirt-daemon keeps its node device driver. */
const NODEDEV_DRIVER = '/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_nodedev.so';

describe('emulate run: libvirt node devices', {
  skip:
    reason ??
    toolMissing('libvirtd') ??
    toolMissing('virsh') ??
    toolMissing('mdevctl') ??
    toolMissing('python3') ??
    (existsSync(NODEDEV_DRIVER) ? undefined : `needs ${NODEDEV_DRIVER} (Debian package: libvirt-daemon)`),
}, () => {
  test('libvirtd lists the mdev parents and types, and tracks mdevs made through it and by a shell write', async () => {
    const uuid = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1005';
    const shellUuid = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1006';
    const name = `mdev_${uuid.replaceAll('-', '_')}_0000_3b_00_0`;
    // The unmodified libvirtd, with only its node device driver loaded (LIBVIRT_DRIVER_DIR):
    // the QEMU driver needs the libvirt-qemu user that libvirt-daemon-system creates, and
    // node devices are all this test is about. Connected as nodedev:///system.
    const r = await bash(
      'lab',
      `set -e
         drivers=$(mktemp -d)
         ln -s ${NODEDEV_DRIVER} "$drivers/"
         LIBVIRT_DRIVER_DIR=$drivers libvirtd 2>/dev/null &
         daemon=$!
         V="virsh -q -c nodedev:///system"
         for i in $(seq 150); do $V nodedev-list --cap mdev_types >/dev/null 2>&1 && break; sleep 0.2; done
         $V nodedev-list --cap mdev_types
         echo ----
         $V nodedev-dumpxml pci_0000_3b_00_0 | xmllint --xpath "//type[@id='nvidia-222']/availableInstances/text()" -
         echo; echo ----
         printf '<device><parent>pci_0000_3b_00_0</parent><capability type="mdev"><type id="nvidia-223"/><uuid>${uuid}</uuid></capability></device>' > "$drivers/mdev.xml"
         $V nodedev-define "$drivers/mdev.xml" >/dev/null
         $V nodedev-start ${name} >/dev/null
         $V nodedev-info ${name} | grep -E '^(Active|Persistent):'
         cat /sys/bus/mdev/devices/${uuid}/mdev_type/name
         $V nodedev-destroy ${name} >/dev/null
         test ! -e /sys/bus/mdev/devices/${uuid}
         $V nodedev-undefine ${name} >/dev/null
         for i in $(seq 50); do $V nodedev-list --cap mdev --all | grep -q ${name} || break; sleep 0.2; done
         $V nodedev-list --cap mdev --all | grep -c ${name} || true
         echo ----
         echo ${shellUuid} > /sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-222/create
         for i in $(seq 50); do $V nodedev-list --cap mdev | grep -q ${shellUuid.replaceAll('-', '_')} && break; sleep 0.2; done
         $V nodedev-list --cap mdev
         echo 1 > /sys/bus/mdev/devices/${shellUuid}/remove
         kill $daemon`,
    );
    assert.equal(r.status, 0, r.stderr);
    const [parents = '', available = '', lifecycle = '', shell = ''] = r.stdout.split('----\n');
    assert.deepEqual(parents.trim().split('\n'), ['pci_0000_00_02_0', 'pci_0000_3b_00_0', 'pci_0000_81_00_0']);
    assert.equal(available.trim(), '16');
    assert.deepEqual(
      lifecycle
        .trim()
        .split(/\n/)
        .map((line) => line.replace(/\s+/g, ' ')),
      ['Active: yes', 'Persistent: yes', 'GRID T4-2B', '0'],
    );
    assert.equal(shell.trim(), `mdev_${shellUuid.replaceAll('-', '_')}_0000_3b_00_0`);
  });
});
