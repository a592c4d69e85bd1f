/** A large synthetic host for benchmarks: many T4s with many pre-created mdevs. */
import type { GpuSpec, ScenarioInput } from '../schema.ts';

/** Parameters of {@link bigScenario}. */
export interface BigParams {
  /** Tesla T4 GPUs (classic mdev); raised when `instances` need more room. */
  gpus?: number;
  /** VFs enabled on one extra L40S (vendor VFIO); 0 = no L40S. */
  vfs?: number;
  /** Pre-created mdevs, spread round-robin over the T4s. */
  instances?: number;
}

/** GRID T4-1B (type id 222): 16 per GPU. */
const T4_TYPE = 'nvidia-222';
const T4_PER_GPU = 16;
const PER_DOMAIN = 120;

const hex = (value: number, width: number): string => value.toString(16).padStart(width, '0');

/** The address of GPU `index`: even buses 0x02… so that each root port sits on the odd bus below. */
function gpuAddress(index: number): string {
  const domain = Math.floor(index / PER_DOMAIN);
  const bus = 2 + 2 * (index % PER_DOMAIN);
  return `${hex(domain, 4)}:${hex(bus, 2)}:00.0`;
}

/** A deterministic UUID for pre-created mdev `index` on GPU `gpu`. */
function mdevUuid(gpu: number, index: number): string {
  return `${hex(gpu, 8)}-0000-4000-8000-${hex(index, 12)}`;
}

/**
 * `big`: defaults gpus 8, vfs 0, instances 512. Given `gpus` alone, instances default to what
 * fits (16 per GPU, at most 512); given `instances` alone, T4s are added to hold them.
 */
export function bigScenario(params: BigParams = {}): ScenarioInput {
  const instances = params.instances ?? (params.gpus === undefined ? 512 : Math.min(512, params.gpus * T4_PER_GPU));
  const gpuCount = Math.max(params.gpus ?? 8, Math.ceil(instances / T4_PER_GPU));
  const vfs = Math.min(params.vfs ?? 0, 32);
  const gpus: GpuSpec[] = [];
  for (let i = 0; i < gpuCount; i++) {
    gpus.push({ address: gpuAddress(i), model: 'tesla-t4', vgpu: 'mdev', mdevs: [] });
  }
  for (let n = 0; n < instances; n++) {
    const gpuIndex = n % gpuCount;
    const gpu = gpus[gpuIndex] as GpuSpec;
    gpu.mdevs?.push({ uuid: mdevUuid(gpuIndex, Math.floor(n / gpuCount)), type: T4_TYPE });
  }
  if (vfs > 0) gpus.push({ address: gpuAddress(gpuCount), model: 'l40s', vgpu: 'vendor-vfio', sriovNumVfs: vfs });
  return {
    name: 'big',
    description: `${gpuCount} Tesla T4 (classic mdev) with ${instances} vGPUs${vfs > 0 ? `, one L40S with ${vfs} VFs` : ''}`,
    gpus,
  };
}
