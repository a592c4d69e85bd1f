import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { errnoOf } from '../../kernfs/_test-errno.ts';
import { createTestKernel, type TestKernel, type TestPciFunction } from '../../mdev/_test-services.ts';
import type { GpuSpec } from '../../scenario/schema.ts';
import { createNvidiaDriver, emulateNvidiaSmi, registerVramInfo } from './index.ts';

const T4 = { address: '0000:3b:00.0', vendor: 0x10de, device: 0x1eb8, classCode: 0x030200, modelId: 'tesla-t4' };
const GTX1060 = {
  address: '0000:01:00.0',
  vendor: 0x10de,
  device: 0x1c03,
  classCode: 0x030000,
  modelId: 'geforce-gtx-1060-6gb',
};
const L40S = { address: '0000:41:00.0', vendor: 0x10de, device: 0x26b9, classCode: 0x030200, modelId: 'l40s' };
const A10 = { address: '0000:41:00.0', vendor: 0x10de, device: 0x2236, classCode: 0x030200, modelId: 'a10' };

function setup(pci: typeof T4, spec: Partial<GpuSpec>): { k: TestKernel; gpu: TestPciFunction } {
  const k = createTestKernel();
  const driver = createNvidiaDriver(new Map([[pci.address, { address: pci.address, model: pci.modelId, ...spec }]]));
  const gpu = k.addPci(pci);
  k.bind(gpu, driver);
  return { k, gpu };
}

const uuid = (n: number): string => `11111111-2222-4333-8444-${n.toString(16).padStart(12, '0')}`;

