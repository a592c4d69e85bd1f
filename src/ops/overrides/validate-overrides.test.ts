import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { applyOverrides, profileOverrides } from '../../catalog/effective-profile.ts';
import { profileByName } from '../../catalog/index.ts';
import { parseOverrideFile } from '../../formats/profile-override-toml.ts';
import { validateOverrides } from './validate-overrides.ts';

const fixture = await readFile(
  new URL('../../../test/fixtures/vgpu-unlock/profile_override.toml', import.meta.url),
  'utf8',
);
// The lab's GTX 1060: 6 GiB offering RTX A5500 types 760 and 761.
const host = {
  offered: new Map([
    [760, 6144],
    [761, 6144],
  ]),
  mdevs: new Map<string, number>(),
};
const check = (text: string) =>
  validateOverrides(parseOverrideFile(text), host).map((i) => `${i.severity} ${i.line}:${i.column} ${i.key ?? '-'}`);

describe('validateOverrides', () => {
  test('the fixture has only the warning about the table vgpu_unlock-rs does not read', () => {
    assert.deepEqual(check(fixture), ['warning 15:1 -']);
  });

  test('unknown keys, wrong types, long strings and bad table names are errors with line and column', () => {
    const text = [
      '[profile.nvidia-760]',
      'framebufer = 0x38000000',
      'num_displays = "1"',
      '  card_name = "a name that is far too long for the field"',
      'cuda_enabled = 2',
      '[profile.760]',
      '[mdev.NOT-A-UUID]',
      '[vm.abc]',
      '[profile.nvidia-99999]',
      'max_instances = -1',
    ].join('\n');
    assert.deepEqual(check(text), [
      'error 2:1 framebufer',
      'error 3:1 num_displays',
      'error 4:3 card_name',
      'error 5:1 cuda_enabled',
      'error 6:1 -',
      'error 7:1 -',
      'error 8:1 -',
      'error 9:1 -',
      'error 10:1 max_instances',
    ]);
  });

  test('checks against the GPU: framebuffer, heads, resolution', () => {
    const text = [
      '[profile.nvidia-761]',
      'framebuffer = "8G"',
      'num_displays = 5',
      'display_width = 8192',
      'display_height = 4320',
      'max_pixels = 100',
      'frl_enabled = 0',
    ].join('\n');
    const issues = validateOverrides(parseOverrideFile(text), host);
    assert.deepEqual(
      issues.map((i) => `${i.severity} ${i.line} ${i.key}`),
      [
        'error 2 framebuffer',
        'error 3 num_displays',
        'error 4 display_width',
        'warning 6 max_pixels',
        'warning 7 frl_enabled',
      ],
    );
    assert.match(issues[0]?.message ?? '', /8192 MiB .* exceeds the GPU's 6144 MiB/);
  });

  test('the effective profile is the base with the profile table applied', () => {
    const values = parseOverrideFile(fixture).values;
    const base = profileByName('RTXA5500-1B') ?? assert.fail();
    const effective = applyOverrides(base, profileOverrides(values, 760));
    assert.equal(effective.framebufferMiB, 1024);
    assert.equal(effective.numHeads, 1);
    assert.equal(effective.maxResolution, '1920x1080');
    assert.deepEqual(effective.changed, ['numHeads', 'maxResolution']);
    assert.deepEqual(applyOverrides(base, profileOverrides(values, 761)).changed, []);
  });
});
