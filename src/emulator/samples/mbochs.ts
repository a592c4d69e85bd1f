/** The mbochs sample (samples/vfio-mdev/mbochs.c): bochs displays from a 256 MB memory pool. */

import type { KernelServices, MdevTypeModel } from '../kernel-api.ts';
import { fail } from '../kernfs/errno-error.ts';
import { createVirtualDevice, loadModule } from '../mdev/virtual-device.ts';

/** Module parameter `count`: the video memory pool in MB. */
const MBOCHS_POOL_MB = 256;

/** Loads mbochs: parent /sys/devices/virtual/mbochs/mbochs with small/medium/large types. */
export function loadMbochs(kernel: KernelServices): void {
  loadModule(kernel, 'mbochs');
  const path = createVirtualDevice(kernel, 'mbochs', 'mbochs');
  let usedMb = 0;
  const sizes = new Map<MdevTypeModel, number>();
  const usedBy = new Map<string, number>();
  const type = (name: string, mbytes: number): MdevTypeModel => {
    const model: MdevTypeModel = {
      sysfsName: name,
      prettyName: `mbochs-${name}`,
      description: `virtual display, ${mbytes} MB video memory\n`,
      deviceApi: 'vfio-pci',
      // mbochs_get_available: (max_mbytes - used) / type->mbytes
      available: () => Math.floor((MBOCHS_POOL_MB - usedMb) / mbytes),
    };
    sizes.set(model, mbytes);
    return model;
  };
  kernel.mdev.registerParent('mbochs', path, {
    mdevDriver: 'mbochs',
    typePrefix: 'mbochs',
    types: [type('small', 4), type('medium', 16), type('large', 64)],
    create: (model, uuid) => {
      const mbytes = sizes.get(model) ?? 0;
      // mbochs_init_dev: pool exhausted → -ENOSPC
      if (usedMb + mbytes > MBOCHS_POOL_MB) fail('ENOSPC', 'mbochs memory');
      usedMb += mbytes;
      usedBy.set(uuid, mbytes);
    },
    remove: (_model, uuid) => {
      usedMb -= usedBy.get(uuid) ?? 0;
      usedBy.delete(uuid);
    },
    populateDevice: (model, _uuid, devPath, tree) => {
      const mbytes = sizes.get(model) ?? 0;
      // mbochs_dev_groups: vendor/memory → "%d MB\n"
      tree.attr(`${devPath}/vendor/memory`, { mode: 0o444, show: () => `${mbytes} MB\n` });
    },
  });
}