describe('nvidia classic mdev (T4, unlocked GTX 1060)', () => {
  const types = `/sys/bus/pci/devices/${T4.address}/mdev_supported_types`;

  test('the T4 PF becomes an mdev parent with NVIDIA names and descriptions', () => {
    const { k } = setup(T4, { vgpu: 'mdev' });
    assert.equal(
      k.tree.realpath(`/sys/class/mdev_bus/${T4.address}`),
      `/sys/devices/pci0000:00/0000:00:01.0/${T4.address}`,
    );
    const cases: [string, string, string, string][] = [
      [
        'nvidia-222',
        'GRID T4-1B',
        'num_heads=4, frl_config=45, framebuffer=1024M, max_resolution=5120x2880, max_instance=16',
        '16',
      ],
      [
        'nvidia-223',
        'GRID T4-2B',
        'num_heads=4, frl_config=45, framebuffer=2048M, max_resolution=5120x2880, max_instance=8',
        '8',
      ],
      [
        'nvidia-230',
        'GRID T4-1Q',
        'num_heads=4, frl_config=60, framebuffer=1024M, max_resolution=5120x2880, max_instance=16',
        '16',
      ],
      [
        'nvidia-231',
        'GRID T4-2Q',
        'num_heads=4, frl_config=60, framebuffer=2048M, max_resolution=7680x4320, max_instance=8',
        '8',
      ],
      [
        'nvidia-229',
        'GRID T4-16A',
        'num_heads=1, frl_config=60, framebuffer=16384M, max_resolution=1280x1024, max_instance=1',
        '1',
      ],
      [
        'nvidia-319',
        'GRID T4-4C',
        'num_heads=1, frl_config=60, framebuffer=4096M, max_resolution=4096x2160, max_instance=4',
        '4',
      ],
    ];
    for (const [id, name, description, available] of cases) {
      assert.equal(k.read(`${types}/${id}/name`), `${name}\n`);
      assert.equal(k.read(`${types}/${id}/description`), `${description}\n`);
      assert.equal(k.read(`${types}/${id}/available_instances`), `${available}\n`);
      assert.equal(k.read(`${types}/${id}/device_api`), 'vfio-pci\n');
    }
    assert.equal(k.tree.dir(types).children.size, 17);
  });

  test('one framebuffer size per GPU: other sizes drop to 0 and refuse with EINVAL', () => {
    const { k } = setup(T4, { vgpu: 'mdev' });
    k.write(`${types}/nvidia-222/create`, uuid(1));
    assert.equal(k.read(`${types}/nvidia-222/available_instances`), '15\n');
    assert.equal(k.read(`${types}/nvidia-230/available_instances`), '15\n', 'same-size 1Q shares capacity');
    assert.equal(k.read(`${types}/nvidia-223/available_instances`), '0\n');
    assert.equal(
      errnoOf(() => k.write(`${types}/nvidia-223/create`, uuid(2))),
      'EINVAL',
    );
    k.write(`${types}/nvidia-230/create`, uuid(3));
    assert.equal(k.read(`${types}/nvidia-222/available_instances`), '14\n');
    assert.equal(k.tree.realpath(`/sys/bus/mdev/devices/${uuid(1)}/driver`), '/sys/bus/mdev/drivers/nvidia-vgpu-vfio');
  });

  test('exhausting a size fails with ENOSPC; removing frees it', () => {
    const { k } = setup(T4, { vgpu: 'mdev' });
    for (let i = 0; i < 8; i++) k.write(`${types}/nvidia-223/create`, uuid(i));
    assert.equal(
      errnoOf(() => k.write(`${types}/nvidia-231/create`, uuid(99))),
      'ENOSPC',
    );
    for (let i = 0; i < 8; i++) k.write(`/sys/bus/mdev/devices/${uuid(i)}/remove`, '1');
    assert.equal(k.read(`${types}/nvidia-222/available_instances`), '16\n');
  });

  test('unbinding nvidia unregisters the parent and its vGPUs', () => {
    const { k, gpu } = setup(T4, { vgpu: 'mdev' });
    k.write(`${types}/nvidia-222/create`, uuid(1));
    k.unbind(gpu);
    assert.equal(k.tree.find(`/sys/class/mdev_bus/${T4.address}`, false), undefined);
    assert.equal(k.tree.find(`/sys/bus/mdev/devices/${uuid(1)}`, false), undefined);
    assert.equal(k.tree.find(types), undefined);
  });

  test('an unlocked GTX 1060 offers exactly the seed-004 RTXA5500 types', () => {
    const { k } = setup(GTX1060, { vgpu: 'mdev', vgpuTypes: ['nvidia-760', 'nvidia-761'] });
    const dir = `/sys/bus/pci/devices/${GTX1060.address}/mdev_supported_types`;
    assert.deepEqual([...k.tree.dir(dir).children.keys()].sort(), ['nvidia-760', 'nvidia-761']);
    assert.equal(k.read(`${dir}/nvidia-760/name`), 'NVIDIA RTXA5500-1B\n');
    assert.equal(
      k.read(`${dir}/nvidia-760/description`),
      'num_heads=4, frl_config=45, framebuffer=1024M, max_resolution=5120x2880, max_instance=24\n',
    );
    assert.equal(k.read(`${dir}/nvidia-761/name`), 'NVIDIA RTXA5500-2B\n');
    assert.equal(
      k.read(`${dir}/nvidia-761/description`),
      'num_heads=4, frl_config=45, framebuffer=2048M, max_resolution=5120x2880, max_instance=12\n',
    );
    assert.equal(k.read(`${dir}/nvidia-761/available_instances`), '12\n');
  });

  test('a GPU without vGPU mode binds without mdev', () => {
    const { k } = setup(T4, {});
    assert.equal(k.tree.find('/sys/bus/mdev'), undefined);
  });
});

