/** The mdpy sample (samples/vfio-mdev/mdpy.c): display devices limited by max_instances. */

import type { KernelServices, MdevTypeModel } from '../kernel-api.ts';
import { fail } from '../kernfs/errno-error.ts';
import { createVirtualDevice, loadModule } from '../mdev/virtual-device.ts';

/** Module parameter `count` (default 4), used as mdev_driver.max_instances (≥6.1). */
const MDPY_MAX_INSTANCES = 4;

/** Loads mdpy: parent /sys/devices/virtual/mdpy/mdpy with mdpy-vga, mdpy-xga, mdpy-hd. */
export function loadMdpy(kernel: KernelServices): void {
  loadModule(kernel, 'mdpy');
  const path = createVirtualDevice(kernel, 'mdpy', 'mdpy');
  // The ≥6.1 core keeps one counter per parent for max_instances drivers: every type shows
  // the same number, and create fails with EUSERS when it reaches 0 (mdev_core.c).
  let available = MDPY_MAX_INSTANCES;
  const resolutions = new Map<MdevTypeModel, string>();
  const type = (name: string, width: number, height: number): MdevTypeModel => {
    const model: MdevTypeModel = {
      sysfsName: name,
      prettyName: `mdpy-${name}`,
      description: `virtual display, ${width}x${height} framebuffer\n`,
      deviceApi: 'vfio-pci',
      available: () => available,
    };
    resolutions.set(model, `${width}x${height}`);
    return model;
  };
  kernel.mdev.registerParent('mdpy', path, {
    mdevDriver: 'mdpy',
    typePrefix: 'mdpy',
    types: [type('vga', 640, 480), type('xga', 1024, 768), type('hd', 1920, 1080)],
    create: () => {
      if (available === 0) fail('EUSERS', 'mdpy max_instances');
      available--;
    },
    remove: () => {
      available++;
    },
    populateDevice: (model, _uuid, devPath, tree) => {
      const resolution = resolutions.get(model) ?? '';
      // mdpy_dev_groups: vendor/resolution → "%dx%d\n"
      tree.attr(`${devPath}/vendor/resolution`, { mode: 0o444, show: () => `${resolution}\n` });
    },
  });
}
