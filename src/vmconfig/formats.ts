/** The VM configuration formats vgpuctl writes (help texts list them without loading the renderers). */
/** Every configuration format. */
export const VM_CONFIG_FORMATS = [
  'qemu',
  'qemu-full',
  'libvirt',
  'libvirt-fragment',
  'cloud-hypervisor',
  'kubevirt',
] as const;

/** A configuration format. */
export type VmConfigFormat = (typeof VM_CONFIG_FORMATS)[number];
