import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EmulatedKernel } from './kernel.ts';
import { resolveScenario } from './scenario/load.ts';
import { writeTreeTo } from './write-tree.ts';

const dir = mkdtempSync(join(tmpdir(), 'vgpuctl-tree-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const kernel = EmulatedKernel.boot(resolveScenario({ name: 'lab' }));
const written = writeTreeTo(kernel.tree, dir, { prefixes: ['/sys', '/proc'] });

function lspciPath(): string | undefined {
  for (const candidate of ['/usr/bin/lspci', '/usr/sbin/lspci', '/bin/lspci', '/sbin/lspci']) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

describe('writeTreeTo', () => {
  test('writes attribute contents, binary config and relative links', async () => {
    await written;
    const dev = join(dir, 'sys/bus/pci/devices/0000:3b:00.0');
    assert.equal(readFileSync(join(dev, 'vendor'), 'utf8'), '0x10de\n');
    assert.equal(readFileSync(join(dev, 'config')).length, 4096);
    assert.equal(
      readlinkSync(join(dir, 'sys/bus/pci/devices/0000:3b:00.0')),
      '../../../devices/pci0000:3a/0000:3a:01.0/0000:3b:00.0',
    );
    assert.equal(readFileSync(join(dir, 'proc/cmdline'), 'utf8'), kernel.read('/proc/cmdline').toString());
  });

  const lspci = lspciPath();
  const skip = lspci === undefined ? 'lspci is not installed on this machine' : false;
  const run = (...args: string[]): string =>
    execFileSync(lspci as string, ['-A', 'linux-sysfs', '-O', `sysfs.path=${join(dir, 'sys/bus/pci')}`, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  test('lspci -nn lists every function with its ids', { skip }, async () => {
    await written;
    const out = run('-nn');
    assert.match(out, /^3b:00\.0 3D controller \[0302\]: .*\[10de:1eb8\] \(rev a1\)$/m);
    assert.match(out, /^01:00\.1 Audio device \[0403\]: .*\[10de:22bc\]/m);
    assert.match(out, /^00:02\.0 VGA compatible controller \[0300\]: .*\[8086:3e92\]/m);
    assert.equal(out.trim().split('\n').length, kernel.pci.devices.size);
  });

  test('lspci -vv decodes regions, capabilities, SR-IOV and drivers', { skip }, async () => {
    await written;
    const out = run('-vv', '-s', '41:00.0');
    assert.match(out, /Region 0: Memory at [0-9a-f]+ \(32-bit, non-prefetchable\) \[size=16M\]/);
    assert.match(out, /Region 1: Memory at [0-9a-f]+ \(64-bit, prefetchable\) \[size=64G\]/);
    assert.match(out, /Express \(v2\) Endpoint/);
    assert.match(out, /LnkSta:\s+Speed 16GT\/s, Width x16/);
    assert.match(out, /Single Root I\/O Virtualization \(SR-IOV\)/);
    assert.match(out, /Total VFs: 32, Number of VFs: 0/);
    assert.match(out, /Kernel driver in use: nvidia/);
    const bridge = run('-vv', '-s', '3a:01.0');
    assert.match(bridge, /Bus: primary=3a, secondary=3b, subordinate=3b/);
    assert.match(bridge, /Express \(v2\) Root Port/);
  });
});
