import { discover } from '../../discovery/discover.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { renderInventory } from '../render/inventory-text.ts';

/** `vgpuctl list`: the inventory of every GPU on the host. */
export async function listCommand(context: CommandContext): Promise<CommandResult<Inventory>> {
  const inventory = await discover(context.host, { pciIds: context.pciIds, deviceUsers: false });
  return { data: inventory, text: renderInventory(inventory) };
}
