import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { parseOverrideFile, scanTables, setKey, splitDotted, unsetKey } from './profile-override-toml.ts';
import { TomlSyntaxError } from './toml.ts';

const fixture = await readFile(
  new URL('../../test/fixtures/vgpu-unlock/profile_override.toml', import.meta.url),
  'utf8',
);

describe('profile_override.toml', () => {
  test('reads values and where each table and key is', () => {
    const doc = parseOverrideFile(fixture);
    assert.equal(
      (doc.values.profile as Record<string, Record<string, unknown>>)['nvidia-760']?.framebuffer,
      0x38000000,
    );
    const profile = doc.tables.find((t) => t.path.join('.') === 'profile.nvidia-760');
    assert.equal(profile?.line, 2);
    assert.deepEqual(
      profile?.keys.find((k) => k.key === 'display_width'),
      { key: 'display_width', line: 4, column: 1, valueColumn: 17 },
    );
    assert.deepEqual(
      scanTables(fixture).map((t) => t.path.join('.')),
      ['', 'profile.nvidia-760', 'vm.100', 'custom'],
    );
    assert.deepEqual(splitDotted('profile."nvidia-760"'), ['profile', 'nvidia-760']);
  });

  test('a syntax error carries its line and column', () => {
    const error = (() => {
      try {
        parseOverrideFile('[profile.nvidia-760]\nframebuffer = = 1\n');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(error instanceof TomlSyntaxError);
    assert.equal(error.line, 2);
  });

  test('set and unset change only their lines: comments and unknown tables survive', () => {
    const changed = setKey(fixture, ['profile', 'nvidia-760'], 'display_width', '2560');
    assert.match(changed, /^display_width = 2560$/m);
    assert.equal(changed.split('\n').filter((l, i) => l !== fixture.split('\n')[i]).length, 1);
    const commented = setKey(fixture, ['profile', 'nvidia-760'], 'num_displays', '2');
    assert.match(commented, /^num_displays = 2 # one head is enough for a VDI session$/m);
    const added = setKey(fixture, ['profile', 'nvidia-760'], 'frl_config', '30');
    assert.match(added, /license_type = .*\nfrl_config = 30\n/);
    const table = setKey(fixture, ['mdev', '00000000-0000-4000-8000-000000000001'], 'framebuffer', '"1G"');
    assert.ok(table.startsWith(fixture));
    assert.match(table, /\n\[mdev\.00000000-0000-4000-8000-000000000001\]\nframebuffer = "1G"\n$/);
    // Round trip: set then unset gives the file back, byte for byte.
    assert.equal(unsetKey(added, ['profile', 'nvidia-760'], 'frl_config'), fixture);
    assert.equal(unsetKey(table, ['mdev', '00000000-0000-4000-8000-000000000001']), fixture);
    const noVm = unsetKey(fixture, ['vm', '100']);
    assert.doesNotMatch(noVm, /Per-VM|vm\.100|frl_enabled/);
    assert.match(noVm, /\[custom\]\nnote = /);
    assert.equal(unsetKey(fixture, ['vm', '999']), fixture);
  });
});
