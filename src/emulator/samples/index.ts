/** The kernel's vfio-mdev samples (samples/vfio-mdev) as loadable emulated modules. */
import type { KernelServices } from '../kernel-api.ts';
import { loadMbochs } from './mbochs.ts';
import { loadMdpy } from './mdpy.ts';
import { loadMtty } from './mtty.ts';

/** Loads one sample module (modprobe mtty|mdpy|mbochs): its virtual parent and mdev types. */
export function loadSample(name: 'mtty' | 'mdpy' | 'mbochs', kernel: KernelServices): void {
  if (name === 'mtty') loadMtty(kernel);
  else if (name === 'mdpy') loadMdpy(kernel);
  else loadMbochs(kernel);
}
