import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixturePciIds, runCli, tempDir } from '../../../test/helpers/fixtures.ts';
import type { PciIds } from '../../core/pci-ids.ts';
import type { HostPort } from '../../host/host-port.ts';
import { bootHost } from '../../ops/passthrough/_test-lab.ts';
import { OverlayHost } from '../../ops/passthrough/_test-overlay-host.ts';
import type { CommandContext } from '../context.ts';
import { doctorCommand } from './doctor.ts';

const GOLDEN = new URL('../../../test/golden/doctor/', import.meta.url).pathname;

/** A scenario without an IOMMU: the firmware has VT-d off, the kernel command line does not ask for it. */
const NO_IOMMU = {
  name: 'no-iommu',
  description: 'Desktop with VT-d off: an RTX 4070 and a Tesla T4',
  iommu: 'off' as const,
  kernel: { cmdline: 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet' },
  gpus: [
    { address: '0000:01:00.0', model: 'geforce-rtx-4070' },
    { address: '0000:3b:00.0', model: 'tesla-t4', vgpu: 'mdev' as const },
  ],
};

/** The lab with the RTX 4070 half bound: the GPU on vfio-pci, its audio function still on snd_hda_intel. */
function nonViableLab(): HostPort {
  const { kernel, host } = bootHost();
  kernel.write('/sys/bus/pci/devices/0000:01:00.0/driver_override', 'vfio-pci');
  kernel.write('/sys/bus/pci/drivers/nvidia/unbind', '0000:01:00.0');
  kernel.write('/sys/bus/pci/drivers_probe', '0000:01:00.0');
  return host;
}

/** The lab with the facts a real host adds: remapped interrupts, fbcon on the EFI framebuffer, daemons. */
function labWithHostFacts(): HostPort {
  return new OverlayHost(bootHost().host, {
    files: {
      '/proc/interrupts': '            CPU0\n 122:          0  IR-PCI-MSI 1048576-edge      nvidia\n',
      '/sys/class/vtconsole/vtcon0/name': '(S) dummy device\n',
      '/sys/class/vtconsole/vtcon0/bind': '0\n',
      '/sys/class/vtconsole/vtcon1/name': '(M) frame buffer device\n',
      '/sys/class/vtconsole/vtcon1/bind': '1\n',
      '/sys/class/graphics/fb0/name': 'EFI VGA\n',
      '/proc/812/comm': 'nvidia-persiste\n',
      '/proc/1500/comm': 'nvidia-vgpu-mgr\n',
      '/proc/driver/nvidia/gpus/0000:01:00.0/information': 'Device Minor: 0\n',
    },
    links: { '/sys/class/graphics/fb0/device': '../../../efi-framebuffer.0', '/proc/812/fd/3': '/dev/nvidia0' },
  });
}

let ids: PciIds;
before(async () => {
  ids = await fixturePciIds();
});
const contextOf = (host: HostPort): CommandContext => ({
  host,
  pciIds: ids,
  emulator: undefined,
  env: {},
  dryRun: false,
});

/** Compares with test/golden/doctor/<name>.txt; UPDATE_GOLDEN=1 rewrites the file. */
async function matchesGolden(name: string, text: string): Promise<void> {
  const path = join(GOLDEN, `${name}.txt`);
  if (process.env.UPDATE_GOLDEN === '1') await writeFile(path, `${text}\n`);
  assert.equal(`${text}\n`, await readFile(path, 'utf8'), `differs from ${path} (UPDATE_GOLDEN=1 rewrites it)`);
}

describe('vgpuctl doctor prints the expected verdicts (golden files)', () => {
  const cases: [string, string, () => HostPort, number, string | undefined][] = [
    ['lab', 'the emulated lab host', () => bootHost().host, 0, undefined],
    ['no-iommu', 'a host without an IOMMU', () => bootHost(NO_IOMMU).host, 6, undefined],
    ['non-viable-group', 'the lab with a half-bound IOMMU group', nonViableLab, 6, '0000:01:00.0'],
    [
      'lab-host-facts',
      'the lab with a framebuffer console, remapping and NVIDIA daemons',
      labWithHostFacts,
      0,
      undefined,
    ],
  ];
  for (const [name, what, host, exitCode, address] of cases) {
    test(`${what}${address === undefined ? '' : `, for ${address}`}: ${name}.txt, exit status ${exitCode}`, async () => {
      const result = await doctorCommand(contextOf(host()), address);
      await matchesGolden(name, result.text);
      assert.equal(result.exitCode, exitCode);
    });
  }
});

describe('vgpuctl doctor on the command line', () => {
  let state: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    state = await tempDir('vgpuctl-doctor-');
  });
  after(() => state.cleanup());
  const cli = (...args: string[]) => runCli(args, { VGPUCTL_STATE_DIR: state.dir });

  test('--json prints the report: checks with section, id, subject, verdict, message, fix, and a summary', async () => {
    const run = await cli('doctor', '--json', '--emulate', 'lab');
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as Record<string, unknown> & {
      checks: Record<string, unknown>[];
      summary: Record<string, number>;
    };
    assert.deepEqual(Object.keys(report), ['schemaVersion', 'source', 'address', 'checks', 'summary']);
    assert.equal(report.source, 'emulated host "lab"');
    for (const check of report.checks) {
      assert.deepEqual(Object.keys(check).sort(), ['fix', 'id', 'message', 'section', 'subject', 'verdict']);
      assert.match(String(check.verdict), /^(pass|warn|fail|skip)$/);
      assert.equal(check.fix === null, check.verdict === 'pass' || check.verdict === 'skip');
    }
    const iommu = report.checks.find((c) => c.id === 'iommu');
    assert.deepEqual(iommu, {
      section: 'host',
      id: 'iommu',
      subject: null,
      verdict: 'pass',
      message: 'IOMMU is on: Intel VT-d (DMAR), 9 groups',
      fix: null,
    });
    assert.deepEqual(Object.keys(report.summary), ['pass', 'warn', 'fail', 'skip']);
  });

  test('exits with status 6 when a check fails (a scenario file without an IOMMU)', async () => {
    const file = join(state.dir, 'no-iommu.toml');
    await writeFile(
      file,
      'name = "no-iommu"\niommu = "off"\n\n[kernel]\ncmdline = "ro quiet"\n\n[[gpus]]\naddress = "0000:01:00.0"\nmodel = "geforce-rtx-4070"\n',
    );
    const run = await cli('doctor', '--emulate', file);
    assert.equal(run.status, 6, run.stderr);
    assert.match(run.stdout, /^ {2}fail {2}iommu +IOMMU is off: \/sys\/kernel\/iommu_groups is empty$/m);
  });

  test('an address that is not a GPU is a usage error', async () => {
    const run = await cli('doctor', '0000:01:00.1', '--emulate', 'lab');
    assert.equal(run.status, 2);
    assert.match(
      run.stderr,
      /^error: Cannot check GPU "0000:01:00\.1": it is not a GPU \(Audio device, class 0x040300\)/,
    );
  });
});
