import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { fixturePciIds } from '../../test/helpers/fixtures.ts';
import { isVgpuctlError } from '../core/errors.ts';
import type { PciIds } from '../core/pci-ids.ts';
import type { ScenarioInput } from '../emulator/scenario/schema.ts';
import { addRenderNode, bootHost, type TestHost } from './_test-hosts.ts';
import type { Candidate } from './candidate.ts';
import { GpuManager, type GpuManagerOptions } from './gpu-manager.ts';
import { GPU_MODES, parseGpuMode } from './modes.ts';
import type { SelectRequest } from './select.ts';

let pciIds: PciIds;
before(async () => {
  pciIds = await fixturePciIds();
});

const MDEV_UUID = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';

async function scanned(
  scenario: string | ScenarioInput,
  options: GpuManagerOptions = {},
  prepare: (t: TestHost) => void = () => undefined,
): Promise<GpuManager> {
  const testHost = bootHost(scenario);
  prepare(testHost);
  const manager = new GpuManager(testHost.host, { pciIds, newUuid: () => MDEV_UUID, ...options });
  await manager.scan();
  return manager;
}

/** Expects a VgpuctlError with `code` whose message matches `message` and whose hint matches `hint`. */
function rejects(run: () => unknown, code: string, message: RegExp, hint?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isVgpuctlError(error), String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    if (hint !== undefined) assert.match(error.hint ?? '', hint);
    return true;
  });
}

const brief = (c: Candidate) => `${c.mode} ${c.device ?? '-'} ${c.label}`;

/** The lab host without the GPUs of one kind and with a few host facts changed. */
const LAB_GPUS: NonNullable<ScenarioInput['gpus']> = [
  { address: '0000:00:02.0', model: 'intel-uhd-630', bootVga: true, vgpu: 'gvt-g' },
  { address: '0000:01:00.0', model: 'geforce-rtx-4070', driver: 'nvidia', virtualVramMiB: 2048 },
  { address: '0000:3b:00.0', model: 'tesla-t4', vgpu: 'mdev' },
];

describe('GpuManager.scan() on the lab host', () => {
  let manager: GpuManager;
  before(async () => {
    manager = await scanned('lab');
  });

  test('lists candidates of every mode, highest priority first, indexed in order', () => {
    const modes = manager.candidates.map((c) => c.mode);
    assert.deepEqual([...new Set(modes)], [...GPU_MODES]);
    assert.deepEqual(
      manager.candidates.map((c) => c.index),
      manager.candidates.map((_, i) => i),
    );
    assert.deepEqual(
      manager.candidates.map((c) => c.priority),
      modes.map((m) => ({ passthrough: 4, sriov: 3, mdev: 2, software: 1 })[m]),
    );
  });

  test('within a mode available candidates come first, the boot VGA GPU last', () => {
    const passthrough = manager.candidates.filter((c) => c.mode === 'passthrough').map(brief);
    assert.deepEqual(passthrough, [
      // GPUs that cannot be shared otherwise before the vGPU-capable ones.
      'passthrough 0000:01:00.0 NVIDIA GeForce RTX 4070 with 0000:01:00.1',
      'passthrough 0000:3b:00.0 NVIDIA Tesla T4',
      'passthrough 0000:41:00.0 NVIDIA device 26b9',
      'passthrough 0000:81:00.0 NVIDIA GeForce GTX 1060 6GB with 0000:81:00.1',
      'passthrough 0000:00:02.0 Intel UHD Graphics 630',
    ]);
  });

  const verdicts: [string, string, string, RegExp][] = [
    ['the boot VGA iGPU cannot be passed through', 'passthrough', '0000:00:02.0', /is the boot VGA device/],
    ['the L40S VFs belong to NVIDIA vGPUs', 'sriov', '0000:41:00.0', /its VFs carry NVIDIA vGPUs.*use mode mdev/],
    ['a GPU without SR-IOV has no VFs', 'sriov', '0000:01:00.0', /not SR-IOV capable/],
    [
      'the L40S offers vendor-VFIO types only once VFs exist',
      'mdev',
      '0000:41:00.0',
      /SR-IOV VFs are not enabled \(0 of 32\)/,
    ],
    ['the RTX 4070 has no vGPU support', 'mdev', '0000:01:00.0', /offers no mediated devices or vGPUs/],
  ];
  for (const [name, mode, device, reason] of verdicts) {
    test(`unavailable with a reason: ${name}`, () => {
      const candidate = manager.candidates.find((c) => c.mode === mode && c.device === device && !c.available);
      assert.ok(candidate, `no unavailable ${mode} candidate for ${device}`);
      assert.match(candidate.reasons.join('\n'), reason);
    });
  }

  test('the passthrough candidate carries the whole IOMMU group', () => {
    const rtx = manager.candidates.find((c) => c.mode === 'passthrough' && c.device === '0000:01:00.0');
    assert.deepEqual(rtx?.target, {
      kind: 'passthrough',
      gpu: '0000:01:00.0',
      groupId: 2,
      functions: ['0000:01:00.0', '0000:01:00.1'],
      toBind: ['0000:01:00.0', '0000:01:00.1'],
    });
  });
});

