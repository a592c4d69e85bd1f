import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertErrno, bootFixture, DEV, DRIVERS, exists, PF, text } from './fixture.ts';

const vfDir = (index: number): string => `/sys/bus/pci/devices/0000:41:00.${4 + index}`;

describe('conformance #12–#15: SR-IOV', () => {
  test('#12 sriov_numvfs: 4 enables, 8 is EBUSY, 4 is a no-op, 17 ERANGE, abc EINVAL, 0 disables', () => {
    const k = bootFixture();
    const numvfs = `${DEV}/sriov_numvfs`;
    assert.equal(k.write(numvfs, '4\n'), 2);
    assert.equal(text(k, numvfs), '4\n');
    for (let i = 0; i < 4; i++) {
      assert.equal(k.tree.realpath(`${DEV}/virtfn${i}`), k.tree.realpath(vfDir(i)));
      assert.equal(k.tree.realpath(`${vfDir(i)}/physfn`), k.tree.realpath(DEV));
      assert.equal(text(k, `${vfDir(i)}/device`), '0x2238\n');
    }
    assert.equal(exists(k, `${DEV}/virtfn4`), false);
    assertErrno(() => k.write(numvfs, '8\n'), 'EBUSY');
    assert.equal(k.write(numvfs, '4\n'), 2);
    assertErrno(() => k.write(numvfs, '17\n'), 'ERANGE');
    assertErrno(() => k.write(numvfs, 'abc\n'), 'EINVAL');
    assertErrno(() => k.write(numvfs, '70000\n'), 'EINVAL');
    k.write(numvfs, '0\n');
    assert.equal(text(k, numvfs), '0\n');
    assert.equal(exists(k, `${DEV}/virtfn0`), false);
    assert.equal(exists(k, vfDir(0)), false);
  });

  test('#12 enabling VFs sends add and change per VF, then change on the PF; VFs get their own groups', () => {
    const k = bootFixture();
    const before = k.uevents.length;
    k.write(`${DEV}/sriov_numvfs`, '2');
    const events = k.uevents.slice(before).filter((e) => e.env.SUBSYSTEM === 'pci');
    const vf0 = `/devices/pci0000:40/0000:40:01.1/0000:41:00.4`;
    assert.deepEqual(
      events.slice(0, 2).map((e) => [e.action, e.devpath]),
      [
        ['add', vf0],
        ['change', vf0],
      ],
    );
    assert.deepEqual(
      [events.at(-1)?.action, events.at(-1)?.devpath],
      ['change', '/devices/pci0000:40/0000:40:01.1/0000:41:00.0'],
    );
    const g0 = k.tree.realpath(`${vfDir(0)}/iommu_group`);
    const g1 = k.tree.realpath(`${vfDir(1)}/iommu_group`);
    assert.notEqual(g0, g1);
    assert.notEqual(g0, '/sys/kernel/iommu_groups/12');
  });

  test('#13 sriov_numvfs without a driver, or with vfio-pci (no enable_sriov), is ENOENT', () => {
    const k = bootFixture();
    k.write(`${DRIVERS}/nvidia/unbind`, PF);
    assertErrno(() => k.write(`${DEV}/sriov_numvfs`, '2\n'), 'ENOENT');
    k.write(`${DEV}/driver_override`, 'vfio-pci');
    k.write(`${DRIVERS}/vfio-pci/bind`, PF);
    assertErrno(() => k.write(`${DEV}/sriov_numvfs`, '2\n'), 'ENOENT');
  });

  test('#14 a VF lacks remove, rescan and sriov_* except sriov_vf_msix_count; sriov_vf_device has no 0x', () => {
    const k = bootFixture();
    k.write(`${DEV}/sriov_numvfs`, '1');
    const names = [...k.tree.dir(vfDir(0)).children.keys()];
    assert.ok(!names.includes('remove'));
    assert.ok(!names.includes('rescan'));
    assert.deepEqual(
      names.filter((n) => n.startsWith('sriov_')),
      ['sriov_vf_msix_count'],
    );
    assert.equal(text(k, `${DEV}/sriov_vf_device`), '2238\n');
    assert.equal(text(k, `${DEV}/sriov_totalvfs`), '16\n');
    assert.equal(text(k, `${DEV}/sriov_offset`), '4\n');
    assert.equal(text(k, `${DEV}/sriov_stride`), '1\n');
  });

  test('#15 with sriov_drivers_autoprobe 0 VFs stay unbound; binding needs driver_override', () => {
    const k = bootFixture();
    k.write(`${DEV}/sriov_drivers_autoprobe`, '0\n');
    assert.equal(text(k, `${DEV}/sriov_drivers_autoprobe`), '0\n');
    k.write(`${DEV}/sriov_numvfs`, '2\n');
    const vf = '0000:41:00.4';
    assert.equal(exists(k, `${vfDir(0)}/driver`), false);
    assert.equal(exists(k, `${vfDir(1)}/driver`), false);
    assertErrno(() => k.write(`${DRIVERS}/vfio-pci/bind`, vf), 'ENODEV');
    assertErrno(() => k.write(`${DRIVERS}/nvidia/bind`, vf), 'ENODEV');
    k.write(`${vfDir(0)}/driver_override`, 'vfio-pci\n');
    assert.equal(k.write(`${DRIVERS}/vfio-pci/bind`, vf), vf.length);
    assert.equal(k.tree.realpath(`${vfDir(0)}/driver`), `${DRIVERS}/vfio-pci`);
  });

  test('VFs are autoprobed by the PF driver when sriov_drivers_autoprobe is 1', () => {
    const k = bootFixture();
    k.write(`${DEV}/sriov_numvfs`, '2\n');
    assert.equal(k.tree.realpath(`${vfDir(0)}/driver`), `${DRIVERS}/nvidia`);
  });
});
