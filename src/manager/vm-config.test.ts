/**
 * The golden files of vmconfig/ are rendered from fixture configs; this test proves those
 * fixtures are exactly what the manager builds on the emulated hosts they describe, so the
 * goldens show real output per mode.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { fixturePciIds } from '../../test/helpers/fixtures.ts';
import type { PciIds } from '../core/pci-ids.ts';
import type { ScenarioInput } from '../emulator/scenario/schema.ts';
import { FIXTURE_CONFIGS, MDEV_UUID, VM_UUID } from '../vmconfig/_test-configs.ts';
import { addRenderNode, bootHost, type TestHost } from './_test-hosts.ts';
import { GpuManager, type GpuManagerOptions } from './gpu-manager.ts';
import type { SelectRequest } from './select.ts';
import { checkVmName } from './vm-config.ts';

let pciIds: PciIds;
before(async () => {
  pciIds = await fixturePciIds();
});

const A10_PLAIN: ScenarioInput = { name: 'a10-plain', gpus: [{ address: '0000:41:00.0', model: 'a10', vgpu: 'none' }] };
const L40S_VFS: ScenarioInput = {
  name: 'l40s-vfs',
  gpus: [{ address: '0000:41:00.0', model: 'l40s', vgpu: 'vendor-vfio', sriovNumVfs: 4 }],
};

const SOURCES: Record<string, [string | ScenarioInput, SelectRequest, GpuManagerOptions, (t: TestHost) => void]> = {
  passthrough: ['lab', { mode: 'passthrough' }, {}, () => undefined],
  sriov: [A10_PLAIN, { mode: 'sriov' }, {}, () => undefined],
  'mdev-nvidia': ['lab', { mode: 'mdev' }, {}, () => undefined],
  'mdev-compute': ['lab', { mdevType: 'T4-4C' }, {}, () => undefined],
  'mdev-gvt-g': ['lab', { mode: 'mdev', device: '00:02.0' }, {}, () => undefined],
  'mdev-vendor-vfio': [L40S_VFS, { mdevType: 'L40S-4Q' }, {}, () => undefined],
  'software-2d': ['lab', { mode: 'software' }, {}, () => undefined],
  'software-virgl': ['lab', { mode: 'software' }, {}, ({ kernel }) => addRenderNode(kernel, '0000:01:00.0', 128)],
  'software-venus': [
    'lab',
    { mode: 'software' },
    { softwareApi: 'venus' },
    ({ kernel }) => addRenderNode(kernel, '0000:00:02.0', 128),
  ],
};

describe('the manager builds the fixture configs of the golden files', () => {
  test('every fixture has a source here', () => {
    assert.deepEqual(Object.keys(SOURCES).sort(), Object.keys(FIXTURE_CONFIGS).sort());
  });
  for (const [fixture, [scenario, request, options, prepare]] of Object.entries(SOURCES)) {
    test(fixture, async () => {
      const testHost = bootHost(scenario);
      prepare(testHost);
      const manager = new GpuManager(testHost.host, { pciIds, newUuid: () => MDEV_UUID, ...options });
      await manager.scan();
      manager.select(request);
      assert.deepEqual(manager.vmConfig({ vmUuid: VM_UUID }), FIXTURE_CONFIGS[fixture]);
    });
  }
});

describe('checkVmName()', () => {
  for (const good of ['vgpuctl-vm', 'win11', 'a', 'vm.1'])
    test(`accepts ${good}`, () => assert.equal(checkVmName(good), good));
  for (const bad of ['', 'VM', '../x', 'a/b', 'a b', '-x', 'x-', 'a..b', 'x'.repeat(64)]) {
    test(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => checkVmName(bad), /Cannot use VM name/));
  }
});