describe('selection on the lab host', () => {
  let manager: GpuManager;
  before(async () => {
    manager = await scanned('lab');
  });

  const cases: [string, SelectRequest, string, string][] = [
    [
      'auto-selection takes the best candidate: the RTX 4070, whole',
      {},
      'auto',
      'passthrough 0000:01:00.0 NVIDIA GeForce RTX 4070 with 0000:01:00.1',
    ],
    [
      'forced passthrough',
      { mode: 'passthrough' },
      'mode',
      'passthrough 0000:01:00.0 NVIDIA GeForce RTX 4070 with 0000:01:00.1',
    ],
    [
      'forced passthrough of another GPU',
      { mode: 'passthrough', device: '3b:00.0' },
      'mode',
      'passthrough 0000:3b:00.0 NVIDIA Tesla T4',
    ],
    [
      'forced mdev: the first type of the first GPU that is not the boot VGA',
      { mode: 'mdev' },
      'mode',
      'mdev 0000:3b:00.0 GRID T4-1B on NVIDIA Tesla T4',
    ],
    [
      'mdev on the boot VGA iGPU is fine: the host keeps the GPU',
      { mode: 'mdev', device: '0000:00:02.0' },
      'mode',
      'mdev 0000:00:02.0 i915-GVTg_V5_4 on Intel UHD Graphics 630',
    ],
    [
      'an mdev type by its short name implies mode mdev',
      { mdevType: 'T4-2Q' },
      'mode',
      'mdev 0000:3b:00.0 GRID T4-2Q on NVIDIA Tesla T4',
    ],
    [
      'an mdev type by id on a named GPU',
      { mode: 'mdev', device: '0000:81:00.0', mdevType: 'nvidia-761' },
      'mode',
      'mdev 0000:81:00.0 NVIDIA RTXA5500-2B on NVIDIA GeForce GTX 1060 6GB',
    ],
    [
      'forced software: 2D, the lab has no render node',
      { mode: 'software' },
      'mode',
      'software - virtio-vga, 2D (no host GPU needed)',
    ],
    [
      'preferring sriov falls back to the next mode, mdev',
      { prefer: 'sriov' },
      'fallback',
      'mdev 0000:3b:00.0 GRID T4-1B on NVIDIA Tesla T4',
    ],
    [
      'a preference that is available is taken',
      { prefer: 'mdev' },
      'preferred',
      'mdev 0000:3b:00.0 GRID T4-1B on NVIDIA Tesla T4',
    ],
    [
      'preferring passthrough of the boot VGA falls back to its mdev',
      { prefer: 'passthrough', device: '00:02.0' },
      'fallback',
      'mdev 0000:00:02.0 i915-GVTg_V5_4 on Intel UHD Graphics 630',
    ],
  ];
  for (const [name, request, how, expected] of cases) {
    test(name, () => {
      const selection = manager.select(request);
      assert.equal(brief(selection.candidate), expected);
      assert.equal(selection.how, how);
    });
  }

  test('a fallback records the modes it passed over and why', () => {
    const { skipped } = manager.select({ prefer: 'sriov' });
    assert.deepEqual(
      skipped.map((s) => s.mode),
      ['sriov'],
    );
    assert.match(skipped[0]?.reasons.join('\n') ?? '', /0000:41:00\.0: its VFs carry NVIDIA vGPUs/);
  });

  test('selection by index takes exactly that candidate', () => {
    const gtx = manager.candidates.find((c) => c.mode === 'passthrough' && c.device === '0000:81:00.0') as Candidate;
    const selection = manager.selectByIndex(gtx.index);
    assert.equal(selection.candidate, gtx);
    assert.equal(selection.how, 'index');
  });

  test('selectByMode() and autoSelect() with a preferred mode and fallback, as in seed 002', () => {
    assert.equal(
      manager.selectByMode('mdev', { mdevType: 'GRID T4-4Q' }).candidate.label,
      'GRID T4-4Q on NVIDIA Tesla T4',
    );
    manager.setPreferredMode('sriov');
    assert.equal(manager.autoSelect().candidate.mode, 'mdev');
    manager.setAutoFallback(false);
    rejects(() => manager.autoSelect(), 'GPU_MODE_UNAVAILABLE', /mode "sriov"/);
    manager.setPreferredMode(undefined);
    manager.setAutoFallback(true);
    assert.equal(manager.autoSelect().candidate.mode, 'passthrough');
  });
});

