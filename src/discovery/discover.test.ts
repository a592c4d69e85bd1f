import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { fixturePciIds, tempDir } from '../../test/helpers/fixtures.ts';
import type { PciIds } from '../core/pci-ids.ts';
import { EmulatedHost } from '../emulator/emulated-host.ts';
import { EmulatedKernel } from '../emulator/kernel.ts';
import { builtinScenarioNames, resolveScenario } from '../emulator/scenario/load.ts';
import { writeTreeTo } from '../emulator/write-tree.ts';
import { FsHost } from '../host/fs-host.ts';
import { discover } from './discover.ts';
import { type Gpu, Inventory } from './inventory.ts';

let ids: PciIds;
before(async () => {
  ids = await fixturePciIds();
});

const inventoryOf = (name: string, options: { tools?: boolean } = {}) =>
  discover(new EmulatedHost(EmulatedKernel.boot(resolveScenario({ name })), options), { pciIds: ids });

const gpu = (inventory: Inventory, address: string): Gpu => {
  const found = inventory.gpus.find((g) => g.address === address);
  assert.ok(found, `GPU ${address} not in inventory`);
  return found;
};

describe('discover() on the lab scenario', () => {
  let lab: Inventory;
  before(async () => {
    lab = await inventoryOf('lab');
  });

  test('finds exactly the five GPUs, not their audio functions, bridges or VFs', () => {
    assert.deepEqual(
      lab.gpus.map((g) => g.address),
      ['0000:00:02.0', '0000:01:00.0', '0000:3b:00.0', '0000:41:00.0', '0000:81:00.0'],
    );
  });

  const identities: [string, string, string, string, string | null][] = [
    [
      '0000:00:02.0',
      'Intel Corporation CoffeeLake-S GT2 [UHD Graphics 630]',
      '0x030000',
      'i915',
      'VGA compatible controller',
    ],
    ['0000:01:00.0', 'NVIDIA Corporation AD104 [GeForce RTX 4070]', '0x030000', 'nvidia', 'VGA compatible controller'],
    ['0000:3b:00.0', 'NVIDIA Corporation TU104GL [Tesla T4]', '0x030200', 'nvidia', '3D controller'],
    // The fixture pci.ids has no 26b9, like hwdata 0.368: the name falls back to the id, as lspci does.
    ['0000:41:00.0', 'NVIDIA Corporation Device 26b9', '0x030200', 'nvidia', '3D controller'],
    [
      '0000:81:00.0',
      'NVIDIA Corporation GP106 [GeForce GTX 1060 6GB]',
      '0x030000',
      'nvidia',
      'VGA compatible controller',
    ],
  ];
  for (const [address, name, classCode, driver, className] of identities) {
    test(`${address} is named "${name}" and bound to ${driver}`, () => {
      const g = gpu(lab, address);
      assert.equal(g.name, name);
      assert.equal(g.classCode, classCode);
      assert.equal(g.className, className);
      assert.equal(g.driver, driver);
    });
  }

  test('the Intel iGPU is the boot VGA device and no other GPU is', () => {
    assert.deepEqual(
      lab.gpus.filter((g) => g.bootVga).map((g) => g.address),
      ['0000:00:02.0'],
    );
  });

  test('the Tesla T4 reports its subsystem, revision, PCIe link and BARs', () => {
    const t4 = gpu(lab, '0000:3b:00.0');
    assert.deepEqual(t4.subsystem, { vendorId: '10de', deviceId: '12a2', name: 'TU104GL [Tesla T4]' });
    assert.equal(t4.revision, '0xa1');
    assert.ok(t4.link !== null && t4.link.maxWidth === 16 && t4.link.generation !== null);
    assert.ok(t4.bars.length >= 2, 'BAR0 and the framebuffer BAR');
    assert.ok(t4.bars.some((b) => b.kind === 'mem64' && b.prefetchable));
  });

  test('the RTX 4070 and its audio function share one IOMMU group', () => {
    const rtx = gpu(lab, '0000:01:00.0');
    assert.ok(rtx.iommuGroup);
    assert.deepEqual(
      rtx.iommuGroup.members.map((m) => [m.address, m.driver]),
      [
        ['0000:01:00.0', 'nvidia'],
        ['0000:01:00.1', 'snd_hda_intel'],
      ],
    );
  });

  test('VRAM of the RTX 4070 comes from vram_info: 8 GiB physical + 2 GiB virtual', () => {
    assert.deepEqual(gpu(lab, '0000:01:00.0').vram, {
      totalMiB: 10240,
      physicalMiB: 8192,
      virtualMiB: 2048,
      source: 'vram_info',
    });
  });

  test('VRAM of NVIDIA GPUs without vram_info comes from nvidia-smi; the Intel iGPU has none stated', () => {
    assert.equal(gpu(lab, '0000:3b:00.0').vram.source, 'nvidia-smi');
    assert.ok((gpu(lab, '0000:3b:00.0').vram.totalMiB ?? 0) > 14_000);
    assert.deepEqual(gpu(lab, '0000:00:02.0').vram, {
      totalMiB: null,
      physicalMiB: null,
      virtualMiB: null,
      source: 'unknown',
    });
  });

  test('the Tesla T4 is a classic mdev parent with GRID T4 types parsed from their descriptions', () => {
    const mdev = gpu(lab, '0000:3b:00.0').mdev;
    assert.ok(mdev);
    const t1b = mdev.types.find((t) => t.id === 'nvidia-222');
    const t2b = mdev.types.find((t) => t.id === 'nvidia-223');
    assert.ok(t1b && t2b);
    assert.equal(t1b.name, 'GRID T4-1B');
    assert.deepEqual([t1b.framebufferMiB, t1b.maxInstances, t1b.availableInstances], [1024, 16, 16]);
    assert.equal(t2b.name, 'GRID T4-2B');
    assert.deepEqual([t2b.framebufferMiB, t2b.maxInstances, t2b.availableInstances], [2048, 8, 8]);
    assert.equal(t1b.deviceApi, 'vfio-pci');
  });

  test('the GTX 1060 offers exactly the unlocked RTXA5500 types of seed 004', () => {
    const mdev = gpu(lab, '0000:81:00.0').mdev;
    assert.deepEqual(
      mdev?.types.map((t) => [t.id, t.name, t.availableInstances, t.frameRateLimit, t.maxResolution]),
      [
        ['nvidia-760', 'NVIDIA RTXA5500-1B', 24, 45, '5120x2880'],
        ['nvidia-761', 'NVIDIA RTXA5500-2B', 12, 45, '5120x2880'],
      ],
    );
  });

  test('the Intel GVT-g types have no name file, as Intel ships them', () => {
    const mdev = gpu(lab, '0000:00:02.0').mdev;
    assert.deepEqual(
      mdev?.types.map((t) => [t.id, t.name]),
      [
        ['i915-GVTg_V5_4', null],
        ['i915-GVTg_V5_8', null],
      ],
    );
    assert.equal(mdev?.types[0]?.maxResolution, '1920x1200');
  });

  test('the L40S is SR-IOV capable in vendor-VFIO mode and is not an mdev parent', () => {
    const l40s = gpu(lab, '0000:41:00.0');
    assert.equal(l40s.mdev, null);
    assert.equal(l40s.sriov?.totalVfs, 32);
    assert.equal(l40s.sriov?.numVfs, 0);
    assert.equal(l40s.hostVgpuMode, 'SR-IOV');
  });

  test('host facts: IOMMU on, VFIO and KVM available, mdev parents counted', () => {
    assert.equal(lab.host.iommu.enabled, true);
    assert.equal(lab.host.iommu.driver, 'intel');
    assert.equal(lab.host.kvm.available, true);
    assert.equal(lab.host.vfio.loaded, true);
    assert.equal(lab.host.mdev.available, true);
    assert.equal(lab.host.mdev.parents, 3);
    assert.equal(lab.host.cmdlineFlags.intel_iommu, 'on');
    assert.deepEqual(lab.otherMdevParents, []);
  });
});

