/** The emulated NVIDIA host driver: the `nvidia` PCI driver, nvidia-smi and the seed-000 vram_info device. */

export { createNvidiaDriver } from './nvidia-driver.ts';
export { emulateNvidiaSmi, nvidiaSmiMutates } from './nvidia-smi.ts';
export { registerVramInfo } from './vram-info.ts';
