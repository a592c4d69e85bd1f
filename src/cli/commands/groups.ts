/** `vgpuctl groups [GROUP|ADDRESS]`: IOMMU groups, every member, and whether VFIO can use them. */
import { VgpuctlError } from '../../core/errors.ts';
import { clip, parsePciAddress } from '../../core/pci-address.ts';
import { discover } from '../../discovery/discover.ts';
import { groupViability } from '../../ops/passthrough/group-viability.ts';
import { listGroups } from '../../ops/passthrough/inventory-groups.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { type GroupsData, renderGroups } from '../render/groups-text.ts';
import type { CommandModule } from './index.ts';

/** Lists IOMMU groups (all, one by id, or the one holding an address) with their viability. */
async function groupsCommand(context: CommandContext, filter: string | undefined): Promise<CommandResult<GroupsData>> {
  const inventory = await discover(context.host, { pciIds: context.pciIds, deviceUsers: false });
  let groups = listGroups(inventory);
  if (filter !== undefined) {
    if (/^\d+$/.test(filter)) {
      groups = groups.filter((g) => g.id === Number(filter));
      if (groups.length === 0) groupViability(inventory, Number(filter)); // throws NOT_FOUND with the known ids
    } else {
      const address = parsePciAddress(filter);
      groups = groups.filter((g) => g.devices.some((d) => d.address === address));
      if (groups.length === 0) {
        throw new VgpuctlError(
          'DEVICE_NOT_FOUND',
          `Cannot show the IOMMU group of "${clip(address)}": no group holds it`,
          {
            hint: inventory.host.iommu.enabled
              ? 'Run "vgpuctl groups" to see every group'
              : 'The IOMMU is off: run "vgpuctl doctor"',
          },
        );
      }
    }
  }
  const data: GroupsData = {
    source: inventory.host.source,
    iommuEnabled: inventory.host.iommu.enabled,
    groups: groups.map((g) => ({ ...g, ...groupViability(inventory, g.id) })),
  };
  return { data, text: renderGroups(data) };
}

/** Registers `vgpuctl groups`. */
export const groupsModule: CommandModule = (program, cli) => {
  program
    .command('groups')
    .description('list IOMMU groups with every device, its driver, and whether VFIO can use the group')
    .argument('[group]', 'a group id, or a PCI address to show the group holding it')
    .action((filter) => cli.withHost((context) => groupsCommand(context, filter)));
};