describe('discover() on the other built-in scenarios', () => {
  test('kubevirt-t4: no PCI GPU, one virtual mdev parent "nvidia" with the two T4 types', async () => {
    const inventory = await inventoryOf('kubevirt-t4');
    assert.deepEqual(inventory.gpus, []);
    assert.deepEqual(
      inventory.otherMdevParents.map((p) => [p.name, p.types.map((t) => [t.id, t.name, t.availableInstances])]),
      [
        [
          'nvidia',
          [
            ['nvidia-222', 'GRID T4-1B', 16],
            ['nvidia-223', 'GRID T4-2B', 8],
          ],
        ],
      ],
    );
  });

  test('samples: mbochs, mdpy and mtty parents with their capacities', async () => {
    const inventory = await inventoryOf('samples');
    const avail = Object.fromEntries(
      inventory.otherMdevParents.flatMap((p) => p.types.map((t) => [t.id, t.availableInstances])),
    );
    assert.deepEqual(avail, {
      'mbochs-large': 4,
      'mbochs-medium': 16,
      'mbochs-small': 64,
      'mdpy-hd': 4,
      'mdpy-vga': 4,
      'mdpy-xga': 4,
      'mtty-1': 24,
      'mtty-2': 12,
    });
    const mtty = inventory.otherMdevParents.find((p) => p.name === 'mtty');
    assert.equal(mtty?.types[0]?.description, null, 'mtty types have no description file');
  });

  test('big: 512 vGPU instances by default, on as many T4s as their 16-instance limit needs', async () => {
    const inventory = await inventoryOf('big');
    assert.equal(inventory.gpus.length, 32);
    const instances = inventory.gpus.reduce((n, g) => n + (g.mdev?.instances.length ?? 0), 0);
    assert.equal(instances, 512);
  });
});

