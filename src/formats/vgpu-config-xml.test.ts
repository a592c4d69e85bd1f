import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { parseVgpuConfigXml } from './vgpu-config-xml.ts';

const fixture = await readFile(new URL('../../test/fixtures/nvidia/vgpuConfig.xml', import.meta.url), 'utf8');

describe('vgpuConfig.xml', () => {
  test('reads every vgpuType with its values and the boards that list it', () => {
    const types = parseVgpuConfigXml(fixture);
    assert.deepEqual(
      types.map((t) => t.id),
      [222, 232, 1167, 1157],
    );
    assert.deepEqual(types[0], {
      id: 222,
      name: 'GRID T4-1B',
      className: 'NVS',
      class: 'B',
      profileId: 0xde,
      framebufferMiB: 1024,
      numHeads: 4,
      maxResolution: '5120x2880',
      frlConfig: 45,
      maxInstances: 16,
      deviceIds: [0x1eb8],
    });
    assert.equal(types[1]?.class, 'Q');
    assert.equal(types[1]?.framebufferMiB, 4096);
    assert.equal(types[2]?.class, 'C');
    assert.deepEqual(types[2]?.deviceIds, [0x26b9]);
    // An unknown class attribute falls back to the name's series letter.
    assert.equal(types[3]?.class, 'A');
    assert.equal(types[3]?.frlConfig, null);
  });

  test('refuses DTDs and entities, and documents that are not vgpuConfig', () => {
    assert.throws(() => parseVgpuConfigXml('<!DOCTYPE x [<!ENTITY a "b">]><vgpuconfig></vgpuconfig>'), SyntaxError);
    assert.throws(() => parseVgpuConfigXml('<nvidia_smi_log/>'), SyntaxError);
    assert.deepEqual(parseVgpuConfigXml('<vgpuconfig><vgpuType name="no id"/></vgpuconfig>'), []);
  });

  test('agrees with the catalog on the fixture values', async () => {
    const { profileByName } = await import('../catalog/index.ts');
    for (const type of parseVgpuConfigXml(fixture)) {
      const known = profileByName(type.name);
      assert.ok(known, type.name);
      assert.equal(type.framebufferMiB, known.framebufferMiB, type.name);
      assert.equal(type.maxInstances, known.maxInstances, type.name);
      assert.equal(type.maxResolution, known.maxResolution, type.name);
    }
  });
});
