/**
 * QEMU accepts what vgpuctl emits (Debian's qemu-system-x86 7.2):
 * - the software GPU starts, paused under TCG, and QMP's query-pci shows it with
 *   virtio-gpu's ids (1af4:1050, VGA class);
 * - every -device driver and property of every mode exists (`-device <driver>,help`);
 * - the VFIO modes fail only where this machine lacks the device ("no such host device"),
 *   never on an argument, and the complete command line (qemu-full) starts too.
 * Skipped, with the reason printed, when qemu-system-x86_64 is not installed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../../test/helpers/fixtures.ts';
import { FIXTURE_CONFIGS } from './_test-configs.ts';
import {
  deviceNames,
  deviceProperties,
  devicesIn,
  type QmpSession,
  qemuVersion,
  runQemu,
  startQemu,
} from './_test-qemu.ts';
import { QEMU_DEVICE_ID, qemuDeviceArgs, qemuFullArgs } from './qemu.ts';

// qdev options every device takes but `-device <driver>,help` does not list.
const GENERIC_PROPS = new Set(['id', 'bus']);
const VIRTIO_GPU = { vendor: 0x1af4, device: 0x1050 };

interface PciDevice {
  bus: number;
  slot: number;
  function: number;
  qdev_id: string;
  class_info: { class: number };
  id: { vendor: number; device: number };
  pci_bridge?: { devices?: PciDevice[] };
}

function flatten(devices: readonly PciDevice[]): PciDevice[] {
  return devices.flatMap((d) => [d, ...flatten(d.pci_bridge?.devices ?? [])]);
}

let version: string | null = null;
let temp: { dir: string; cleanup: () => Promise<void> };
const sessions: QmpSession[] = [];

before(async () => {
  version = await qemuVersion();
  if (version === null)
    console.log('# skipping QEMU tests: qemu-system-x86_64 is not installed (apt install qemu-system-x86)');
  temp = await tempDir('vgpuctl-qemu-');
});
after(async () => {
  for (const session of sessions) {
    await session.close().catch(() => undefined);
    session.process.kill('SIGKILL');
  }
  await temp.cleanup();
});

async function pciDevices(args: readonly string[], base?: readonly string[]): Promise<PciDevice[]> {
  const session = await startQemu(temp.dir, args, base);
  sessions.push(session);
  const buses = (await session.command('query-pci')) as { devices: PciDevice[] }[];
  await session.close();
  return buses.flatMap((b) => flatten(b.devices));
}

describe('QEMU starts the software GPU vgpuctl emits', () => {
  test('2D: virtio-vga with its host-memory budget appears in query-pci as 1af4:1050, VGA class', async (t) => {
    if (version === null) return t.skip('qemu-system-x86_64 is not installed');
    const args = qemuDeviceArgs(FIXTURE_CONFIGS['software-2d'] as (typeof FIXTURE_CONFIGS)[string]);
    const gpu = (await pciDevices(args)).find((d) => d.qdev_id === QEMU_DEVICE_ID);
    assert.ok(gpu, `no PCI device with qdev_id ${QEMU_DEVICE_ID}`);
    assert.deepEqual(gpu.id, { ...gpu.id, ...VIRTIO_GPU });
    assert.equal(gpu.class_info.class, 0x0300);
  });

  test('the complete command line (qemu-full, with TCG and no VNC listener) starts and shows the GPU', async (t) => {
    if (version === null) return t.skip('qemu-system-x86_64 is not installed');
    const full = qemuFullArgs(FIXTURE_CONFIGS['software-2d'] as (typeof FIXTURE_CONFIGS)[string], { accel: 'tcg' });
    // Keep the test off port 5900: same line, VNC switched off.
    const args = full.slice(1).map((a) => (a === '127.0.0.1:0' ? 'none' : a));
    const gpu = (await pciDevices(args, [])).find((d) => d.qdev_id === QEMU_DEVICE_ID);
    assert.ok(gpu);
    assert.equal(gpu.id.vendor, VIRTIO_GPU.vendor);
    assert.equal(gpu.id.device, VIRTIO_GPU.device);
  });
});

describe('every -device driver and property vgpuctl emits exists in this QEMU', () => {
  let names: Set<string>;
  const properties = new Map<string, Set<string>>();
  before(async () => {
    if (version === null) return;
    names = await deviceNames();
  });

  for (const [fixture, config] of Object.entries(FIXTURE_CONFIGS)) {
    test(`${fixture}: ${devicesIn(qemuDeviceArgs(config))
      .map((d) => d.driver)
      .join(', ')}`, async (t) => {
      if (version === null) return t.skip('qemu-system-x86_64 is not installed');
      for (const { driver, props } of devicesIn(qemuDeviceArgs(config))) {
        assert.ok(names.has(driver), `QEMU has no device "${driver}"`);
        if (!properties.has(driver)) properties.set(driver, await deviceProperties(driver));
        const known = properties.get(driver) as Set<string>;
        const missing = props.filter((p) => !GENERIC_PROPS.has(p) && !known.has(p));
        if (
          config.device.kind === 'virtio-gpu' &&
          config.device.api === 'venus' &&
          missing.every((p) => p === 'venus' || p === 'hostmem')
        ) {
          // venus and hostmem arrived in QEMU 9.2 (hw/display/virtio-gpu-gl.c): on an older QEMU
          // they are the only properties allowed to be missing; everything else must exist.
          if (missing.length > 0) t.diagnostic(`${version} predates venus; QEMU 9.2 adds ${missing.join(', ')}`);
          continue;
        }
        assert.deepEqual(missing, [], `${driver} lacks ${missing.join(', ')}`);
      }
    });
  }

  test('egl-headless, the display virgl and venus render through, exists', async (t) => {
    if (version === null) return t.skip('qemu-system-x86_64 is not installed');
    const run = await runQemu(['-display', 'help']);
    assert.match(`${run.stdout}${run.stderr}`, /^egl-headless$/m);
  });
});

describe('QEMU parses the VFIO arguments and fails only for the missing host device', () => {
  for (const fixture of ['passthrough', 'sriov', 'mdev-nvidia', 'mdev-compute', 'mdev-gvt-g', 'mdev-vendor-vfio']) {
    test(fixture, async (t) => {
      if (version === null) return t.skip('qemu-system-x86_64 is not installed');
      const config = FIXTURE_CONFIGS[fixture] as (typeof FIXTURE_CONFIGS)[string];
      const run = await runQemu([
        '-machine',
        'q35',
        '-accel',
        'tcg',
        '-nodefaults',
        '-display',
        'none',
        '-S',
        '-m',
        '256',
        ...qemuDeviceArgs(config),
      ]);
      assert.notEqual(run.status, 0);
      // vfio_realize → vfio_device_get_name/vfio_get_group: the host path does not exist here.
      assert.match(run.stderr, /vfio \S+: no such host device|no iommu_group found/, run.stderr);
      assert.doesNotMatch(run.stderr, /Property '|invalid|Invalid|not found for|Parameter/, run.stderr);
    });
  }
});
