/**
 * The scenario format: which devices an emulated host has, where, and in which state.
 * Built-in scenarios are values of this schema; scenario files (TOML) are parsed into it.
 */
import { z } from 'zod';

const pciAddress = z
  .string()
  .regex(
    /^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/,
    'expected a PCI address such as 0000:3b:00.0 (lower-case hex)',
  );

const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'expected a lower-case UUID');

/** How a GPU's vendor driver exposes vGPUs (kernel-semantics.md §6). */
export const VgpuMode = z.enum([
  'none',
  /** Classic mdev on the PF (NVIDIA pre-Ampere, unlocked consumer cards). */
  'mdev',
  /** SR-IOV VFs, each an mdev parent (NVIDIA Ampere). */
  'sriov-mdev',
  /** NVIDIA vendor-specific VFIO: nvidia/current_vgpu_type on VFs (Ada+, vGPU 17+). */
  'vendor-vfio',
  /** Intel GVT-g mdev types on the iGPU. */
  'gvt-g',
]);
export type VgpuMode = z.infer<typeof VgpuMode>;

export const GpuSpec = z
  .object({
    address: pciAddress,
    /** Catalog model id, e.g. "tesla-t4". */
    model: z.string().min(1),
    /** Driver bound at start; null leaves the device unbound; default from the catalog. */
    driver: z.string().min(1).nullable().optional(),
    /** The PCIe root port above the GPU; generated when absent. */
    rootPort: pciAddress.optional(),
    /** IOMMU group id; allocated when absent. All functions of the slot share it. */
    iommuGroup: z.number().int().min(0).max(65535).optional(),
    bootVga: z.boolean().optional(),
    numaNode: z.number().int().min(-1).max(63).optional(),
    vgpu: VgpuMode.optional(),
    /** Restrict (or, for unlocked cards, choose) the vGPU type ids offered, e.g. ["nvidia-760"]. */
    vgpuTypes: z.array(z.string().regex(/^[a-z0-9]+-[A-Za-z0-9_]+$/)).optional(),
    /** Extra VRAM in system memory, reported through vram_info (seed 000). */
    virtualVramMiB: z
      .number()
      .int()
      .min(0)
      .max(1 << 20)
      .optional(),
    /** VFs enabled at start (SR-IOV capable models only). */
    sriovNumVfs: z.number().int().min(0).max(65535).optional(),
    /** mdevs present at start. */
    mdevs: z.array(z.object({ uuid, type: z.string().min(1) }).strict()).optional(),
    /** Vendor-VFIO vGPUs present at start: VF index and NVIDIA type id. */
    vendorVgpus: z
      .array(z.object({ vf: z.number().int().min(0), typeId: z.number().int().min(1) }).strict())
      .optional(),
  })
  .strict();
export type GpuSpec = z.infer<typeof GpuSpec>;

export const Scenario = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a lower-case name of letters, digits and dashes'),
    description: z.string().default(''),
    kernel: z
      .object({
        release: z
          .string()
          .regex(/^\d+\.\d+(\.\d+)?([-.+][\w.+-]*)?$/)
          .default('6.8.0-vgpuctl'),
        cmdline: z.string().max(4096).default('BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet intel_iommu=on iommu=pt'),
      })
      .strict()
      .prefault({}),
    /** The IOMMU: off means no /sys/kernel/iommu_groups entries and no /sys/class/iommu. */
    iommu: z.enum(['intel', 'amd', 'off']).default('intel'),
    /** Whether KVM is available (/dev/kvm). */
    kvm: z.boolean().default(true),
    gpus: z.array(GpuSpec).default([]),
    /** Kernel vfio-mdev samples loaded (samples/vfio-mdev). */
    samples: z.array(z.enum(['mtty', 'mdpy', 'mbochs'])).default([]),
    /** KubeVirt's fake NVIDIA vGPU module: virtual parent "nvidia" (seed 001). */
    fakeNvidiaVgpu: z
      .object({ instances: z.number().int().min(0).max(16).default(0) })
      .strict()
      .optional(),
    /** Whether an (emulated) nvidia-smi is installed. Default: when any GPU uses the nvidia driver. */
    nvidiaSmi: z.boolean().optional(),
  })
  .strict();
export type Scenario = z.infer<typeof Scenario>;
export type ScenarioInput = z.input<typeof Scenario>;
