import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KernelErrno } from '../../kernfs/errno-error.ts';
import { createTestKernel } from '../../mdev/_test-services.ts';
import { createI915Driver } from './index.ts';

const IGPU = { address: '0000:00:02.0', vendor: 0x8086, device: 0x3e92, classCode: 0x030000, modelId: 'intel-uhd-630' };
const TYPES = '/sys/class/mdev_bus/0000:00:02.0/mdev_supported_types';

function gvt(vgpu: 'gvt-g' | 'none' = 'gvt-g') {
  const k = createTestKernel();
  const driver = createI915Driver(new Map([[IGPU.address, { address: IGPU.address, model: IGPU.modelId, vgpu }]]));
  const gpu = k.addPci(IGPU);
  assert.equal(driver.matchStatic(gpu), true);
  k.bind(gpu, driver);
  return { k, gpu };
}

describe('i915 GVT-g', () => {
  test('types have no name file and the multi-line description', () => {
    const { k } = gvt();
    assert.deepEqual([...k.tree.dir(TYPES).children.keys()].sort(), ['i915-GVTg_V5_4', 'i915-GVTg_V5_8']);
    assert.deepEqual([...k.tree.dir(`${TYPES}/i915-GVTg_V5_4`).children.keys()].sort(), [
      'available_instances',
      'create',
      'description',
      'device_api',
      'devices',
    ]);
    assert.equal(
      k.read(`${TYPES}/i915-GVTg_V5_4/description`),
      'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4\n',
    );
    assert.equal(
      k.read(`${TYPES}/i915-GVTg_V5_8/description`),
      'low_gm_size: 64MB\nhigh_gm_size: 384MB\nfence: 4\nresolution: 1024x768\nweight: 2\n',
    );
  });

  test('both types shrink from one shared budget; exhaustion is ENOSPC', () => {
    const { k } = gvt();
    const avail = (t: string): string => k.read(`${TYPES}/i915-GVTg_${t}/available_instances`);
    assert.deepEqual([avail('V5_4'), avail('V5_8')], ['2\n', '4\n']);
    k.write(`${TYPES}/i915-GVTg_V5_4/create`, '00000000-0000-4000-8000-000000000001');
    assert.deepEqual([avail('V5_4'), avail('V5_8')], ['1\n', '2\n']);
    k.write(`${TYPES}/i915-GVTg_V5_8/create`, '00000000-0000-4000-8000-000000000002');
    k.write(`${TYPES}/i915-GVTg_V5_8/create`, '00000000-0000-4000-8000-000000000003');
    assert.deepEqual([avail('V5_4'), avail('V5_8')], ['0\n', '0\n']);
    assert.throws(
      () => k.write(`${TYPES}/i915-GVTg_V5_8/create`, '00000000-0000-4000-8000-000000000004'),
      (e) => e instanceof KernelErrno && e.errno === 'ENOSPC',
    );
    const dev = '/sys/bus/mdev/devices/00000000-0000-4000-8000-000000000001';
    assert.equal(k.tree.realpath(`${dev}/driver`), '/sys/bus/mdev/drivers/intel_vgpu_mdev');
    assert.equal(k.tree.realpath('/sys/bus/mdev/drivers/intel_vgpu_mdev/module'), '/sys/module/kvmgt');
    k.write(`${dev}/remove`, '1');
    assert.equal(avail('V5_4'), '1\n');
  });

  test('without gvt-g the iGPU is no mdev parent', () => {
    const { k } = gvt('none');
    assert.equal(k.tree.find('/sys/class/mdev_bus'), undefined);
  });
});
