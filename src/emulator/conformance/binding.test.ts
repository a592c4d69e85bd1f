import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AUDIO, assertErrno, BRIDGE, bootFixture, DEV, DRIVERS, exists, PF, text } from './fixture.ts';

describe('conformance #6–#11: binding', () => {
  test('#6 unbind removes the driver link and the driver entry, records uevent unbind; again → ENODEV', () => {
    const k = bootFixture();
    assert.ok(exists(k, `${DEV}/driver`));
    assert.equal(k.write(`${DRIVERS}/nvidia/unbind`, `${PF}\n`), 13);
    assert.equal(exists(k, `${DEV}/driver`), false);
    assert.equal(exists(k, `${DRIVERS}/nvidia/${PF}`), false);
    const last = k.uevents.at(-1);
    assert.equal(last?.action, 'unbind');
    assert.equal(last?.env.DRIVER, 'nvidia');
    assert.equal(last?.devpath, `/devices/pci0000:40/${BRIDGE}/${PF}`);
    assertErrno(() => k.write(`${DRIVERS}/nvidia/unbind`, `${PF}\n`), 'ENODEV');
  });

  test('#7 binding vfio-pci to a device bound to nvidia is EBUSY', () => {
    const k = bootFixture();
    k.write(`${DEV}/driver_override`, 'vfio-pci\n');
    assertErrno(() => k.write(`${DRIVERS}/vfio-pci/bind`, `${PF}\n`), 'EBUSY');
  });

  test('#8 bind with a non-matching driver or an unknown device is ENODEV', () => {
    const k = bootFixture();
    k.write(`${DEV}/driver_override`, 'vfio-pci\n');
    k.write(`${DRIVERS}/nvidia/unbind`, PF);
    assertErrno(() => k.write(`${DRIVERS}/pci-stub/bind`, `${PF}\n`), 'ENODEV');
    assertErrno(() => k.write(`${DRIVERS}/vfio-pci/bind`, '0000:99:00.0\n'), 'ENODEV');
  });

  test('#9 new_id binds the unbound device, duplicates are EEXIST, one field is EINVAL; remove_id once', () => {
    const k = bootFixture();
    k.write(`${DRIVERS}/nvidia/unbind`, PF);
    assert.equal(k.write(`${DRIVERS}/vfio-pci/new_id`, '10de 2236\n'), 10);
    assert.equal(
      k.tree.readlink(k.tree.lookup(`${DEV}/driver`, false) as never),
      '../../../../bus/pci/drivers/vfio-pci',
    );
    assertErrno(() => k.write(`${DRIVERS}/vfio-pci/new_id`, '10de 2236\n'), 'EEXIST');
    assertErrno(() => k.write(`${DRIVERS}/vfio-pci/new_id`, '10de\n'), 'EINVAL');
    k.write(`${DRIVERS}/vfio-pci/remove_id`, '10de 2236\n');
    assertErrno(() => k.write(`${DRIVERS}/vfio-pci/remove_id`, '10de 2236\n'), 'ENODEV');
    // remove_id does not unbind
    assert.ok(exists(k, `${DRIVERS}/vfio-pci/${PF}`));
  });

  test('#10 driver_override + drivers_probe binds vfio-pci and creates /dev/vfio/12 and vfio-dev/vfio0', () => {
    const k = bootFixture();
    k.write(`${DEV}/driver_override`, 'vfio-pci\n');
    k.write(`${DEV}/driver/unbind`, `${PF}\n`);
    assert.equal(exists(k, '/dev/vfio/12'), false);
    k.write('/sys/bus/pci/drivers_probe', `${PF}\n`);
    assert.equal(k.tree.realpath(`${DEV}/driver`), `${DRIVERS}/vfio-pci`);
    assert.equal(k.tree.lookup('/dev/vfio/12').kind, 'chardev');
    assert.ok(exists(k, `${DEV}/vfio-dev/vfio0`));
    assert.equal(k.tree.lookup('/dev/vfio/devices/vfio0').kind, 'chardev');
    assertErrno(() => k.write('/sys/bus/pci/drivers_probe', '0000:99:00.0\n'), 'ENODEV');
    assert.equal(k.write('/sys/bus/pci/drivers_probe', `${PF}\n`), 13);
    assert.equal(k.tree.realpath(`${DEV}/driver`), `${DRIVERS}/vfio-pci`);
    // unbinding vfio-pci removes the group node again (last device of the group)
    k.write(`${DRIVERS}/vfio-pci/unbind`, PF);
    assert.equal(exists(k, '/dev/vfio/12'), false);
    assert.equal(exists(k, `${DEV}/vfio-dev`), false);
  });

  test('#11 vfio-pci refuses a bridge and a device without an IOMMU group with EINVAL', () => {
    const k = bootFixture();
    const bridge = `/sys/bus/pci/devices/${BRIDGE}`;
    k.write(`${bridge}/driver/unbind`, BRIDGE);
    k.write(`${bridge}/driver_override`, 'vfio-pci');
    assertErrno(() => k.write(`${DRIVERS}/vfio-pci/bind`, BRIDGE), 'EINVAL');
    assert.equal(exists(k, `${bridge}/driver`), false);

    const noIommu = bootFixture({ iommu: 'off' });
    assert.equal(exists(noIommu, `${DEV}/iommu_group`), false);
    assert.deepEqual([...noIommu.tree.dir('/sys/kernel/iommu_groups').children.keys()], []);
    noIommu.write(`${DEV}/driver_override`, 'vfio-pci');
    noIommu.write(`${DRIVERS}/nvidia/unbind`, PF);
    assertErrno(() => noIommu.write(`${DRIVERS}/vfio-pci/bind`, PF), 'EINVAL');
  });
});

