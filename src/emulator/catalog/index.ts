/** The PCI device catalog. */
export { getModel } from './models.ts';