describe('bad input gives a clear error with the alternatives', () => {
  let manager: GpuManager;
  before(async () => {
    manager = await scanned('lab');
  });
  const alternatives =
    /Available instead: #0 passthrough NVIDIA GeForce RTX 4070.*#\d+ mdev GRID T4-1B.*#\d+ software virtio-vga/;

  test('an unknown mode names the modes', () => {
    rejects(
      () => parseGpuMode('gvt', { allowAuto: true }),
      'INVALID_ARGUMENT',
      /"gvt": it is not one of auto, passthrough, sriov, mdev, software/,
    );
  });

  test('wgpu, the name WGPU-based VM tools give the software mode, is the software mode', () => {
    assert.equal(parseGpuMode('wgpu', { allowAuto: true }), 'software');
    assert.equal(parseGpuMode('WGPU'), 'software');
  });

  test('forced sriov on a host whose only SR-IOV GPU serves NVIDIA vGPUs', () => {
    rejects(
      () => manager.select({ mode: 'sriov' }),
      'GPU_MODE_UNAVAILABLE',
      /mode "sriov": 0000:41:00\.0: its VFs carry NVIDIA vGPUs/,
      alternatives,
    );
  });

  test('a device that cannot serve the forced mode says why and what it can do instead', () => {
    rejects(
      () => manager.select({ mode: 'sriov', device: '0000:01:00.0' }),
      'GPU_MODE_UNAVAILABLE',
      /mode "sriov" on "0000:01:00\.0": 0000:01:00\.0: it is not SR-IOV capable/,
      /Available instead: #0 passthrough NVIDIA GeForce RTX 4070/,
    );
    rejects(
      () => manager.select({ mode: 'passthrough', device: '00:02.0' }),
      'GPU_MODE_UNAVAILABLE',
      /boot VGA/,
      /#\d+ mdev i915-GVTg_V5_4/,
    );
  });

  test('--no-fallback with nothing available in the preferred mode', () => {
    rejects(
      () => manager.select({ prefer: 'sriov', fallback: false }),
      'GPU_MODE_UNAVAILABLE',
      /mode "sriov"/,
      alternatives,
    );
  });

  test('an unknown device lists the devices', () => {
    rejects(() => manager.select({ device: '0000:99:00.0' }), 'DEVICE_NOT_FOUND', /"0000:99:00\.0"/, /0000:01:00\.0, /);
  });

  test('an unknown mdev type lists the types', () => {
    rejects(() => manager.select({ mdevType: 'T4-3Q' }), 'VGPU_TYPE_NOT_FOUND', /"T4-3Q"/, /GRID T4-1B, /);
  });

  test('contradictory options', () => {
    rejects(
      () => manager.select({ mode: 'mdev', prefer: 'passthrough' }),
      'USAGE',
      /both --gpu-mode mdev and --prefer passthrough/,
    );
    rejects(() => manager.select({ fallback: false }), 'USAGE', /--no-fallback without --prefer/);
    rejects(
      () => manager.select({ mode: 'passthrough', mdevType: 'T4-1B' }),
      'USAGE',
      /--mdev-type with --gpu-mode passthrough/,
    );
  });

  test('an index out of range or of an unavailable candidate', () => {
    rejects(() => manager.selectByIndex(999), 'INVALID_ARGUMENT', /candidate #999: there are \d+ candidates/);
    const boot = manager.candidates.find((c) => c.mode === 'passthrough' && c.device === '0000:00:02.0') as Candidate;
    rejects(() => manager.selectByIndex(boot.index), 'GPU_MODE_UNAVAILABLE', /boot VGA/, alternatives);
  });
});

describe('a host with no GPU at all', () => {
  let manager: GpuManager;
  before(async () => {
    manager = await scanned({ name: 'bare', gpus: [] });
  });

  test('software mode is chosen, 2D, and every other mode says why not', () => {
    const selection = manager.autoSelect();
    assert.equal(brief(selection.candidate), 'software - virtio-vga, 2D (no host GPU needed)');
    assert.deepEqual(
      selection.skipped.map((s) => [s.mode, s.reasons]),
      [
        ['passthrough', ['no GPU on this host (no PCI display controller)']],
        ['sriov', ['no SR-IOV capable GPU on this host']],
        ['mdev', ['no GPU or mdev parent on this host offers vGPU types']],
      ],
    );
  });

  test('forcing a hardware mode fails and offers the software GPU', () => {
    rejects(
      () => manager.select({ mode: 'passthrough' }),
      'GPU_MODE_UNAVAILABLE',
      /no GPU on this host/,
      /#3 software virtio-vga/,
    );
  });
});

describe('host facts that rule modes out', () => {
  test('no IOMMU and no KVM: hardware modes list both reasons; mdev needs only KVM; software warns of TCG', async () => {
    const manager = await scanned({ name: 'weak', iommu: 'off', kvm: false, gpus: LAB_GPUS });
    const rtx = manager.candidates.find((c) => c.mode === 'passthrough' && c.device === '0000:01:00.0');
    assert.match(rtx?.reasons.join('\n') ?? '', /KVM is not available/);
    assert.match(rtx?.reasons.join('\n') ?? '', /the IOMMU is off/);
    const t4 = manager.candidates.find((c) => c.mode === 'mdev' && c.device === '0000:3b:00.0');
    assert.deepEqual(t4?.reasons, [
      'KVM is not available (no /dev/kvm): assigned devices need hardware virtualization; enable VT-x/AMD-V and load kvm',
    ]);
    const selection = manager.autoSelect();
    assert.equal(selection.candidate.mode, 'software');
    assert.match(selection.candidate.notes.join('\n'), /TCG/);
  });
});

describe('software mode', () => {
  test("a render node offers virgl on its GPU, sized by that GPU's virtual VRAM, before plain 2D", async () => {
    const manager = await scanned('lab', {}, ({ kernel }) => {
      addRenderNode(kernel, '0000:00:02.0', 128);
      addRenderNode(kernel, '0000:01:00.0', 129);
    });
    const software = manager.candidates.filter((c) => c.mode === 'software');
    assert.deepEqual(
      software.map((c) => [c.label, c.target.kind === 'software' ? c.target.hostMemoryMiB : null]),
      [
        // The RTX 4070 is not the boot VGA GPU; its 2 GiB of virtual VRAM become the budget.
        ['virgl on /dev/dri/renderD129 (NVIDIA GeForce RTX 4070, nvidia)', 2048],
        ['virgl on /dev/dri/renderD128 (Intel UHD Graphics 630, i915)', 1024],
        ['virtio-vga, 2D (no host GPU needed)', 256],
      ],
    );
    assert.equal(manager.select({ mode: 'software', device: 'renderD128' }).candidate.device, '0000:00:02.0');
    assert.deepEqual(manager.selectByMode('software').candidate.target, {
      kind: 'software',
      api: 'virgl',
      renderNode: '/dev/dri/renderD129',
      gpu: '0000:01:00.0',
      driver: 'nvidia',
      hostMemoryMiB: 2048,
    });
  });

  const apis: [string, GpuManagerOptions, string[]][] = [
    [
      'venus where the driver has Vulkan',
      { softwareApi: 'venus' },
      [
        'venus on /dev/dri/renderD128 (Intel UHD Graphics 630, i915): ok',
        'virtio-vga, 2D (no host GPU needed): plain 2D has no Vulkan acceleration, and venus was asked for',
      ],
    ],
    ['2d only', { softwareApi: '2d', softwareMemoryMiB: 512 }, ['virtio-vga, 2D (no host GPU needed): ok']],
  ];
  for (const [name, options, expected] of apis) {
    test(name, async () => {
      const manager = await scanned('lab', options, ({ kernel }) => addRenderNode(kernel, '0000:00:02.0', 128));
      assert.deepEqual(
        manager.candidates
          .filter((c) => c.mode === 'software')
          .map((c) => `${c.label}: ${c.available ? 'ok' : c.reasons.join('; ')}`),
        expected,
      );
    });
  }

  test('a render node without its /dev node is unavailable', async () => {
    const manager = await scanned('lab', {}, ({ kernel }) =>
      addRenderNode(kernel, '0000:01:00.0', 128, { devNode: false }),
    );
    const node = manager.candidates.find((c) => c.mode === 'software' && c.device === '0000:01:00.0');
    assert.deepEqual(node?.reasons, [
      '/dev/dri/renderD128 does not exist (no udev, or not passed into this container)',
    ]);
    assert.equal(manager.selectByMode('software').candidate.label, 'virtio-vga, 2D (no host GPU needed)');
  });
});

describe('SR-IOV VF passthrough', () => {
  test('a GPU with plain VFs: one VF is enabled, and the VF it will be is named before it exists', async () => {
    const manager = await scanned({ name: 'sriov', gpus: [{ address: '0000:41:00.0', model: 'a10', vgpu: 'none' }] });
    const { candidate } = manager.selectByMode('sriov');
    assert.equal(candidate.label, 'VF 0000:41:00.4 of NVIDIA A10');
    assert.deepEqual(candidate.target, {
      kind: 'sriov',
      pf: '0000:41:00.0',
      vf: '0000:41:00.4',
      enableVfs: 1,
      bind: true,
    });
    assert.equal(manager.autoSelect().candidate.mode, 'passthrough');
  });

  test('with VFs enabled, a free VF is chosen', async () => {
    const manager = await scanned({
      name: 'sriov',
      gpus: [{ address: '0000:41:00.0', model: 'a10', vgpu: 'none', sriovNumVfs: 2 }],
    });
    assert.deepEqual(manager.selectByMode('sriov').candidate.target, {
      kind: 'sriov',
      pf: '0000:41:00.0',
      vf: '0000:41:00.4',
      enableVfs: null,
      bind: true,
    });
  });
});

describe('stats()', () => {
  test('says what was selected, how, the adapter and its memory, and how many candidates each mode had', async () => {
    const manager = await scanned('lab');
    assert.equal(manager.stats(), undefined);
    manager.select({ mode: 'mdev' });
    const stats = manager.stats();
    assert.ok(stats);
    assert.equal(stats.state, 'selected');
    assert.equal(stats.adapter, 'GRID T4-1B (nvidia-222, mdev) on NVIDIA Tesla T4');
    assert.deepEqual(stats.memory, { kind: 'framebuffer', MiB: 1024, physicalMiB: 1024, virtualMiB: null });
    assert.deepEqual(stats.candidates.byMode.passthrough, { total: 5, available: 4 });
    assert.deepEqual(stats.candidates.byMode.sriov, { total: 5, available: 0 });
    assert.equal(stats.candidates.byMode.software.available, 1);
  });

  test('of a passed-through GPU: its physical VRAM (virtual VRAM in host memory stays with the host)', async () => {
    const manager = await scanned('lab');
    manager.autoSelect();
    assert.deepEqual(manager.stats()?.memory, { kind: 'vram', MiB: 8192, physicalMiB: 8192, virtualMiB: null });
  });
});
