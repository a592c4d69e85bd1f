/** The conformance fixture of kernel-semantics.md §9: an A10 at 0000:41:00.0 behind 0000:40:01.1, group 12. */
import assert from 'node:assert/strict';
import type { Errno } from '../../host/errno.ts';
import { EmulatedKernel } from '../kernel.ts';
import { KernelErrno } from '../kernfs/errno-error.ts';
import type { ScenarioInput } from '../scenario/schema.ts';
import { Scenario } from '../scenario/schema.ts';

export const PF = '0000:41:00.0';
export const AUDIO = '0000:41:00.1';
export const BRIDGE = '0000:40:01.1';
export const DEV = `/sys/bus/pci/devices/${PF}`;
export const DRIVERS = '/sys/bus/pci/drivers';

/** The fixture scenario; `overrides` changes top-level fields. */
function fixtureScenario(overrides: Partial<ScenarioInput> = {}): Scenario {
  return Scenario.parse({
    name: 'conformance',
    gpus: [{ address: PF, model: 'a10', rootPort: BRIDGE, iommuGroup: 12, vgpu: 'sriov-mdev' }],
    samples: ['mtty', 'mdpy'],
    ...overrides,
  });
}

/** Boots the fixture. */
export function bootFixture(overrides: Partial<ScenarioInput> = {}): EmulatedKernel {
  return EmulatedKernel.boot(fixtureScenario(overrides));
}

/** Asserts that `fn` fails with `errno`. */
export function assertErrno(fn: () => unknown, errno: Errno): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof KernelErrno, `expected KernelErrno, got ${String(error)}`);
    assert.equal(error.errno, errno);
    return true;
  });
}

/** Reads a file as text (root). */
export function text(kernel: EmulatedKernel, path: string): string {
  return kernel.read(path).toString('latin1');
}

/** True when the path exists (without following a final link). */
export function exists(kernel: EmulatedKernel, path: string): boolean {
  return kernel.tree.find(path, false) !== undefined;
}