describe('nvidia vendor-specific VFIO (L40S, #25)', () => {
  function l40s(numVfs = 4): { k: TestKernel; gpu: TestPciFunction } {
    const env = setup(L40S, { vgpu: 'vendor-vfio' });
    const driver = env.gpu.driver;
    assert.ok(driver?.sriovConfigure);
    driver.sriovConfigure(env.gpu, numVfs, env.k.services);
    return env;
  }
  const vf = (n: number): string => `/sys/bus/pci/devices/0000:41:00.${4 + n}/nvidia`;

  test('VFs get nvidia/ files; the PF has none and there is no mdev bus', () => {
    const { k } = l40s();
    assert.equal(k.tree.find(`/sys/bus/pci/devices/${L40S.address}/nvidia`), undefined);
    assert.equal(k.tree.find('/sys/bus/mdev'), undefined);
    assert.equal(k.read(`${vf(0)}/current_vgpu_type`), '0\n');
    const creatable = k.read(`${vf(0)}/creatable_vgpu_types`);
    assert.ok(creatable.startsWith('ID    : vGPU Name\n1145  : NVIDIA L40S-1B\n'), creatable);
    assert.match(creatable, /^1156 {2}: NVIDIA L40S-48Q$/m);
    assert.ok(k.tree.find('/sys/bus/pci/devices/0000:41:00.4/vfio-dev'));
  });

  test("setting a type creates a vGPU and shrinks the siblings' creatable list", () => {
    const { k } = l40s();
    assert.equal(k.write(`${vf(0)}/current_vgpu_type`, '1150'), 4);
    assert.equal(k.read(`${vf(0)}/current_vgpu_type`), '1150\n');
    assert.equal(k.read(`${vf(0)}/creatable_vgpu_types`), 'ID    : vGPU Name\n');
    assert.equal(
      k.read(`${vf(1)}/creatable_vgpu_types`),
      'ID    : vGPU Name\n1150  : NVIDIA L40S-4Q\n1160  : NVIDIA L40S-4A\n1167  : NVIDIA L40S-4C\n',
    );
    assert.equal(k.read(`${vf(0)}/gpu_instance_id`), '-1\n');
    assert.equal(k.read(`${vf(0)}/placement_id`), '0\n');
    assert.equal(
      errnoOf(() => k.write(`${vf(1)}/current_vgpu_type`, '1147\n')),
      'EINVAL',
    );
    assert.equal(
      errnoOf(() => k.write(`${vf(0)}/current_vgpu_type`, '1150')),
      'EBUSY',
    );
    k.write(`${vf(1)}/current_vgpu_type`, '1160\n');
    assert.equal(k.read(`${vf(1)}/placement_id`), '4\n');
    assert.equal(k.write(`${vf(0)}/current_vgpu_type`, '0\n'), 2);
    assert.equal(k.read(`${vf(0)}/current_vgpu_type`), '0\n');
    assert.equal(
      errnoOf(() => k.read(`${vf(0)}/gpu_instance_id`)),
      'ENODEV',
    );
  });

  test('a full-size vGPU leaves only the header everywhere; junk and unknown ids are EINVAL', () => {
    const { k } = l40s();
    k.write(`${vf(2)}/current_vgpu_type`, '1156');
    for (const n of [0, 1, 3]) assert.equal(k.read(`${vf(n)}/creatable_vgpu_types`), 'ID    : vGPU Name\n');
    assert.equal(
      errnoOf(() => k.write(`${vf(0)}/current_vgpu_type`, '1156')),
      'EINVAL',
    );
    assert.equal(
      errnoOf(() => k.write(`${vf(0)}/current_vgpu_type`, 'abc')),
      'EINVAL',
    );
    assert.equal(
      errnoOf(() => k.write(`${vf(0)}/current_vgpu_type`, '9999')),
      'EINVAL',
    );
  });

  test('VFs hosting vGPUs cannot be disabled; free ones can', () => {
    const { k, gpu } = l40s(2);
    k.write(`${vf(0)}/current_vgpu_type`, '1147');
    assert.equal(
      errnoOf(() => gpu.driver?.sriovConfigure?.(gpu, 0, k.services)),
      'EBUSY',
    );
    k.write(`${vf(0)}/current_vgpu_type`, '0');
    gpu.driver?.sriovConfigure?.(gpu, 0, k.services);
    assert.equal(k.tree.find('/sys/bus/pci/devices/0000:41:00.4'), undefined);
  });
});

