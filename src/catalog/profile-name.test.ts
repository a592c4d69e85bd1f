import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NVIDIA_BOARDS } from './nvidia-profiles.ts';
import { parseProfileName, shortProfileName } from './profile-name.ts';

describe('NVIDIA vGPU type-name grammar', () => {
  test('parses every type name of the catalog, with the values the catalog holds', () => {
    for (const board of NVIDIA_BOARDS) {
      for (const type of board.types) {
        const parsed = parseProfileName(type.name);
        assert.ok(parsed, type.name);
        assert.equal(parsed.board, board.board, type.name);
        assert.equal(parsed.short, type.short);
        assert.equal(parsed.framebufferMiB, type.framebufferMiB, type.name);
        assert.equal(parsed.class, type.class);
        assert.equal(parsed.migSlices, type.migSlices);
        assert.ok(parseProfileName(type.short), type.short);
      }
    }
  });

  test('reads time-sliced, MIG-backed and prefixed forms', () => {
    assert.deepEqual(parseProfileName('T4-1B'), {
      prefix: null,
      short: 'T4-1B',
      board: 'T4',
      migSlices: null,
      framebufferMiB: 1024,
      class: 'B',
      suffix: '',
    });
    assert.equal(parseProfileName('L40S-4Q')?.framebufferMiB, 4096);
    assert.deepEqual(
      { ...parseProfileName('A100-1-5C') },
      {
        prefix: null,
        short: 'A100-1-5C',
        board: 'A100',
        migSlices: 1,
        framebufferMiB: 5120,
        class: 'C',
        suffix: '',
      },
    );
    assert.equal(parseProfileName('A100-1-5CME')?.suffix, 'ME');
    assert.equal(parseProfileName('GRID T4-2B')?.prefix, 'GRID');
    assert.equal(parseProfileName('GRID T4-2B')?.short, 'T4-2B');
    assert.equal(parseProfileName('NVIDIA H200X-1-18C')?.migSlices, 1);
    assert.equal(parseProfileName('M60-0Q')?.framebufferMiB, 512);
    assert.equal(parseProfileName('T4-2B4')?.suffix, '4');
    assert.equal(shortProfileName('NVIDIA L40S-48Q'), 'L40S-48Q');
  });

  test('rejects malformed names', () => {
    for (const bad of [
      '',
      'T4',
      'T4-',
      '-1B',
      'T4-1X',
      't4-1b',
      'T4-1b',
      'T4-B',
      'T4-01B',
      'T4-1B ',
      ' T4-1B',
      'GRID  T4-1B',
      'TESLA T4-1B',
      'GRID',
      'T4-1BME',
      'A100-1-5C4',
      'A100-0-5C',
      'A100-1-5CXX',
      'T4-1B-2',
      'T4--1B',
      '4T-1B',
      'T4_1B',
      'T4-1B\n',
    ]) {
      assert.equal(parseProfileName(bad), undefined, JSON.stringify(bad));
    }
  });
});
