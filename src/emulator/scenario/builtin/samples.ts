/** The kernel's vfio-mdev sample drivers as mdev parents (samples/vfio-mdev). */
import type { ScenarioInput } from '../schema.ts';

/** `samples`: mtty, mdpy and mbochs loaded, no GPUs. */
export const SAMPLES: ScenarioInput = {
  name: 'samples',
  description: 'Kernel vfio-mdev samples mtty, mdpy and mbochs; no GPUs',
  gpus: [],
  samples: ['mtty', 'mdpy', 'mbochs'],
};
