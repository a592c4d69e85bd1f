import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errnoOf } from '../kernfs/_test-errno.ts';
import { loadSample } from '../samples/index.ts';
import { createTestKernel, type TestKernel } from './_test-services.ts';

const MTTY = '/sys/devices/virtual/mtty/mtty';
const MTTY2 = `${MTTY}/mdev_supported_types/mtty-2`;
const MTTY1 = `${MTTY}/mdev_supported_types/mtty-1`;
const MDPY = '/sys/devices/virtual/mdpy/mdpy/mdev_supported_types';
const UUID = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';

function withSamples(): TestKernel {
  const k = createTestKernel();
  loadSample('mtty', k.services);
  loadSample('mdpy', k.services);
  return k;
}

function ls(k: TestKernel, path: string): string[] {
  return [...k.tree.dir(path).children.keys()].sort();
}

function readlink(k: TestKernel, path: string): string {
  const node = k.tree.lookup(path, false);
  if (node.kind !== 'link') throw new Error(`${path} is not a link`);
  return k.tree.readlink(node);
}

describe('mdev parent registration (#18)', () => {
  test('the bus, the module and /sys/class/mdev_bus appear only once a parent registers', () => {
    const k = createTestKernel();
    assert.equal(k.tree.find('/sys/bus/mdev'), undefined);
    loadSample('mtty', k.services);
    assert.deepEqual(ls(k, '/sys/bus/mdev'), ['devices', 'drivers', 'drivers_autoprobe', 'drivers_probe', 'uevent']);
    assert.equal(k.read('/sys/module/mdev/initstate'), 'live\n');
    assert.equal(readlink(k, '/sys/class/mdev_bus/mtty'), '../../devices/virtual/mtty/mtty');
    assert.equal(readlink(k, '/sys/bus/mdev/drivers/mtty/module'), '../../../../module/mtty');
  });

  test('mtty-2 has exactly available_instances create device_api devices name', () => {
    const k = withSamples();
    assert.deepEqual(ls(k, MTTY2), ['available_instances', 'create', 'device_api', 'devices', 'name']);
    assert.equal(k.read(`${MTTY2}/name`), 'Dual port serial\n');
    assert.equal(k.read(`${MTTY2}/device_api`), 'vfio-pci\n');
    assert.equal(k.read(`${MTTY2}/available_instances`), '12\n');
    assert.equal(k.read(`${MTTY1}/available_instances`), '24\n');
    assert.equal(k.tree.lookup(`${MTTY2}/create`).mode, 0o200);
  });

  test('registration sends a change uevent with MDEV_STATE=registered', () => {
    const k = createTestKernel();
    loadSample('mtty', k.services);
    const change = k.uevents.find((e) => e.action === 'change');
    assert.deepEqual(change, {
      action: 'change',
      devpath: '/devices/virtual/mtty/mtty',
      env: { SUBSYSTEM: 'mtty', MDEV_STATE: 'registered' },
    });
  });

  test('kernels before 5.4 send no MDEV_STATE uevent', () => {
    const k = createTestKernel({ major: 5, minor: 3 });
    loadSample('mtty', k.services);
    assert.equal(
      k.uevents.some((e) => e.action === 'change'),
      false,
    );
  });

  test('sample types carry the kernel names and descriptions', () => {
    const k = withSamples();
    loadSample('mbochs', k.services);
    const cases: [string, string, string | undefined, string][] = [
      [MTTY1, 'Single port serial\n', undefined, '24\n'],
      [`${MDPY}/mdpy-vga`, 'mdpy-vga\n', 'virtual display, 640x480 framebuffer\n', '4\n'],
      [`${MDPY}/mdpy-xga`, 'mdpy-xga\n', 'virtual display, 1024x768 framebuffer\n', '4\n'],
      [`${MDPY}/mdpy-hd`, 'mdpy-hd\n', 'virtual display, 1920x1080 framebuffer\n', '4\n'],
      [
        '/sys/devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-small',
        'mbochs-small\n',
        'virtual display, 4 MB video memory\n',
        '64\n',
      ],
      [
        '/sys/devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-medium',
        'mbochs-medium\n',
        'virtual display, 16 MB video memory\n',
        '16\n',
      ],
      [
        '/sys/devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-large',
        'mbochs-large\n',
        'virtual display, 64 MB video memory\n',
        '4\n',
      ],
    ];
    for (const [dir, name, description, available] of cases) {
      assert.equal(k.read(`${dir}/name`), name, dir);
      if (description === undefined) assert.equal(k.tree.find(`${dir}/description`), undefined);
      else assert.equal(k.read(`${dir}/description`), description, dir);
      assert.equal(k.read(`${dir}/available_instances`), available, dir);
    }
  });
});

