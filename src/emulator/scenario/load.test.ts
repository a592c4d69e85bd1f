import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { isVgpuctlError } from '../../core/errors.ts';
import { builtinScenarioNames, resolveScenario } from './load.ts';

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isVgpuctlError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  assert.fail('expected a VgpuctlError');
}

const toml = (body: string): { tomlText: string; source: string } => ({ tomlText: body, source: 'test.toml' });

describe('resolveScenario', () => {
  test('every built-in name resolves to a valid scenario', () => {
    assert.deepEqual(builtinScenarioNames(), ['lab', 'kubevirt-t4', 'samples', 'big']);
    for (const name of builtinScenarioNames()) assert.equal(resolveScenario({ name }).name, name);
  });

  test('lab places five GPUs with the boot VGA iGPU', () => {
    const lab = resolveScenario({ name: 'lab' });
    assert.deepEqual(
      lab.gpus.map((g) => g.address),
      ['0000:00:02.0', '0000:01:00.0', '0000:3b:00.0', '0000:41:00.0', '0000:81:00.0'],
    );
    assert.equal(lab.gpus[0]?.bootVga, true);
  });

  test('big takes parameters in its name', () => {
    const big = resolveScenario({ name: 'big:gpus=16,instances=64' });
    assert.equal(big.gpus.length, 16);
    assert.equal(
      big.gpus.reduce((n, g) => n + (g.mdevs?.length ?? 0), 0),
      64,
    );
    assert.equal(errorOf(() => resolveScenario({ name: 'big:gpus=x' })).code, 'SCENARIO_INVALID');
  });

  test('big honours gpus=N: instances default to what fits, and a combination that cannot fit is refused', () => {
    const two = resolveScenario({ name: 'big:gpus=2' });
    assert.equal(two.gpus.length, 2);
    assert.equal(
      two.gpus.reduce((n, g) => n + (g.mdevs?.length ?? 0), 0),
      32,
    );
    const error = errorOf(() => resolveScenario({ name: 'big:gpus=2,instances=100' }));
    assert.equal(error.code, 'SCENARIO_INVALID');
    assert.match(error.message, /100 instances do not fit on 2 GPUs \(at most 32\)/);
    assert.equal(resolveScenario({ name: 'big:instances=64' }).gpus.length, 8);
    assert.equal(resolveScenario({ name: 'big:instances=1024' }).gpus.length, 64);
  });

  test('two framebuffer sizes on one T4 is a scenario error naming the field', () => {
    const error = errorOf(() =>
      resolveScenario(
        toml(
          [
            'name = "mixed"',
            '[[gpus]]',
            'address = "0000:3b:00.0"',
            'model = "tesla-t4"',
            'vgpu = "mdev"',
            '[[gpus.mdevs]]',
            'uuid = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"',
            'type = "nvidia-222"',
            '[[gpus.mdevs]]',
            'uuid = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1002"',
            'type = "nvidia-223"',
            '',
          ].join('\n'),
        ),
      ),
    );
    assert.equal(error.code, 'SCENARIO_INVALID');
    assert.match(
      error.message,
      /^Cannot load scenario "test\.toml": gpus\[0\]\.mdevs\[1\]\.type: type "nvidia-223" \(2048 MiB\)/,
    );
  });

  test('an unknown name is UNKNOWN_SCENARIO', () => {
    const error = errorOf(() => resolveScenario({ name: 'nope' }));
    assert.equal(error.code, 'UNKNOWN_SCENARIO');
    assert.equal(error.message, 'Cannot load scenario "nope": no built-in scenario of that name');
  });

  test('malformed TOML reports its line and column', () => {
    const error = errorOf(() => resolveScenario(toml('name = "x"\n[[gpus]\naddress = 1\n')));
    assert.equal(error.code, 'SCENARIO_INVALID');
    assert.match(error.message, /^Cannot load scenario "test\.toml": line 2, column \d+: /);
  });

  test('schema errors name the field path', () => {
    const error = errorOf(() =>
      resolveScenario(toml('name = "x"\n[[gpus]]\naddress = "0000:3B:00.0"\nmodel = "tesla-t4"\n')),
    );
    assert.equal(error.code, 'SCENARIO_INVALID');
    assert.match(error.message, /^Cannot load scenario "test\.toml": gpus\[0\]\.address: expected a PCI address/);
  });

  const semantic: [string, string, RegExp][] = [
    [
      'an unknown model',
      '[[gpus]]\naddress = "0000:3b:00.0"\nmodel = "voodoo2"\n',
      /gpus\[0\]\.model: unknown model "voodoo2"/,
    ],
    [
      'a duplicate address',
      '[[gpus]]\naddress = "0000:3b:00.0"\nmodel = "tesla-t4"\n[[gpus]]\naddress = "0000:3b:00.0"\nmodel = "tesla-t4"\n',
      /gpus\[1\]\.address: duplicate address/,
    ],
    [
      'a vGPU mode the model cannot do',
      '[[gpus]]\naddress = "0000:3b:00.0"\nmodel = "tesla-t4"\nvgpu = "vendor-vfio"\n',
      /gpus\[0\]\.vgpu: model "tesla-t4" cannot do vGPU mode "vendor-vfio"/,
    ],
    [
      'an mdev type the GPU does not offer',
      '[[gpus]]\naddress = "0000:3b:00.0"\nmodel = "tesla-t4"\nvgpu = "mdev"\nmdevs = [{ uuid = "2d3f1a4e-0b5c-4f6e-9a7b-8c9d0e1f2a3b", type = "nvidia-999" }]\n',
      /mdevs\[0\]\.type: type "nvidia-999" is not offered/,
    ],
    [
      'a companion function colliding with another GPU',
      '[[gpus]]\naddress = "0000:01:00.0"\nmodel = "geforce-rtx-4070"\n[[gpus]]\naddress = "0000:01:00.1"\nmodel = "tesla-t4"\n',
      /address 0000:01:00.1 is used twice/,
    ],
  ];
  for (const [what, body, pattern] of semantic) {
    test(`rejects ${what}`, () => {
      const error = errorOf(() => resolveScenario(toml(`name = "x"\n${body}`)));
      assert.equal(error.code, 'SCENARIO_INVALID');
      assert.match(error.message, pattern);
    });
  }

  test('examples/scenarios/two-t4.toml loads', () => {
    const path = new URL('../../../examples/scenarios/two-t4.toml', import.meta.url);
    const scenario = resolveScenario({ tomlText: readFileSync(path, 'utf8'), source: 'two-t4.toml' });
    assert.equal(scenario.name, 'two-t4');
    assert.equal(scenario.gpus.length, 2);
    assert.equal(scenario.kernel.release, '6.8.0-45-generic');
  });

  test('a file without a name is named after itself', () => {
    const scenario = resolveScenario({ tomlText: 'iommu = "off"\n', source: '/tmp/My Host.toml' });
    assert.equal(scenario.name, 'my-host');
  });
});
