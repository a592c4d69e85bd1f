/** KubeVirt's fake NVIDIA vGPU host (seed 001): a virtual `nvidia` mdev parent, no PCI GPUs. */
import type { ScenarioInput } from '../schema.ts';

/** `kubevirt-t4`: the fake module with no pre-created instances, IOMMU on. */
export const KUBEVIRT_T4: ScenarioInput = {
  name: 'kubevirt-t4',
  description: 'KubeVirt\'s fake NVIDIA vGPU module (virtual parent "nvidia", T4 types); no PCI GPUs',
  iommu: 'intel',
  gpus: [],
  fakeNvidiaVgpu: { instances: 0 },
};
