/**
 * vgpuctl as a library: discovery over a host port, the adapters, and the emulated kernel.
 *
 * @example
 * import { discover, EmulatedHost, EmulatedKernel, resolveScenario } from 'vgpuctl';
 * const host = new EmulatedHost(EmulatedKernel.boot(resolveScenario({ name: 'lab' })));
 * const inventory = await discover(host);
 * @module
 */
export { ERROR_CLASS, type ErrorCode, EXIT_CODES, isVgpuctlError, VgpuctlError } from './core/errors.ts';
export { type PciAddress, parsePciAddress } from './core/pci-address.ts';
export { type PciIds, parsePciIds } from './core/pci-ids.ts';
export { parseUuid, type Uuid } from './core/uuid.ts';
export { type DiscoverOptions, discover } from './discovery/discover.ts';
export type { DrmRenderNode, Gpu, HostFacts, Inventory, MdevParentInfo } from './discovery/inventory.ts';
export { EmulatedHost } from './emulator/emulated-host.ts';
export { EmulatedKernel } from './emulator/kernel.ts';
export { builtinScenarioNames, resolveScenario } from './emulator/scenario/load.ts';
export type { Scenario } from './emulator/scenario/schema.ts';
export { FsHost } from './host/fs-host.ts';
export { type ExecResult, HostError, type HostPort, type HostStat, isHostError } from './host/host-port.ts';
export type { Candidate, CandidateTarget, SoftwareApi } from './manager/candidate.ts';
export { GpuManager, type GpuManagerOptions, type ManagerState } from './manager/gpu-manager.ts';
export type { Acquisition, Initialization, InitPreview } from './manager/initialize.ts';
export { GPU_MODES, type GpuMode, MODE_PRIORITY, parseGpuMode } from './manager/modes.ts';
export { type ScanOptions, scanCandidates } from './manager/scan.ts';
export type { SoftwareApiChoice } from './manager/scan-software.ts';
export { type Selection, type SelectRequest, selectCandidate } from './manager/select.ts';
export type { GpuStats } from './manager/stats.ts';
export { buildVmConfig, type VmOptions } from './manager/vm-config.ts';
export { qemuDeviceArgs, qemuFullArgs } from './vmconfig/qemu.ts';
export { renderVmConfig, VM_CONFIG_FORMATS, type VmConfigFormat, vmConfigNotes } from './vmconfig/render.ts';
export type { KubevirtDevice, VmGpuConfig, VmGpuDevice } from './vmconfig/vm-gpu.ts';
