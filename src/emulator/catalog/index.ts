/** The PCI device catalog. */
export { getModel, listModels } from './models.ts';
export type { BarModel, PciModel, PcieModel, SriovModel } from './pci-model.ts';