describe('mdev create (#19–#22)', () => {
  test('creating an mtty-2 device builds the device, its links and shrinks both types (#19)', () => {
    const k = withSamples();
    k.uevents.length = 0;
    assert.equal(k.write(`${MTTY2}/create`, `${UUID}\n`), 37);
    assert.equal(k.tree.realpath(`/sys/bus/mdev/devices/${UUID}`), `${MTTY}/${UUID}`);
    assert.equal(readlink(k, `${MTTY}/${UUID}/mdev_type`), '../mdev_supported_types/mtty-2');
    assert.equal(k.tree.realpath(`${MTTY2}/devices/${UUID}`), `${MTTY}/${UUID}`);
    assert.equal(k.read(`${MTTY2}/available_instances`), '11\n');
    assert.equal(k.read(`${MTTY1}/available_instances`), '22\n');
    const mdevEvents = k.uevents.filter((e) => e.env.SUBSYSTEM === 'mdev').map((e) => [e.action, e.env.DRIVER]);
    assert.deepEqual(mdevEvents, [
      ['add', undefined],
      ['bind', 'mtty'],
    ]);
    assert.equal(k.uevents[0]?.devpath, `/devices/virtual/mtty/mtty/${UUID}`);
  });

  test('UUIDs are unique across parents and case (#20)', () => {
    const k = withSamples();
    k.write(`${MTTY2}/create`, `${UUID}\n`);
    assert.equal(
      errnoOf(() => k.write(`${MTTY2}/create`, `${UUID.toUpperCase()}\n`)),
      'EEXIST',
    );
    assert.equal(
      errnoOf(() => k.write(`${MDPY}/mdpy-vga/create`, UUID)),
      'EEXIST',
    );
    const fresh = 'AABBCCDD-0000-4000-8000-0123456789AB';
    k.write(`${MDPY}/mdpy-vga/create`, fresh);
    assert.ok(k.tree.find(`/sys/bus/mdev/devices/${fresh.toLowerCase()}`));
    assert.equal(k.tree.find(`/sys/bus/mdev/devices/${fresh}`), undefined);
  });

  const lengthCases: [string, string, string | number][] = [
    ['not a UUID', 'not-a-uuid\n', 'EINVAL'],
    ['35 characters', UUID.slice(0, 35), 'EINVAL'],
    ['36 characters and two newlines', `${UUID}\n\n`, 'EINVAL'],
    ['a non-hex digit', `g${UUID.slice(1)}`, 'EINVAL'],
    ['a hyphen replaced', UUID.replace('-509f', 'x509f'), 'EINVAL'],
    ['36 characters without newline', UUID, 36],
    ['37 characters whose last is not a newline', `${UUID}x`, 37],
  ];
  for (const [what, input, expected] of lengthCases) {
    test(`create with ${what} → ${expected} (#21)`, () => {
      const k = withSamples();
      if (typeof expected === 'number') assert.equal(k.write(`${MTTY2}/create`, input), expected);
      else
        assert.equal(
          errnoOf(() => k.write(`${MTTY2}/create`, input)),
          expected,
        );
    });
  }

  test('the 13th mtty-2 fails with ENOSPC and the 5th mdpy with EUSERS (#22)', () => {
    const k = withSamples();
    for (let i = 0; i < 12; i++) k.write(`${MTTY2}/create`, uuidN(i));
    assert.equal(k.read(`${MTTY2}/available_instances`), '0\n');
    assert.equal(
      errnoOf(() => k.write(`${MTTY2}/create`, uuidN(12))),
      'ENOSPC',
    );
    const types = ['vga', 'xga', 'hd', 'vga'];
    for (const [i, t] of types.entries()) k.write(`${MDPY}/mdpy-${t}/create`, uuidN(100 + i));
    for (const t of ['vga', 'xga', 'hd']) assert.equal(k.read(`${MDPY}/mdpy-${t}/available_instances`), '0\n');
    assert.equal(
      errnoOf(() => k.write(`${MDPY}/mdpy-hd/create`, uuidN(200))),
      'EUSERS',
    );
    assert.equal(k.tree.find(`/sys/bus/mdev/devices/${uuidN(200)}`), undefined);
  });

  test('per-instance vendor attributes of the samples', () => {
    const k = withSamples();
    loadSample('mbochs', k.services);
    k.write(`${MTTY1}/create`, uuidN(1));
    k.write(`${MDPY}/mdpy-xga/create`, uuidN(2));
    k.write('/sys/devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-medium/create', uuidN(3));
    assert.equal(k.read(`/sys/bus/mdev/devices/${uuidN(1)}/vendor/sample_mdev_dev`), `This is MDEV ${uuidN(1)}\n`);
    assert.equal(k.read(`/sys/bus/mdev/devices/${uuidN(2)}/vendor/resolution`), '1024x768\n');
    assert.equal(k.read(`/sys/bus/mdev/devices/${uuidN(3)}/vendor/memory`), '16 MB\n');
    assert.equal(
      k.read('/sys/devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-large/available_instances'),
      '3\n',
    );
  });
});

