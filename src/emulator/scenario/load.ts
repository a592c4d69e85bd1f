/**
 * Resolving a scenario: a built-in name (`lab`, `big:gpus=128,instances=2048`) or a TOML
 * file's text, validated by the schema and by semantic checks (addresses, models, vGPU
 * modes, mdev types), with messages that point at the line or field at fault.
 */

import type { z } from 'zod';
import { VgpuctlError } from '../../core/errors.ts';
import { parseToml, TomlSyntaxError } from '../../formats/toml.ts';
import { getModel } from '../catalog/models.ts';
import { vgpuTypesFor } from '../drivers/nvidia/boards.ts';
import { layoutHost } from '../pci/layout.ts';
import type { BigParams } from './builtin/index.ts';
import { BUILTIN_SCENARIOS, bigScenario } from './builtin/index.ts';
import { Scenario } from './schema.ts';

/** Names of the built-in scenarios. */
export function builtinScenarioNames(): string[] {
  return [...BUILTIN_SCENARIOS.keys()];
}

/** Resolves a built-in scenario by name, or parses and validates a TOML scenario file's text. */
export function resolveScenario(input: { name: string } | { tomlText: string; source: string }): Scenario {
  if ('name' in input) return fromInput(builtinInput(input.name), input.name);
  return fromToml(input.tomlText, input.source);
}

