import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import type { VgpuctlError } from '../../core/errors.ts';
import { EmulatedHost } from '../../emulator/emulated-host.ts';
import { EmulatedKernel } from '../../emulator/kernel.ts';
import { resolveScenario } from '../../emulator/scenario/load.ts';
import { DEFAULT_OVERRIDE_PATH } from '../../store/paths.ts';
import { executePlan } from '../execute-plan.ts';
import { checkText, planOverride, tablePath, valueText } from './plan-override.ts';

const fixture = await readFile(
  new URL('../../../test/fixtures/vgpu-unlock/profile_override.toml', import.meta.url),
  'utf8',
);
const host = { offered: new Map([[760, 6144]]), mdevs: new Map<string, number>() };

describe('planOverride', () => {
  test('plans one atomic file write; executing it changes only the key', async () => {
    const emulated = new EmulatedHost(EmulatedKernel.boot(resolveScenario({ name: 'lab' })));
    const first = planOverride(
      DEFAULT_OVERRIDE_PATH,
      null,
      { kind: 'set', table: 'nvidia-760', values: { frl_config: '30' } },
      host,
    );
    assert.deepEqual(
      first.plan.steps.map((s) => s.kind),
      ['mkdir', 'writeFile'],
    );
    await executePlan(emulated, first.plan);
    assert.equal(await emulated.readText(DEFAULT_OVERRIDE_PATH), '[profile.nvidia-760]\nfrl_config = 30\n');
    const again = planOverride(
      DEFAULT_OVERRIDE_PATH,
      fixture,
      { kind: 'set', table: 'profile.nvidia-760', values: { frl_config: '30' } },
      host,
    );
    assert.equal(again.content, fixture.replace(/(license_type = .*\n)/, '$1frl_config = 30\n'));
    const same = planOverride(DEFAULT_OVERRIDE_PATH, fixture, { kind: 'unset', table: 'vm.999', keys: [] }, host);
    assert.deepEqual(same.plan.steps, [], 'nothing to write when nothing changes');
  });

  test("a result that fails the checks is refused with the first error's line and column", () => {
    const error = (() => {
      try {
        planOverride(
          DEFAULT_OVERRIDE_PATH,
          fixture,
          { kind: 'set', table: 'nvidia-760', values: { num_displays: '7' } },
          host,
        );
      } catch (e) {
        return e as VgpuctlError;
      }
      return assert.fail('expected a refusal');
    })();
    assert.equal(error.code, 'OVERRIDE_INVALID');
    assert.match(error.message, /line 3, column 1: num_displays must be 1–4/);
  });

  test('syntax errors, table names and values', () => {
    assert.deepEqual(
      checkText('[profile.nvidia-760]\nframebuffer = \n').map((i) => [i.severity, i.line]),
      [['error', 2]],
    );
    assert.deepEqual(tablePath('nvidia-760'), ['profile', 'nvidia-760']);
    assert.deepEqual(tablePath('mdev."00000000-0000-4000-8000-000000000001"'), [
      'mdev',
      '00000000-0000-4000-8000-000000000001',
    ]);
    assert.throws(() => tablePath('custom.x'), /not a table vgpu_unlock-rs reads/);
    assert.equal(valueText('framebuffer', '0x38000000'), '0x38000000');
    assert.equal(valueText('framebuffer', '1G'), '"1G"');
    assert.equal(valueText('card_name', '123'), '"123"');
    assert.throws(() => valueText('framebufer', '1'), /no such key/);
  });
});
