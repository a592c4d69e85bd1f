import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  boardByDeviceId,
  boardOfTypeId,
  estimatedFields,
  framebufferWithEcc,
  NVIDIA_BOARDS,
  profileByName,
} from './nvidia-profiles.ts';
import { SOURCES } from './sources.ts';

describe('NVIDIA profile catalog', () => {
  test('every value of every type traces to a source listed in the catalog', () => {
    for (const board of NVIDIA_BOARDS) {
      assert.ok(board.source.source in SOURCES, board.board);
      for (const type of board.types) {
        for (const [field, provenance] of Object.entries(type.provenance)) {
          assert.ok(provenance.source in SOURCES, `${type.name} ${field}: ${provenance.source}`);
          assert.equal(typeof provenance.estimate, 'boolean');
        }
      }
    }
  });

  test('type ids are unique across boards and names start with the board', () => {
    const ids = NVIDIA_BOARDS.flatMap((b) => b.types.map((t) => t.id));
    assert.equal(new Set(ids).size, ids.length);
    for (const board of NVIDIA_BOARDS) {
      for (const type of board.types) assert.ok(type.short.startsWith(`${board.board}-`), type.name);
    }
  });

  test('holds the published values of well-known types', () => {
    const t41b = profileByName('T4-1B');
    assert.deepEqual(
      {
        id: t41b?.id,
        name: t41b?.name,
        fb: t41b?.framebufferMiB,
        heads: t41b?.numHeads,
        frl: t41b?.frlConfig,
        res: t41b?.maxResolution,
        max: t41b?.maxInstances,
      },
      { id: 222, name: 'GRID T4-1B', fb: 1024, heads: 4, frl: 45, res: '5120x2880', max: 16 },
    );
    assert.equal(profileByName('NVIDIA L40S-1Q')?.maxInstances, 32, 'capped by the 32 VFs');
    assert.equal(profileByName('l40s-4q')?.maxInstances, 12);
    assert.equal(profileByName('A100-1-5C')?.maxInstances, 7);
    assert.equal(profileByName('A100-2-10C')?.maxInstances, 3);
    assert.equal(profileByName('A100-1-5CME')?.maxInstances, 1);
    assert.equal(profileByName('T4-3Q'), undefined);
    assert.equal(boardByDeviceId(0x26b9)?.board, 'L40S');
    assert.equal(boardOfTypeId(760)?.board, 'RTXA5500');
  });

  test('marks unpublished values as estimates', () => {
    assert.deepEqual(estimatedFields(profileByName('L40S-4C') ?? assert.fail()), ['id']);
    assert.deepEqual(estimatedFields(profileByName('L40S-4Q') ?? assert.fail()), []);
    assert.deepEqual(estimatedFields(profileByName('A100-1-5C') ?? assert.fail()), ['id']);
  });

  test('ECC takes 1/16 of a GDDR board and nothing on HBM', () => {
    const t4 = boardByDeviceId(0x1eb8) ?? assert.fail();
    assert.deepEqual(framebufferWithEcc(t4, 16384), { mib: 15360, estimate: true });
    const a100 = boardByDeviceId(0x20f1) ?? assert.fail();
    assert.deepEqual(framebufferWithEcc(a100, 5120), { mib: 5120, estimate: false });
  });
});
