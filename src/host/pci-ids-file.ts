import { readFile } from 'node:fs/promises';
import { indexPciIds, NO_PCI_IDS, type PciIds } from '../core/pci-ids.ts';

/** Where distributions install pci.ids (hwdata, pciutils). */
const PCI_IDS_PATHS = ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids', '/usr/share/pci.ids'];

/**
 * Loads the system's pci.ids — the machine running vgpuctl, not the inspected root, as lspci
 * does. `VGPUCTL_PCI_IDS` names another file, or `none` to use ids only. Only the sections a
 * lookup needs are parsed ({@link indexPciIds}).
 */
export async function loadSystemPciIds(env: NodeJS.ProcessEnv = process.env): Promise<PciIds> {
  const override = env.VGPUCTL_PCI_IDS;
  if (override === 'none') return NO_PCI_IDS;
  for (const path of override ? [override] : PCI_IDS_PATHS) {
    try {
      return indexPciIds(await readFile(path, 'utf8'));
    } catch {
      // Try the next location; without any, names fall back to numeric ids.
    }
  }
  return NO_PCI_IDS;
}
