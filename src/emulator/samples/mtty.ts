/** The mtty sample (samples/vfio-mdev/mtty.c): virtual serial ports from a pool of 24. */

import type { KernelServices, MdevTypeModel } from '../kernel-api.ts';
import { fail } from '../kernfs/errno-error.ts';
import { createVirtualDevice, loadModule } from '../mdev/virtual-device.ts';

/** MAX_MTTYS in mtty.c: ports shared by every mtty device. */
const MTTY_MAX_PORTS = 24;

/** Loads mtty: parent /sys/devices/virtual/mtty/mtty with types mtty-1 and mtty-2. */
export function loadMtty(kernel: KernelServices): void {
  loadModule(kernel, 'mtty');
  const path = createVirtualDevice(kernel, 'mtty', 'mtty');
  let availPorts = MTTY_MAX_PORTS;
  const portsOf = new Map<string, number>();
  const type = (sysfsName: string, prettyName: string, ports: number): MdevTypeModel & { ports: number } => ({
    sysfsName,
    prettyName,
    // mtty has no show_description: the file is absent.
    description: undefined,
    deviceApi: 'vfio-pci',
    ports,
    // mtty_get_available: avail_ports / type->nr_ports
    available: () => Math.floor(availPorts / ports),
  });
  const types = [type('1', 'Single port serial', 1), type('2', 'Dual port serial', 2)];
  kernel.mdev.registerParent('mtty', path, {
    mdevDriver: 'mtty',
    typePrefix: 'mtty',
    types,
    create: (model, uuid) => {
      const ports = types.find((t) => t === model)?.ports ?? 1;
      // mtty_init_dev: not enough free ports → -ENOSPC
      if (availPorts < ports) fail('ENOSPC', 'mtty ports');
      availPorts -= ports;
      portsOf.set(uuid, ports);
    },
    remove: (_model, uuid) => {
      availPorts += portsOf.get(uuid) ?? 0;
      portsOf.delete(uuid);
    },
    populateDevice: (_model, uuid, devPath, tree) => {
      // mtty_dev_groups: vendor/sample_mdev_dev → "This is MDEV %s\n" of dev_name()
      tree.attr(`${devPath}/vendor/sample_mdev_dev`, { mode: 0o444, show: () => `This is MDEV ${uuid}\n` });
    },
  });
}
