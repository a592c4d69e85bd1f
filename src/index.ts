/**
 * vgpuctl as a library: discovery over a host port, the adapters, and the emulated kernel.
 *
 * @example
 * import { discover, EmulatedHost, EmulatedKernel, resolveScenario } from 'vgpuctl';
 * const host = new EmulatedHost(EmulatedKernel.boot(resolveScenario({ name: 'lab' })));
 * const inventory = await discover(host);
 * @module
 */
export { ERROR_CLASS, EXIT_CODES, type ErrorCode, isVgpuctlError, VgpuctlError } from './core/errors.ts';
export { type PciAddress, parsePciAddress } from './core/pci-address.ts';
export { type PciIds, parsePciIds } from './core/pci-ids.ts';
export { parseUuid, type Uuid } from './core/uuid.ts';
export { discover, type DiscoverOptions } from './discovery/discover.ts';
export type { Gpu, HostFacts, Inventory, MdevParentInfo } from './discovery/inventory.ts';
export { EmulatedHost } from './emulator/emulated-host.ts';
export { EmulatedKernel } from './emulator/kernel.ts';
export { builtinScenarioNames, resolveScenario } from './emulator/scenario/load.ts';
export type { Scenario } from './emulator/scenario/schema.ts';
export { FsHost } from './host/fs-host.ts';
export { type ExecResult, HostError, type HostPort, type HostStat, isHostError } from './host/host-port.ts';
