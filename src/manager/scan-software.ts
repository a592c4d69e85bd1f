/**
 * Software GPU candidates: virtio-gpu rendering through virglrenderer on a host render node
 * (virgl for OpenGL, venus for Vulkan), or plain 2D virtio-vga, which needs nothing of the
 * host. The "virtual VRAM in system memory" of seed 000 becomes virtio-gpu's host-memory
 * budget (QEMU's max_hostmem, or hostmem for venus).
 */
import type { DrmRenderNode, Inventory } from '../discovery/inventory.ts';
import { type DraftCandidate, type SoftwareApi, shortGpuName } from './candidate.ts';

/** Which virtio-gpu flavour to offer: `auto` is virgl where a render node exists, else 2D. */
export type SoftwareApiChoice = 'auto' | SoftwareApi;

/** Drivers with a Vulkan implementation venus can forward to (Mesa anv/radv, NVIDIA's own). */
const VULKAN_DRIVERS = new Set(['i915', 'xe', 'amdgpu', 'nvidia']);

/** QEMU's default max_hostmem (virtio-gpu-base.c): enough for 2D framebuffers. */
const DEFAULT_2D_MIB = 256;
/** Default budget for 3D: textures and buffers of a desktop guest. */
const DEFAULT_3D_MIB = 1024;

/** Options of {@link softwareCandidates}. */
export interface SoftwareOptions {
  api?: SoftwareApiChoice;
  /** The host-memory budget asked for (MiB); default: the GPU's virtual VRAM, else 1 GiB (3D) or 256 MiB (2D). */
  memoryMiB?: number;
  /** Host RAM (MemTotal, MiB) when known: the budget may not exceed half of it. */
  hostRamMiB?: number | null;
}

/**
 * The host-memory budget: the size asked for, else the render GPU's virtual VRAM (memory a
 * vgpu_nvidia-style driver already set aside in system RAM), else a default per API; never
 * more than half the host's RAM.
 */
function hostMemoryBudget(api: SoftwareApi, options: SoftwareOptions, virtualVramMiB: number | null): number {
  const wanted = options.memoryMiB ?? (virtualVramMiB !== null && virtualVramMiB > 0 ? virtualVramMiB : null);
  const budget = wanted ?? (api === '2d' ? DEFAULT_2D_MIB : DEFAULT_3D_MIB);
  const cap = options.hostRamMiB == null ? null : Math.floor(options.hostRamMiB / 2);
  return cap === null ? budget : Math.min(budget, cap);
}

/** Software candidates: one per render node, then plain 2D. */
export function softwareCandidates(inventory: Inventory, options: SoftwareOptions = {}): DraftCandidate[] {
  const choice = options.api ?? 'auto';
  const nodes = inventory.drm?.renderNodes ?? [];
  const slow = inventory.host.kvm.available ? [] : ['no KVM: the VM runs under TCG emulation, slowly'];
  const out: DraftCandidate[] = [];
  if (choice !== '2d') {
    const api: SoftwareApi = choice === 'venus' ? 'venus' : 'virgl';
    for (const [i, node] of nodes.entries()) out.push(renderNodeCandidate(inventory, node, api, options, slow, i));
  }
  const reasons =
    choice === 'virgl' || choice === 'venus'
      ? [`plain 2D has no ${choice === 'virgl' ? 'OpenGL' : 'Vulkan'} acceleration, and ${choice} was asked for`]
      : [];
  out.push({
    mode: 'software',
    device: null,
    label: 'virtio-vga, 2D (no host GPU needed)',
    available: reasons.length === 0,
    reasons,
    notes: [...(nodes.length === 0 ? ['no DRM render node on this host: no 3D acceleration'] : []), ...slow],
    order: [nodes.length + 1],
    target: {
      kind: 'software',
      api: '2d',
      renderNode: null,
      gpu: null,
      driver: null,
      hostMemoryMiB: hostMemoryBudget('2d', options, null),
    },
  });
  return out;
}

function renderNodeCandidate(
  inventory: Inventory,
  node: DrmRenderNode,
  api: SoftwareApi,
  options: SoftwareOptions,
  slow: string[],
  position: number,
): DraftCandidate {
  const gpu = inventory.gpus.find((g) => g.address === node.pciAddress);
  const reasons: string[] = [];
  if (!node.devNodeExists) {
    reasons.push(`${node.devNode} does not exist (no udev, or not passed into this container)`);
  }
  if (api === 'venus' && (node.driver === null || !VULKAN_DRIVERS.has(node.driver))) {
    reasons.push(`its driver (${node.driver ?? 'unknown'}) has no Vulkan implementation venus can use`);
  }
  const what = gpu === undefined ? node.name : shortGpuName(gpu);
  return {
    mode: 'software',
    device: node.pciAddress ?? node.name,
    label: `${api} on ${node.devNode} (${what}${node.driver === null ? '' : `, ${node.driver}`})`,
    available: reasons.length === 0,
    reasons,
    notes: [
      api === 'virgl'
        ? 'OpenGL through virglrenderer; the host GPU stays with the host'
        : 'Vulkan through venus (QEMU 9.2+)',
      ...slow,
    ],
    // Discrete GPUs before the boot VGA one, which also draws the host's desktop.
    order: [Number(gpu?.bootVga ?? false), position],
    target: {
      kind: 'software',
      api,
      renderNode: node.devNode,
      gpu: node.pciAddress,
      driver: node.driver,
      hostMemoryMiB: hostMemoryBudget(api, options, gpu?.vram.virtualMiB ?? null),
    },
  };
}
