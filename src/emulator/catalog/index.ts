/** The PCI device catalog. */
export { getModel, listModels } from './models.ts';
export type { BarModel, PcieModel, PciModel, SriovModel } from './pci-model.ts';
