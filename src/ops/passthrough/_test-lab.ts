/** Test helper: emulated hosts (lab, or a custom scenario) with the fixture pci.ids. */
import { fixturePciIds } from '../../../test/helpers/fixtures.ts';
import type { PciIds } from '../../core/pci-ids.ts';
import { discover } from '../../discovery/discover.ts';
import type { Inventory } from '../../discovery/inventory.ts';
import { EmulatedHost } from '../../emulator/emulated-host.ts';
import { EmulatedKernel } from '../../emulator/kernel.ts';
import { resolveScenario } from '../../emulator/scenario/load.ts';
import { Scenario, type ScenarioInput } from '../../emulator/scenario/schema.ts';
import type { HostPort } from '../../host/host-port.ts';

let ids: PciIds | undefined;

/** Boots a built-in scenario by name, or a custom one. */
export function bootHost(scenario: string | ScenarioInput = 'lab'): { kernel: EmulatedKernel; host: EmulatedHost } {
  const kernel = EmulatedKernel.boot(
    typeof scenario === 'string' ? resolveScenario({ name: scenario }) : Scenario.parse(scenario),
  );
  return { kernel, host: new EmulatedHost(kernel) };
}

/** discover() with the fixture pci.ids. */
export async function inventoryOf(host: HostPort): Promise<Inventory> {
  ids ??= await fixturePciIds();
  return discover(host, { pciIds: ids });
}

/** The driver and override of every PCI function in `addresses`, read from sysfs. */
export async function driversOf(
  host: HostPort,
  addresses: readonly string[],
): Promise<[string, string | null, string][]> {
  return Promise.all(
    addresses.map(async (address): Promise<[string, string | null, string]> => {
      const dir = `/sys/bus/pci/devices/${address}`;
      const driver = await host.readlink(`${dir}/driver`).then(
        (t) => t.slice(t.lastIndexOf('/') + 1),
        () => null,
      );
      return [address, driver, (await host.readText(`${dir}/driver_override`)).trim()];
    }),
  );
}