describe('the mdev device (#23, #24)', () => {
  test('remove: 0 is a no-op, junk is EINVAL, 1 removes everything (#23)', () => {
    const k = withSamples();
    k.write(`${MTTY2}/create`, UUID);
    const dev = `/sys/bus/mdev/devices/${UUID}`;
    const group = k.tree.realpath(`${dev}/iommu_group`).split('/').pop() ?? '';
    assert.ok(k.tree.find(`/dev/vfio/${group}`));
    assert.equal(k.write(`${dev}/remove`, '0\n'), 2);
    assert.ok(k.tree.find(dev));
    assert.equal(
      errnoOf(() => k.write(`${dev}/remove`, 'x\n')),
      'EINVAL',
    );
    assert.equal(k.write(`${dev}/remove`, '1\n'), 2);
    for (const gone of [
      dev,
      `${MTTY}/${UUID}`,
      `${MTTY2}/devices/${UUID}`,
      `/sys/kernel/iommu_groups/${group}`,
      `/dev/vfio/${group}`,
    ]) {
      assert.equal(k.tree.find(gone, false), undefined, gone);
    }
    assert.equal(k.read(`${MTTY2}/available_instances`), '12\n');
    assert.equal(
      errnoOf(() => k.tree.lookup(`${dev}/remove`)),
      'ENOENT',
    );
    const actions = k.uevents.filter((e) => e.env.SUBSYSTEM === 'mdev').map((e) => e.action);
    assert.deepEqual(actions.slice(-2), ['unbind', 'remove']);
  });

  test('a new mdev has its own group, the parent driver and DRIVER= uevent (#24)', () => {
    const k = withSamples();
    k.write(`${MTTY2}/create`, UUID);
    k.write(`${MTTY1}/create`, uuidN(7));
    const dev = `/sys/bus/mdev/devices/${UUID}`;
    const groupPath = k.tree.realpath(`${dev}/iommu_group`);
    assert.deepEqual(ls(k, `${groupPath}/devices`), [UUID]);
    assert.notEqual(k.tree.realpath(`/sys/bus/mdev/devices/${uuidN(7)}/iommu_group`), groupPath);
    assert.equal(k.tree.realpath(`${dev}/driver`), '/sys/bus/mdev/drivers/mtty');
    assert.equal(k.tree.realpath(`${dev}/subsystem`), '/sys/bus/mdev');
    assert.equal(k.read(`${dev}/uevent`), 'DRIVER=mtty\n');
    assert.equal(k.tree.realpath(`/sys/bus/mdev/drivers/mtty/${UUID}`), `${MTTY}/${UUID}`);
  });

  test('unbind leaves a driver-less mdev; bind is always ENODEV (#24)', () => {
    const k = withSamples();
    k.write(`${MTTY2}/create`, UUID);
    const dev = `/sys/bus/mdev/devices/${UUID}`;
    assert.equal(
      errnoOf(() => k.write('/sys/bus/mdev/drivers/mdpy/unbind', UUID)),
      'ENODEV',
    );
    assert.equal(k.write('/sys/bus/mdev/drivers/mtty/unbind', `${UUID}\n`), 37);
    assert.equal(k.tree.find(`${dev}/driver`, false), undefined);
    assert.equal(k.tree.find(`${dev}/iommu_group`, false), undefined);
    assert.equal(k.tree.find(`${dev}/vendor`), undefined);
    assert.equal(k.read(`${dev}/uevent`), '');
    assert.equal(
      errnoOf(() => k.write('/sys/bus/mdev/drivers/mtty/bind', UUID)),
      'ENODEV',
    );
    assert.equal(
      errnoOf(() => k.write('/sys/bus/mdev/drivers/mtty/unbind', UUID)),
      'ENODEV',
    );
    assert.equal(k.write(`${dev}/remove`, '1'), 1);
    assert.equal(k.tree.find(dev), undefined);
    assert.equal(k.read(`${MTTY2}/available_instances`), '12\n');
  });

  test('unregistering a parent removes its mdevs, types and class link', () => {
    const k = withSamples();
    const handle = { name: 'mtty', path: MTTY };
    k.write(`${MTTY2}/create`, UUID);
    assert.deepEqual(k.services.mdev.devicesOf(handle), [UUID]);
    k.services.mdev.unregisterParent(handle);
    assert.equal(k.tree.find(`/sys/bus/mdev/devices/${UUID}`), undefined);
    assert.equal(k.tree.find(`${MTTY}/mdev_supported_types`), undefined);
    assert.equal(k.tree.find('/sys/class/mdev_bus/mtty', false), undefined);
    assert.deepEqual(k.services.mdev.devicesOf(handle), []);
    assert.equal(k.uevents.at(-1)?.env.MDEV_STATE, 'unregistered');
  });

  test('creating 2048 mdevs stays fast (global UUID map, no scans)', () => {
    const k = createTestKernel();
    k.services.mdev.registerParent('big', '/sys/devices/virtual/big/big', {
      mdevDriver: 'big',
      typePrefix: 'big',
      types: [{ sysfsName: 't', prettyName: 'T', description: undefined, deviceApi: 'vfio-pci', available: () => 1 }],
      create: () => {},
      remove: () => {},
    });
    const start = performance.now();
    for (let i = 0; i < 2048; i++) k.write('/sys/devices/virtual/big/big/mdev_supported_types/big-t/create', uuidN(i));
    assert.equal(k.tree.dir('/sys/bus/mdev/devices').children.size, 2048);
    assert.ok(performance.now() - start < 5000);
  });
});

function uuidN(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}