describe('conformance #16–#17: groups and ownership', () => {
  test('#16 vfio-pci refuses a driver-less PF with VFs (EBUSY); kernel drivers cannot join a VFIO-owned group', () => {
    const k = bootFixture();
    k.write(`${DEV}/sriov_numvfs`, '2\n');
    k.write(`${DRIVERS}/nvidia/unbind`, PF);
    assert.equal(text(k, `${DEV}/sriov_numvfs`), '2\n');
    k.write(`${DEV}/driver_override`, 'vfio-pci');
    assertErrno(() => k.write(`${DRIVERS}/vfio-pci/bind`, PF), 'EBUSY');

    const audio = `/sys/bus/pci/devices/${AUDIO}`;
    k.write(`${DRIVERS}/snd_hda_intel/unbind`, AUDIO);
    k.setGroupInUse(12, true);
    assertErrno(() => k.write(`${DRIVERS}/snd_hda_intel/bind`, AUDIO), 'EBUSY');
    k.write(`${audio}/driver_override`, 'pci-stub');
    k.write(`${DRIVERS}/pci-stub/bind`, AUDIO);
    k.write(`${DRIVERS}/pci-stub/unbind`, AUDIO);
    k.write(`${audio}/driver_override`, 'vfio-pci');
    k.write(`${DRIVERS}/vfio-pci/bind`, AUDIO);
    assert.equal(k.tree.realpath(`${audio}/driver`), `${DRIVERS}/vfio-pci`);
    k.setGroupInUse(12, false);
    k.write(`${DRIVERS}/vfio-pci/unbind`, AUDIO);
    k.write(`${audio}/driver_override`, '\n');
    k.write(`${DRIVERS}/snd_hda_intel/bind`, AUDIO);
  });

  test('#17 iommu_group is a relative link; group 12 lists both functions; type stays DMA after vfio bind', () => {
    const k = bootFixture();
    const link = k.tree.lookup(`${DEV}/iommu_group`, false);
    assert.ok(link.kind === 'link');
    const target = k.tree.readlink(link);
    assert.ok(target.startsWith('../'));
    assert.ok(target.endsWith('kernel/iommu_groups/12'));
    assert.equal(target, '../../../../kernel/iommu_groups/12');
    assert.deepEqual([...k.tree.dir('/sys/kernel/iommu_groups/12/devices').children.keys()].sort(), [PF, AUDIO]);
    assert.equal(text(k, '/sys/kernel/iommu_groups/12/type'), 'DMA\n');
    k.write(`${DEV}/driver_override`, 'vfio-pci');
    k.write(`${DRIVERS}/nvidia/unbind`, PF);
    k.write('/sys/bus/pci/drivers_probe', PF);
    assert.equal(text(k, '/sys/kernel/iommu_groups/12/type'), 'DMA\n');
  });
});