describe('discover() output against the Inventory schema', () => {
  // discover() builds its result to the schema without parsing it at run time: the schema must
  // accept every built-in host's inventory as it is, with the same keys in the same order
  // (JSON output is printed from it), in every scope a command asks for.
  for (const name of builtinScenarioNames()) {
    test(`${name}: the schema accepts the inventory unchanged`, async () => {
      const kernel = EmulatedKernel.boot(resolveScenario({ name }));
      const host = new EmulatedHost(kernel);
      for (const options of [
        {},
        { deviceUsers: false, iommuGroups: false, pciDetails: false, otherFunctions: false, instances: 'ids' as const },
        { scope: { types: { inUse: [] } } },
      ]) {
        const inventory = await discover(host, { pciIds: ids, ...options });
        assert.equal(JSON.stringify(Inventory.parse(inventory)), JSON.stringify(inventory));
      }
    });
  }
});

describe('discover() through the real-filesystem adapter', () => {
  for (const name of ['lab', 'kubevirt-t4', 'samples']) {
    test(`a ${name} tree written to disk gives the same inventory as the in-memory host`, async () => {
      const kernel = EmulatedKernel.boot(resolveScenario({ name }));
      const { dir, cleanup } = await tempDir();
      try {
        await writeTreeTo(kernel.tree, dir);
        // Tools such as nvidia-smi describe a machine, not a tree: compare without them.
        const inMemory = await discover(new EmulatedHost(kernel, { tools: false }), { pciIds: ids });
        const onDisk = await discover(new FsHost(dir), { pciIds: ids });
        const normalise = (inv: Inventory) => ({ ...inv, host: { ...inv.host, source: '' } });
        assert.deepEqual(normalise(onDisk), normalise(inMemory));
        assert.equal(onDisk.host.source, `the tree at ${dir}`);
      } finally {
        await cleanup();
      }
    });
  }
});