describe('nvidia SR-IOV mdev (A10)', () => {
  test('each VF is an mdev parent with one instance', () => {
    const { k, gpu } = setup(A10, { vgpu: 'sriov-mdev' });
    gpu.driver?.sriovConfigure?.(gpu, 2, k.services);
    assert.equal(k.tree.find(`/sys/bus/pci/devices/${A10.address}/mdev_supported_types`), undefined);
    const vf0 = '/sys/class/mdev_bus/0000:41:00.4/mdev_supported_types';
    const vf1 = '/sys/class/mdev_bus/0000:41:00.5/mdev_supported_types';
    assert.equal(k.read(`${vf0}/nvidia-593/name`), 'NVIDIA A10-4Q\n');
    assert.equal(k.read(`${vf0}/nvidia-593/available_instances`), '1\n');
    k.write(`${vf0}/nvidia-593/create`, uuid(1));
    assert.equal(k.read(`${vf0}/nvidia-593/available_instances`), '0\n');
    assert.equal(
      errnoOf(() => k.write(`${vf0}/nvidia-593/create`, uuid(2))),
      'ENOSPC',
    );
    assert.equal(k.read(`${vf1}/nvidia-593/available_instances`), '1\n');
    assert.equal(k.read(`${vf1}/nvidia-591/available_instances`), '0\n');
    assert.equal(
      errnoOf(() => k.write(`${vf1}/nvidia-591/create`, uuid(3))),
      'EINVAL',
    );
  });
});

describe('nvidia-smi -q -x', () => {
  test("a well-formed nvidia_smi_log with the GPU's PCI identity and vGPU mode", () => {
    const { k } = setup(T4, { vgpu: 'mdev' });
    k.write(`/sys/bus/pci/devices/${T4.address}/mdev_supported_types/nvidia-223/create`, uuid(1));
    const result = emulateNvidiaSmi(['-q', '-x'], k.services);
    assert.equal(result.status, 0);
    assert.equal(XMLValidator.validate(result.stdout), true);
    const log = new XMLParser({ ignoreAttributes: false }).parse(result.stdout).nvidia_smi_log;
    assert.equal(log.attached_gpus, 1);
    const gpu = log.gpu;
    assert.equal(gpu['@_id'], '00000000:3B:00.0');
    assert.equal(gpu.product_name, 'NVIDIA Tesla T4');
    assert.equal(gpu.product_architecture, 'Turing');
    assert.match(gpu.uuid, /^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(gpu.pci.pci_device_id, '1EB810DE');
    assert.equal(gpu.pci.pci_bus_id, '00000000:3B:00.0');
    assert.equal(gpu.pci.pci_bus, '3B');
    assert.equal(gpu.fb_memory_usage.total, '15360 MiB');
    assert.equal(gpu.fb_memory_usage.used, '2048 MiB');
    assert.equal(gpu.mig_mode.current_mig, 'N/A');
    assert.equal(gpu.gpu_virtualization_mode.virtualization_mode, 'Host VGPU');
    assert.equal(gpu.gpu_virtualization_mode.host_vgpu_mode, 'Non SR-IOV');
    assert.equal(emulateNvidiaSmi(['-q', '-x'], k.services).stdout.includes(gpu.uuid), true, 'stable uuid');
  });

  test('unknown arguments exit 2 with a usage line', () => {
    const { k } = setup(T4, {});
    const result = emulateNvidiaSmi(['--bogus'], k.services);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /nvidia-smi -h/);
  });
});

describe('vgpu_nvidia vram_info (seed 000)', () => {
  test('reads exactly like the seed and points at the GPU', () => {
    const k = createTestKernel();
    const gpu = k.addPci({
      address: '0000:01:00.0',
      vendor: 0x10de,
      device: 0x2786,
      classCode: 0x030000,
      modelId: 'geforce-rtx-4070',
    });
    registerVramInfo(k.services, gpu, 8192, 2048, 'NVIDIA GeForce RTX 4070');
    assert.equal(
      k.read('/sys/class/vgpu_nvidia/vgpu_nvidia/vram_info'),
      'GPU: Nvidia GeForce RTX 4070\nTotal VRAM: 10240 MB (10 GB)\nPhysical VRAM: 8192 MB (8 GB)\nVirtual VRAM: 2048 MB (2 GB)\n',
    );
    assert.equal(k.tree.realpath('/sys/class/vgpu_nvidia/vgpu_nvidia'), '/sys/devices/virtual/vgpu_nvidia/vgpu_nvidia');
    assert.equal(k.read('/sys/class/vgpu_nvidia/vgpu_nvidia/pci_address'), '0000:01:00.0\n');
    assert.equal(k.tree.realpath('/sys/class/vgpu_nvidia/vgpu_nvidia/device'), gpu.path);
  });
});
