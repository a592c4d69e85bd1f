import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EmulatedHost } from '../../emulated-host.ts';
import { EmulatedKernel } from '../../kernel.ts';
import { resolveScenario } from '../../scenario/load.ts';
import { PROFILE_OVERRIDE_PATH } from './vgpu-unlock.ts';

const TYPES = '/sys/bus/pci/devices/0000:81:00.0/mdev_supported_types';

describe('vgpu_unlock-rs overrides on the emulated host', () => {
  test("the lab's GTX 1060 advertises its RTX A5500 types with the profile overrides applied", async () => {
    const kernel = EmulatedKernel.boot(resolveScenario({ name: 'lab' }));
    const host = new EmulatedHost(kernel);
    const before = await host.readText(`${TYPES}/nvidia-760/description`);
    assert.equal(before, 'num_heads=4, frl_config=45, framebuffer=1024M, max_resolution=5120x2880, max_instance=24\n');
    await host.mkdir('/etc/vgpu_unlock', { recursive: true });
    await host.writeFile(
      PROFILE_OVERRIDE_PATH,
      [
        '# two 3 GiB vGPUs on the 6 GiB card',
        '[profile.nvidia-760]',
        'card_name = "NVIDIA RTXA5500-3B"',
        'framebuffer = 0xB8000000',
        'framebuffer_reservation = 0x8000000',
        'max_instances = 2',
        'num_displays = 1',
        'display_width = 1920',
        'display_height = 1080',
        '[mdev.00000000-0000-4000-8000-000000000001]',
        'frl_enabled = 1',
      ].join('\n'),
    );
    assert.equal(await host.readText(`${TYPES}/nvidia-760/name`), 'NVIDIA RTXA5500-3B\n');
    assert.equal(
      await host.readText(`${TYPES}/nvidia-760/description`),
      'num_heads=1, frl_config=45, framebuffer=3072M, max_resolution=1920x1080, max_instance=2\n',
    );
    assert.equal(await host.readText(`${TYPES}/nvidia-760/available_instances`), '2\n');
    assert.equal(await host.readText(`${TYPES}/nvidia-761/name`), 'NVIDIA RTXA5500-2B\n', 'other types unchanged');
    // The override's capacity is what the driver enforces.
    await host.write(`${TYPES}/nvidia-760/create`, '00000000-0000-4000-8000-000000000001');
    await host.write(`${TYPES}/nvidia-760/create`, '00000000-0000-4000-8000-000000000002');
    assert.equal(await host.readText(`${TYPES}/nvidia-760/available_instances`), '0\n');
    await assert.rejects(host.write(`${TYPES}/nvidia-760/create`, '00000000-0000-4000-8000-000000000003'));
    // A file that is not TOML applies nothing.
    await host.writeFile(PROFILE_OVERRIDE_PATH, '[profile.nvidia-760\n');
    assert.equal(await host.readText(`${TYPES}/nvidia-760/name`), 'NVIDIA RTXA5500-1B\n');
  });
});
