/** Test helpers: emulated hosts and the deps vGPU operations run with. */
import { discover } from '../../discovery/discover.ts';
import { EmulatedHost } from '../../emulator/emulated-host.ts';
import { EmulatedKernel } from '../../emulator/kernel.ts';
import { resolveScenario } from '../../emulator/scenario/load.ts';
import { Scenario, type ScenarioInput } from '../../emulator/scenario/schema.ts';
import type { HostPort } from '../../host/host-port.ts';
import { VGPU_DISCOVERY, type VgpuDeps } from './apply.ts';

/** A booted emulated host of a built-in scenario, or of a scenario given as data. */
export function emulated(scenario: string | ScenarioInput): { kernel: EmulatedKernel; host: EmulatedHost } {
  const kernel = EmulatedKernel.boot(
    typeof scenario === 'string' ? resolveScenario({ name: scenario }) : Scenario.parse(scenario),
  );
  return { kernel, host: new EmulatedHost(kernel) };
}

/** Deps for vGPU operations on `host`: real discovery, a lock that is ours, no waiting. */
export function depsFor(host: HostPort, overrides: Partial<VgpuDeps> = {}): VgpuDeps {
  return {
    host,
    discover: () => discover(host, VGPU_DISCOVERY),
    lock: { pid: process.pid, isAlive: () => true },
    dryRun: false,
    sleep: async () => {},
    ...overrides,
  };
}

/** UUIDs 00000000-0000-4000-8000-00000000000N, in order. */
export function uuidSequence(start = 1): () => string {
  let n = start;
  return () => `00000000-0000-4000-8000-${(n++).toString(16).padStart(12, '0')}`;
}

/** `uuidSequence` as a list. */
export function uuids(count: number, start = 1): string[] {
  const next = uuidSequence(start);
  return Array.from({ length: count }, next);
}

/** An A10 with SR-IOV + mdev (NVIDIA Ampere): each VF is an mdev parent. */
export const A10_SRIOV_MDEV: ScenarioInput = {
  name: 'a10',
  gpus: [{ address: '0000:65:00.0', model: 'a10', vgpu: 'sriov-mdev', sriovNumVfs: 4 }],
};

/** The lab's L40S with `vfs` VFs enabled. */
export const L40S: (vfs: number) => ScenarioInput = (vfs) => ({
  name: 'l40s',
  gpus: [{ address: '0000:41:00.0', model: 'l40s', vgpu: 'vendor-vfio', sriovNumVfs: vfs }],
});
