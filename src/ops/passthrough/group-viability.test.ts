import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { isVgpuctlError } from '../../core/errors.ts';
import type { GroupDevice, Inventory } from '../../discovery/inventory.ts';
import { bootHost, inventoryOf } from './_test-lab.ts';
import { groupViability } from './group-viability.ts';

let lab: Inventory;
before(async () => {
  lab = await inventoryOf(bootHost().host);
});

const device = (address: string, driver: string | null, extra: Partial<GroupDevice> = {}): GroupDevice => ({
  address,
  kind: 'pci',
  name: null,
  classCode: '0x030000',
  className: null,
  driver,
  driverOverride: null,
  bridge: false,
  bootVga: false,
  physfn: null,
  vfioDevice: false,
  ...extra,
});

/** The lab inventory with group 2 replaced by `devices`. */
function withGroup(devices: GroupDevice[]): Inventory {
  const inventory = structuredClone(lab);
  const group = inventory.iommuGroups?.find((g) => g.id === 2);
  assert.ok(group);
  group.devices = devices;
  return inventory;
}

describe('groupViability()', () => {
  const cases: [string, GroupDevice[], string[]][] = [
    ['every endpoint on vfio-pci', [device('0000:01:00.0', 'vfio-pci'), device('0000:01:00.1', 'vfio-pci')], []],
    ['endpoints without a driver', [device('0000:01:00.0', null), device('0000:01:00.1', null)], []],
    ['an endpoint on pci-stub', [device('0000:01:00.0', 'vfio-pci'), device('0000:01:00.1', 'pci-stub')], []],
    ['a vendor variant of vfio-pci', [device('0000:01:00.0', 'nvgrace_gpu_vfio_pci')], []],
    [
      'a bridge on pcieport (bridges do not count)',
      [device('0000:00:01.0', 'pcieport', { bridge: true }), device('0000:01:00.0', 'vfio-pci')],
      [],
    ],
    [
      'a VF the nvidia driver registered with VFIO itself',
      [device('0000:41:00.4', 'nvidia', { vfioDevice: true })],
      [],
    ],
    ['an mdev member', [device('83b8f4f2-509f-382f-3c1e-e6bfe0fa1001', 'vfio_mdev', { kind: 'mdev' })], []],
    [
      'the audio function left on snd_hda_intel',
      [device('0000:01:00.0', 'vfio-pci'), device('0000:01:00.1', 'snd_hda_intel')],
      ['0000:01:00.1'],
    ],
    [
      'both functions on host drivers',
      [device('0000:01:00.0', 'nvidia'), device('0000:01:00.1', 'snd_hda_intel')],
      ['0000:01:00.0', '0000:01:00.1'],
    ],
  ];
  for (const [what, devices, blockers] of cases) {
    test(`${blockers.length === 0 ? 'viable' : 'blocked'}: ${what}`, () => {
      const result = groupViability(withGroup(devices), 2);
      assert.equal(result.viable, blockers.length === 0);
      assert.deepEqual(
        result.blockers.map((b) => b.address),
        blockers,
      );
    });
  }

  test('names the blocking driver and why it blocks', () => {
    assert.deepEqual(groupViability(lab, 2).blockers[1], {
      address: '0000:01:00.1',
      driver: 'snd_hda_intel',
      reason: 'bound to host driver "snd_hda_intel", which uses the kernel DMA API',
    });
  });

  test("works on an inventory without the group list, from the GPU's own group", () => {
    const { iommuGroups: _dropped, ...older } = lab;
    assert.deepEqual(
      groupViability(older, 2).blockers.map((b) => b.driver),
      ['nvidia', 'snd_hda_intel'],
    );
  });

  test('throws NOT_FOUND for a group the host does not have, listing the ones it has', () => {
    assert.throws(
      () => groupViability(lab, 99),
      (e: unknown) => isVgpuctlError(e) && e.code === 'NOT_FOUND' && /Groups on this host: 0, 1, 2/.test(e.hint ?? ''),
    );
  });
});
