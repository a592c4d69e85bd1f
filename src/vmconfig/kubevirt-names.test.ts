import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { FIXTURE_CONFIGS } from './_test-configs.ts';
import { kubevirtYaml } from './kubevirt.ts';
import {
  kubevirtMdevDevice,
  kubevirtPciDevice,
  mdevResourceSuffix,
  pciResourceSuffix,
  resourceDomain,
} from './kubevirt-names.ts';
import type { VmGpuConfig } from './vm-gpu.ts';

describe('pciResourceSuffix() sanitizes pci.ids names as kubevirt-gpu-device-plugin does', () => {
  const cases: [string | null, string, string][] = [
    ['TU104GL [Tesla T4]', '1eb8', 'TU104GL_TESLA_T4'],
    ['AD104 [GeForce RTX 4070]', '2786', 'AD104_GEFORCE_RTX_4070'],
    ['GP106 [GeForce GTX 1060 6GB]', '1c03', 'GP106_GEFORCE_GTX_1060_6GB'],
    ['GA100 [A100 PCIe 40GB]', '20f1', 'GA100_A100_PCIE_40GB'],
    // "." and "/" become "_" before blanks do, so "Rev. A" keeps both underscores.
    ['TU102 [GeForce RTX 2080 Ti Rev. A]', '1e07', 'TU102_GEFORCE_RTX_2080_TI_REV__A'],
    ['GK104GL [GRID K520/K2]', '118a', 'GK104GL_GRID_K520_K2'],
    // No pci.ids name: the plugin falls back to the device id.
    [null, '26b9', '26b9'],
    ['', '26B9', '26b9'],
  ];
  for (const [name, id, expected] of cases) {
    test(`${JSON.stringify(name)} (${id}) → ${expected}`, () => assert.equal(pciResourceSuffix(name, id), expected));
  }
});

describe('mdevResourceSuffix() turns blanks into underscores, as KubeVirt reads mdev_type/name', () => {
  const cases: [string | null, string, string][] = [
    ['GRID T4-1B', 'nvidia-222', 'GRID_T4-1B'],
    ['NVIDIA RTXA5500-1B', 'nvidia-760', 'NVIDIA_RTXA5500-1B'],
    // Intel GVT-g types have no name file: KubeVirt uses the type id.
    [null, 'i915-GVTg_V5_4', 'i915-GVTg_V5_4'],
  ];
  for (const [name, id, expected] of cases) {
    test(`${JSON.stringify(name)} (${id}) → ${expected}`, () => assert.equal(mdevResourceSuffix(name, id), expected));
  }
});

describe('KubeVirt devices', () => {
  test('a Tesla T4 passed through: nvidia.com/TU104GL_TESLA_T4 selected by "10DE:1EB8"', () => {
    assert.deepEqual(kubevirtPciDevice('10de', '1eb8', 'TU104GL [Tesla T4]'), {
      resourceName: 'nvidia.com/TU104GL_TESLA_T4',
      selector: { kind: 'pci', pciVendorSelector: '10DE:1EB8' },
    });
  });

  test('a GRID T4-1B vGPU: nvidia.com/GRID_T4-1B selected by its name', () => {
    assert.deepEqual(kubevirtMdevDevice('10de', 'GRID T4-1B', 'nvidia-222'), {
      resourceName: 'nvidia.com/GRID_T4-1B',
      selector: { kind: 'mdev', mdevNameSelector: 'GRID T4-1B' },
    });
  });

  const domains: [string | null, string][] = [
    ['10de', 'nvidia.com'],
    ['8086', 'intel.com'],
    ['1002', 'amd.com'],
    ['1af4', 'devices.kubevirt.io'],
    [null, 'devices.kubevirt.io'],
  ];
  for (const [vendor, domain] of domains) {
    test(`vendor ${vendor} → ${domain}`, () => assert.equal(resourceDomain(vendor), domain));
  }
});

function named(fixture: string, vmName: string): VmGpuConfig {
  const config = FIXTURE_CONFIGS[fixture];
  assert.ok(config, `fixture ${fixture}`);
  return { ...config, vmName };
}

describe('kubevirtYaml() writes every VM name so that any YAML reader reads it back as that name', () => {
  // YAML 1.2 reads 123 and 1e3 as numbers; YAML 1.1 (Kubernetes) also reads yes/on/0x1f/1:20 specially.
  const names = ['123', '1e3', 'yes', 'on', 'null', '0x1f', '1:20', '.5', 'a"b', '#x', 'vgpuctl-vm', 'a: b'];
  for (const fixture of ['passthrough', 'mdev-nvidia', 'software-2d'] as const) {
    for (const vmName of names) {
      test(`${fixture}, VM "${vmName}"`, () => {
        const text = kubevirtYaml(named(fixture, vmName));
        const documents = text.split(/^---$/m);
        const vmi = documents[documents.length - 1] as string;
        for (const version of ['1.1', '1.2'] as const) {
          const parsed = parse(vmi, { version }) as { metadata: { name: unknown } };
          assert.equal(parsed.metadata.name, vmName, `YAML ${version} reads the name back as written`);
        }
      });
    }
  }
  test('a plain name stays unquoted, as the golden files show', () => {
    assert.match(kubevirtYaml(named('passthrough', 'web-1')), /^ {2}name: web-1$/m);
    assert.match(kubevirtYaml(named('passthrough', '123')), /^ {2}name: "123"$/m);
  });
});