function builtinInput(name: string): unknown {
  const [base = '', params] = splitOnce(name, ':');
  const make = BUILTIN_SCENARIOS.get(base);
  if (make === undefined) {
    throw new VgpuctlError('UNKNOWN_SCENARIO', `Cannot load scenario "${name}": no built-in scenario of that name`, {
      hint: `Built-in scenarios: ${builtinScenarioNames().join(', ')}; or pass a TOML file`,
    });
  }
  if (params === undefined) return make();
  if (base !== 'big') {
    throw new VgpuctlError('SCENARIO_INVALID', `Cannot load scenario "${name}": "${base}" takes no parameters`);
  }
  return bigScenario(parseBigParams(name, params));
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function parseBigParams(name: string, text: string): BigParams {
  const params: BigParams = {};
  const limits: Record<keyof BigParams, number> = { gpus: 1000, vfs: 32, instances: 16000 };
  for (const pair of text.split(',')) {
    const [key = '', value] = splitOnce(pair, '=');
    if (!(key in limits) || value === undefined || !/^\d+$/.test(value)) {
      throw new VgpuctlError('SCENARIO_INVALID', `Cannot load scenario "${name}": bad parameter "${pair}"`, {
        hint: 'Use big:gpus=N,vfs=N,instances=N',
      });
    }
    const number = Number(value);
    const k = key as keyof BigParams;
    if (number > limits[k]) {
      throw new VgpuctlError('SCENARIO_INVALID', `Cannot load scenario "${name}": ${key} is at most ${limits[k]}`);
    }
    params[k] = number;
  }
  const perGpu = 16; // GRID T4-1B instances per Tesla T4 (max_instance)
  if (params.gpus !== undefined && params.instances !== undefined && params.instances > params.gpus * perGpu) {
    throw new VgpuctlError(
      'SCENARIO_INVALID',
      `Cannot load scenario "${name}": ${params.instances} instances do not fit on ${params.gpus} GPUs (at most ${params.gpus * perGpu})`,
      {
        hint: `Give gpus=${Math.ceil(params.instances / perGpu)} or more, or instances=${params.gpus * perGpu} or fewer`,
      },
    );
  }
  return params;
}

function fromToml(text: string, source: string): Scenario {
  let data: unknown;
  try {
    data = parseToml(text);
  } catch (error) {
    if (error instanceof TomlSyntaxError) {
      throw new VgpuctlError(
        'SCENARIO_INVALID',
        `Cannot load scenario "${source}": line ${error.line}, column ${error.column}: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
  if (typeof data === 'object' && data !== null && !('name' in data)) {
    // A file without a name is named after itself ("two-t4.toml" → "two-t4").
    const base = source.replace(/^.*[\\/]/, '').replace(/\.toml$/i, '');
    (data as Record<string, unknown>).name =
      base
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+/, '') || 'scenario';
  }
  return fromInput(data, source);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path)
    out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out === '' ? '(top level)' : out;
}

function fromInput(data: unknown, source: string): Scenario {
  const parsed = Scenario.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    throw new VgpuctlError(
      'SCENARIO_INVALID',
      `Cannot load scenario "${source}": ${formatPath(issue.path)}: ${issue.message}`,
      {
        details: { issues: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) },
      },
    );
  }
  checkSemantics(parsed.data, source);
  return parsed.data;
}

/** Checks what the schema cannot: known models, supported vGPU modes, offered mdev types, a consistent layout. */
function checkSemantics(scenario: Scenario, source: string): void {
  const fail = (field: string, problem: string, hint?: string): never => {
    throw new VgpuctlError(
      'SCENARIO_INVALID',
      `Cannot load scenario "${source}": ${field}: ${problem}`,
      hint === undefined ? {} : { hint },
    );
  };
  const seen = new Set<string>();
  for (const [i, gpu] of scenario.gpus.entries()) {
    const at = `gpus[${i}]`;
    if (seen.has(gpu.address)) fail(`${at}.address`, `duplicate address ${gpu.address}`);
    seen.add(gpu.address);
    const model = getModel(gpu.model);
    if (model === undefined) {
      fail(`${at}.model`, `unknown model "${gpu.model}"`, 'See src/emulator/catalog/models.ts for model ids');
      continue;
    }
    const mode = gpu.vgpu ?? 'none';
    if (mode !== 'none' && !model.vgpuModes.includes(mode)) {
      fail(
        `${at}.vgpu`,
        `model "${model.id}" cannot do vGPU mode "${mode}"`,
        `Supported: ${model.vgpuModes.join(', ') || 'none'}`,
      );
    }
    if ((gpu.sriovNumVfs ?? 0) > (model.sriov?.totalVfs ?? 0)) {
      fail(`${at}.sriovNumVfs`, `model "${model.id}" supports at most ${model.sriov?.totalVfs ?? 0} VFs`);
    }
    if (model.vendor === 0x10de) {
      const offered = new Set(vgpuTypesFor(model.id).map((type) => `nvidia-${type.id}`));
      for (const type of gpu.vgpuTypes ?? []) {
        if (!offered.has(type)) fail(`${at}.vgpuTypes`, `type "${type}" is not offered by model "${model.id}"`);
      }
      const allowed = new Set(vgpuTypesFor(model.id, gpu.vgpuTypes).map((type) => `nvidia-${type.id}`));
      const sizes = new Map(vgpuTypesFor(model.id).map((type) => [`nvidia-${type.id}`, type.framebufferMiB]));
      let first: { type: string; size: number } | undefined;
      (gpu.mdevs ?? []).forEach((mdev, j) => {
        if (!allowed.has(mdev.type)) fail(`${at}.mdevs[${j}].type`, `type "${mdev.type}" is not offered by this GPU`);
        // One framebuffer size per physical GPU among running vGPUs (NVIDIA vGPU user guide,
        // "Valid vGPU configurations on a single GPU"); the driver refuses the second size.
        const size = sizes.get(mdev.type) ?? 0;
        if (first === undefined) first = { type: mdev.type, size };
        else if (size !== first.size) {
          fail(
            `${at}.mdevs[${j}].type`,
            `type "${mdev.type}" (${size} MiB) cannot run beside "${first.type}" (${first.size} MiB): the vGPUs of one GPU share one framebuffer size`,
            'Give every mdev of this GPU types of one framebuffer size',
          );
        }
      });
    }
  }
  layoutHost(scenario, { iommu: scenario.iommu !== 'off' });
}
