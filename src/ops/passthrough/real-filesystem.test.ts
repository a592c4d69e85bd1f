/**
 * The passthrough and SR-IOV flows through the real-filesystem adapter: FsHost over the lab's
 * kernel mounted with our FUSE server (writes reach the emulated kernel's store()), and
 * FsHost over a plain tree written with writeTreeTo for read-only checks. The server answers
 * on this thread, so this file uses only asynchronous I/O.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixturePciIds } from '../../../test/helpers/fixtures.ts';
import { isVgpuctlError } from '../../core/errors.ts';
import type { PciIds } from '../../core/pci-ids.ts';
import { discover } from '../../discovery/discover.ts';
import { fuseAvailable } from '../../emulator/fuse/mount-tools.ts';
import { type FuseMount, mountFuse } from '../../emulator/fuse/server.ts';
import { kernelFuseBackend } from '../../emulator/kernel-fuse-backend.ts';
import { writeTreeTo } from '../../emulator/write-tree.ts';
import { FsHost } from '../../host/fs-host.ts';
import { readDoctorFacts, runDoctor } from '../doctor/run-doctor.ts';
import { executePlan } from '../execute-plan.ts';
import { planSriov } from '../sriov/plan-sriov.ts';
import { bootHost, driversOf } from './_test-lab.ts';
import { readBindRecords } from './bind-record.ts';
import { groupViability } from './group-viability.ts';
import { planBind } from './plan-bind.ts';
import { planUnbind } from './plan-unbind.ts';

const RTX = '0000:01:00.0';
const GROUP = [RTX, '0000:01:00.1'];
const PF = '0000:41:00.0';
const available = fuseAvailable();
if (!available.ok) process.stdout.write(`# skipping the FUSE flows: needs /dev/fuse: ${available.reason}\n`);

let ids: PciIds;
before(async () => {
  ids = await fixturePciIds();
});

describe('passthrough flows through FsHost on a FUSE-mounted lab', {
  skip: available.ok ? false : `needs /dev/fuse: ${available.reason}`,
}, () => {
  let base = '';
  let mount: FuseMount | undefined;
  let host: FsHost;
  const lab = bootHost();

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'vgpuctl-passthrough-fuse-'));
    const mountpoint = join(base, 'root');
    await mkdir(mountpoint);
    mount = await mountFuse(kernelFuseBackend(lab.kernel), mountpoint, { fsName: 'vgpuctl-lab' });
    host = new FsHost(mountpoint);
  });

  after(async () => {
    await mount?.unmount();
    await rm(base, { recursive: true, force: true });
  });

  test('discovery through the mount sees the same GPUs and IOMMU groups as through the port', async () => {
    const [mounted, direct] = await Promise.all([discover(host, { pciIds: ids }), discover(lab.host, { pciIds: ids })]);
    assert.deepEqual(
      mounted.gpus.map((g) => [g.address, g.driver]),
      direct.gpus.map((g) => [g.address, g.driver]),
    );
    assert.deepEqual(mounted.iommuGroups, direct.iommuGroups);
    assert.deepEqual(mounted.pciDrivers, direct.pciDrivers);
  });

  test('bind moves 0000:01:00.0 and 0000:01:00.1 to vfio-pci, creates /dev/vfio/2 and writes the records', async () => {
    await executePlan(host, planBind(await discover(host, { pciIds: ids }), { address: RTX, persist: true }));
    assert.deepEqual(
      (await driversOf(host, GROUP)).map((d) => d[1]),
      ['vfio-pci', 'vfio-pci'],
    );
    assert.equal((await host.stat('/dev/vfio/2')).kind, 'chardev');
    assert.equal(groupViability(await discover(host), 2).viable, true);
    assert.deepEqual(
      (await readBindRecords(host, RTX))?.map((r) => r.driver),
      ['nvidia', 'snd_hda_intel'],
    );
    assert.equal(await host.readText(`/etc/driverctl.d/pci-${RTX}`), 'vfio-pci\n');
  });

  test('binding the boot VGA device is refused without --force', async () => {
    const inventory = await discover(host, { pciIds: ids });
    assert.throws(
      () => planBind(inventory, { address: '0000:00:02.0' }),
      (e: unknown) => isVgpuctlError(e) && e.code === 'BOOT_VGA_DEVICE',
    );
  });

  test('unbind restores nvidia and snd_hda_intel and removes the records and overrides', async () => {
    const records = await readBindRecords(host, RTX);
    await executePlan(host, planUnbind(await discover(host, { pciIds: ids }), { address: RTX, records }));
    assert.deepEqual(await driversOf(host, GROUP), [
      [RTX, 'nvidia', '(null)'],
      ['0000:01:00.1', 'snd_hda_intel', '(null)'],
    ]);
    assert.equal(await host.exists('/dev/vfio/2'), false);
    assert.equal(await readBindRecords(host, RTX), undefined);
  });

  test('an injected failure on the second device leaves both devices as they were', async () => {
    const before = await driversOf(host, GROUP);
    const plan = planBind(await discover(host, { pciIds: ids }), { address: RTX });
    lab.kernel.injectFault({ afterWrites: 1, pathIncludes: 'drivers_probe', errno: 'EIO' });
    await assert.rejects(executePlan(host, plan), /drivers_probe failed with EIO .*every earlier change was undone/);
    assert.deepEqual(await driversOf(host, GROUP), before);
  });

  test('SR-IOV on 0000:41:00.0 creates VFs with the kernel links, refuses 4 → 8, and removes them', async () => {
    await executePlan(host, planSriov(await discover(host), { address: PF, numVfs: 4 }));
    assert.equal(await host.readlink(`/sys/bus/pci/devices/${PF}/virtfn3`), '../0000:41:00.7');
    assert.equal(await host.readlink('/sys/bus/pci/devices/0000:41:00.7/physfn'), `../${PF}`);
    const four = await discover(host);
    assert.throws(
      () => planSriov(four, { address: PF, numVfs: 8 }),
      (e: unknown) => isVgpuctlError(e) && e.code === 'VFS_ENABLED',
    );
    assert.throws(
      () => planSriov(four, { address: PF, numVfs: 33 }),
      (e: unknown) => isVgpuctlError(e) && e.code === 'INVALID_ARGUMENT',
    );
    await executePlan(host, planSriov(four, { address: PF, numVfs: 0 }));
    assert.equal(await host.exists(`/sys/bus/pci/devices/${PF}/virtfn0`), false);
  });

  test('doctor through the mount reaches the same verdicts as through the port', async () => {
    const verdicts = async (h: FsHost | typeof lab.host) =>
      runDoctor(await readDoctorFacts(h, { pciIds: ids })).checks.map((c) => `${c.id} ${c.subject ?? ''} ${c.verdict}`);
    assert.deepEqual(await verdicts(host), await verdicts(lab.host));
  });
});

describe('read-only flows through FsHost on a tree written with writeTreeTo', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vgpuctl-passthrough-tree-'));
    await writeTreeTo(bootHost().kernel.tree, dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('groups, viability, bind and SR-IOV planning work on the plain tree', async () => {
    const inventory = await discover(new FsHost(dir), { pciIds: ids });
    assert.deepEqual(
      inventory.iommuGroups?.find((g) => g.id === 2)?.devices.map((d) => [d.address, d.driver]),
      [
        [RTX, 'nvidia'],
        ['0000:01:00.1', 'snd_hda_intel'],
      ],
    );
    assert.deepEqual(
      groupViability(inventory, 2).blockers.map((b) => b.driver),
      ['nvidia', 'snd_hda_intel'],
    );
    assert.equal(
      planBind(inventory, { address: RTX }).steps.filter((s) => s.path === '/sys/bus/pci/drivers_probe').length,
      2,
    );
    assert.equal(planSriov(inventory, { address: PF, numVfs: 2 }).steps.length, 2);
  });
});
