import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { discover } from '../../discovery/discover.ts';
import { parseVgpuConfigXml } from '../../formats/vgpu-config-xml.ts';
import { emulated } from '../vgpu/_test-hosts.ts';
import { hostProfiles } from './host-profiles.ts';

const lab = async () => discover(emulated('lab').host, { deviceUsers: false });

describe('hostProfiles', () => {
  test("finds each NVIDIA GPU's board, the unlocked GTX 1060 by the types it advertises", async () => {
    const gpus = hostProfiles(await lab());
    assert.deepEqual(
      gpus.map((g) => [g.gpu, g.board, g.matchedBy]),
      [
        ['0000:3b:00.0', 'T4', 'device-id'],
        ['0000:41:00.0', 'L40S', 'device-id'],
        ['0000:81:00.0', 'RTXA5500', 'advertised-types'],
      ],
    );
    const t4 = gpus[0]?.profiles.find((p) => p.short === 'T4-1B');
    assert.equal(t4?.offered, true);
    assert.equal(t4?.available, 16);
    assert.equal(t4?.eccFramebufferMiB, 960);
    assert.equal(t4?.eccEstimate, true);
    // No VFs on the L40S: the host offers nothing yet.
    assert.equal(gpus[1]?.profiles[0]?.offered, null);
    assert.deepEqual(gpus[1]?.profiles.find((p) => p.short === 'L40S-4C')?.estimates, ['id']);
  });

  test("takes values from the host's vgpuConfig.xml where it lists the type", async () => {
    const xml = await readFile(new URL('../../../test/fixtures/nvidia/vgpuConfig.xml', import.meta.url), 'utf8');
    const config = parseVgpuConfigXml(xml).map((t) => (t.id === 222 ? { ...t, maxInstances: 8 } : t));
    const [t4] = hostProfiles(await lab(), { gpu: '0000:3b:00.0', vgpuConfig: config });
    const oneB = t4?.profiles.find((p) => p.id === 222);
    assert.equal(oneB?.from, 'vgpuConfig.xml');
    assert.equal(oneB?.maxInstances, 8);
    assert.equal(t4?.profiles.find((p) => p.id === 223)?.from, 'catalog');
    // The L40S-4C of the file is for device 26b9 only; its id is then stated, not estimated.
    const [l40s] = hostProfiles(await lab(), { gpu: '0000:41:00.0', vgpuConfig: config });
    assert.deepEqual(l40s?.profiles.find((p) => p.id === 1167)?.estimates, []);
  });
});
