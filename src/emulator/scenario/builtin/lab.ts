/** The default emulated host: one GPU of every kind vgpuctl handles. */
import type { ScenarioInput } from '../schema.ts';

/** `lab`: iGPU with GVT-g, a desktop RTX 4070 with virtual VRAM, a T4 (classic mdev), an L40S (vendor VFIO) and an unlocked GTX 1060. */
export const LAB: ScenarioInput = {
  name: 'lab',
  description:
    'Intel UHD 630 (GVT-g), RTX 4070 + audio (virtual VRAM), Tesla T4 (mdev), L40S (vendor VFIO, 32 VFs), unlocked GTX 1060',
  iommu: 'intel',
  kvm: true,
  gpus: [
    { address: '0000:00:02.0', model: 'intel-uhd-630', bootVga: true, vgpu: 'gvt-g' },
    { address: '0000:01:00.0', model: 'geforce-rtx-4070', driver: 'nvidia', virtualVramMiB: 2048 },
    { address: '0000:3b:00.0', model: 'tesla-t4', vgpu: 'mdev' },
    { address: '0000:41:00.0', model: 'l40s', vgpu: 'vendor-vfio', sriovNumVfs: 0 },
    { address: '0000:81:00.0', model: 'geforce-gtx-1060-6gb', vgpu: 'mdev', vgpuTypes: ['nvidia-760', 'nvidia-761'] },
  ],
};
