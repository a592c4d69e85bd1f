/** KubeVirt's fake NVIDIA vGPU kernel module, emulated. */
export { fakeInstanceUuid, loadFakeNvidiaVgpu } from './fake-nvidia-vgpu.ts';
