/**
 * IOMMU groups: /sys/kernel/iommu_groups/<N>/{devices/,type,reserved_regions,name} and the
 * members' `iommu_group` links (drivers/iommu/iommu.c).
 */
import type { IommuGroup } from '../kernel-api.ts';
import { fail } from '../kernfs/errno-error.ts';
import type { Kernfs } from '../kernfs/tree.ts';
import { cString } from '../kstrto.ts';
import { IdAllocator } from './id-allocator.ts';

const GROUPS_DIR = '/sys/kernel/iommu_groups';

/** A group with its members and the VFIO-ownership flag used by the DMA-ownership rule. */
export class IommuGroupImpl implements IommuGroup {
  readonly id: number;
  readonly members: string[] = [];
  readonly memberPaths = new Map<string, string>();
  /** Default-domain type as `type` shows it; `unknown` for groups without a default domain. */
  type: string;
  readonly groupName: string | undefined;
  /** An emulated VFIO user holds the group (container set): DMA ownership claimed. */
  inUse = false;

  constructor(id: number, type: string, name: string | undefined) {
    this.id = id;
    this.type = type;
    this.groupName = name;
  }

  /** The group's sysfs directory. */
  get path(): string {
    return `${GROUPS_DIR}/${this.id}`;
  }
}

/** The IOMMU groups of the host. */
export class IommuGroups {
  private readonly tree: Kernfs;
  private readonly ids = new IdAllocator();
  private readonly groups = new Map<number, IommuGroupImpl>();
  /** The x86 MSI window every group reports as reserved (iommu_group_show_resv_regions). */
  private readonly reservedRegions = '0x00000000fee00000 0x00000000feefffff msi\n';
  /** Told of every device added to or removed from a group (the kernel log's notes). */
  onMember: ((action: 'add' | 'remove', groupId: number, name: string, path: string) => void) | undefined;

  constructor(tree: Kernfs) {
    this.tree = tree;
    tree.mkdir(GROUPS_DIR);
  }

  /** The group with this id. */
  get(id: number): IommuGroupImpl | undefined {
    return this.groups.get(id);
  }

  /** Every live group. */
  all(): IommuGroupImpl[] {
    return [...this.groups.values()];
  }

  /**
   * The group `wanted` when it exists; otherwise a new one with that id when free, or the
   * lowest free id (iommu_group_alloc).
   */
  obtain(wanted?: number, options: { name?: string; type?: string } = {}): IommuGroupImpl {
    if (wanted !== undefined) {
      const existing = this.groups.get(wanted);
      if (existing !== undefined) return existing;
    }
    const id = wanted !== undefined && this.ids.claim(wanted) ? wanted : this.ids.alloc();
    const group = new IommuGroupImpl(id, options.type ?? 'DMA', options.name);
    this.groups.set(id, group);
    const dir = group.path;
    this.tree.mkdir(`${dir}/devices`);
    this.tree.attr(`${dir}/type`, {
      mode: 0o644,
      show: () => `${group.type}\n`,
      store: (data) => this.storeType(group, data),
    });
    this.tree.attr(`${dir}/reserved_regions`, { mode: 0o444, show: () => this.reservedRegions });
    const name = options.name;
    if (name !== undefined) this.tree.attr(`${dir}/name`, { mode: 0o444, show: () => `${name}\n` });
    return group;
  }

  /** iommu_group_add_device: member link in the group and `iommu_group` link in the device. */
  add(group: IommuGroupImpl, name: string, path: string): void {
    let linkName = name;
    for (let i = 1; group.memberPaths.has(linkName); i++) linkName = `${name}.${i}`;
    group.members.push(linkName);
    group.memberPaths.set(linkName, path);
    this.tree.link(`${group.path}/devices/${linkName}`, path);
    this.tree.link(`${path}/iommu_group`, group.path);
    this.onMember?.('add', group.id, name, path);
  }

  /** iommu_group_remove_device; the group is released with its last member. */
  remove(group: IommuGroupImpl, name: string): void {
    const path = group.memberPaths.get(name);
    if (path === undefined) return;
    group.memberPaths.delete(name);
    group.members.splice(group.members.indexOf(name), 1);
    this.tree.remove(`${group.path}/devices/${name}`);
    this.tree.remove(`${path}/iommu_group`);
    this.onMember?.('remove', group.id, name, path);
    if (group.members.length === 0) {
      this.groups.delete(group.id);
      this.ids.free(group.id);
      this.tree.remove(group.path);
    }
  }

  private storeType(group: IommuGroupImpl, data: Buffer): number {
    // drivers/iommu/iommu.c iommu_group_store_type ⚠ errnos not re-read: EINVAL for an
    // unknown type, EPERM for a group with a driver-owned or multi-device membership.
    const text = cString(data).replace(/\n$/, '');
    const types: Record<string, string> = { DMA: 'DMA', 'DMA-FQ': 'DMA-FQ', identity: 'identity', auto: 'DMA' };
    const next = types[text];
    if (next === undefined) fail('EINVAL');
    if (group.members.length !== 1 || group.type === 'unknown') fail('EINVAL');
    group.type = next;
    return data.length;
  }
}
