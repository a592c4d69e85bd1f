/**
 * Third-party tools inside `vgpuctl emulate run`: what they see of the emulated host's
 * device nodes, clock, config space, modules, kernel log and uevents.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli, tempDir } from '../../../test/helpers/fixtures.ts';
import { sandboxUnavailable, toolMissing } from './test-capabilities.ts';

const reason = sandboxUnavailable();

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
