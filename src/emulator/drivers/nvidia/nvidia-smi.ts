/**
 * `nvidia-smi -q -x` of the emulated host: an `nvidia_smi_log` document with the element
 * names of the real tool (nvsmi_device DTD) for every PF bound to `nvidia`; and
 * `nvidia-smi vgpu [-i GPU] -shm 0|1 | -ghm`, setting and getting mixed-size
 * (heterogeneous) mode of vendor-VFIO GPUs.
 */
import { createHash } from 'node:crypto';
import type { ExecResult } from '../../../host/host-port.ts';
import { getModel } from '../../catalog/index.ts';
import type { KernelServices, PciFunction } from '../../kernel-api.ts';
import { gpuStateOf, setMixedSize } from './gpu-state.ts';

/** Driver branch the emulated host runs (seed 004: 550.144.02, a vGPU 17 host driver). */
export const NVIDIA_DRIVER_VERSION = '550.144.02';

const USAGE = "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.\n";
const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

interface BoardFacts {
  brand: string;
  architecture: string;
  /** FB total as nvidia-smi reports it (less than the marketing size on data-center boards). */
  totalMiB: number;
  reservedMiB: number;
}

// Values as real boards report them in nvidia-smi -q.
const BOARDS: ReadonlyMap<number, BoardFacts> = new Map([
  [0x1eb8, { brand: 'NVIDIA', architecture: 'Turing', totalMiB: 15360, reservedMiB: 250 }],
  [0x2236, { brand: 'NVIDIA', architecture: 'Ampere', totalMiB: 23028, reservedMiB: 279 }],
  [0x26b9, { brand: 'NVIDIA', architecture: 'Ada Lovelace', totalMiB: 46068, reservedMiB: 505 }],
  [0x2786, { brand: 'GeForce', architecture: 'Ada Lovelace', totalMiB: 12282, reservedMiB: 258 }],
  [0x1c03, { brand: 'GeForce', architecture: 'Pascal', totalMiB: 6144, reservedMiB: 0 }],
]);

/** Whether these arguments change the host (the state journal replays them). */
export function nvidiaSmiMutates(args: readonly string[]): boolean {
  return args[0] === 'vgpu' && args.includes('-shm');
}

/** Runs the emulated nvidia-smi: `-q -x` (query, XML) and `vgpu -shm|-ghm`. */
export function emulateNvidiaSmi(args: readonly string[], kernel: KernelServices): ExecResult {
  if (args[0] === 'vgpu') return vgpuSubcommand(args.slice(1), kernel);
  const flags = new Set(args);
  const query = flags.has('-q') || flags.has('--query');
  const xml = flags.has('-x') || flags.has('--xml-format');
  if (!query || !xml || flags.size !== 2) return { status: 2, stdout: '', stderr: USAGE };
  const gpus = boundGpus(kernel);
  // nvidia-smi exits 6 (NVML_ERROR_NOT_FOUND) when no GPU is bound.
  if (gpus.length === 0) return { status: 6, stdout: 'No devices were found\n', stderr: '' };
  return { status: 0, stdout: renderLog(gpus, kernel), stderr: '' };
}

/**
 * `nvidia-smi vgpu [-i <bus id|index>] -shm <0|1>` sets mixed-size mode, `-ghm` prints it.
 * Setting needs the GPU's VFs enabled (sriov-manage first; enabling them again clears the
 * mode) and no vGPUs on it. Messages follow nvidia-smi's style; the exact wording of the real
 * tool's errors is not public.
 */
function vgpuSubcommand(args: readonly string[], kernel: KernelServices): ExecResult {
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i < 0 ? undefined : args[i + 1];
  };
  const all = boundGpus(kernel);
  const selector = value('-i');
  const gpus =
    selector === undefined
      ? all
      : all.filter((gpu, index) => String(index) === selector || busIdMatches(gpu.address, selector));
  if (selector !== undefined && gpus.length === 0) {
    return { status: 6, stdout: '', stderr: `No devices were found matching "${selector}"\n` };
  }
  if (args.includes('-ghm')) {
    const out = gpus.flatMap((gpu) => {
      const state = gpuStateOf(gpu);
      const mode = state?.mode === 'vendor-vfio' ? (state.mixedSize ? 'Enabled' : 'Disabled') : 'N/A';
      return [`GPU ${busId(gpu.address)}`, `    Heterogeneous Mode                : ${mode}`];
    });
    return { status: 0, stdout: `${out.join('\n')}\n`, stderr: '' };
  }
  const set = value('-shm');
  if (set !== '0' && set !== '1') return { status: 2, stdout: '', stderr: USAGE };
  const lines: string[] = [];
  for (const gpu of gpus) {
    const state = gpuStateOf(gpu);
    if (state?.mode !== 'vendor-vfio') {
      if (selector === undefined) continue;
      return {
        status: 3,
        stdout: '',
        stderr: `Setting vGPU heterogeneous mode is not supported for GPU ${busId(gpu.address)}.\n`,
      };
    }
    if (gpu.vfs.length === 0) {
      return {
        status: 3,
        stdout: '',
        stderr: `Unable to set vGPU heterogeneous mode for GPU ${busId(gpu.address)}: enable its VFs first (sriov-manage -e).\n`,
      };
    }
    try {
      setMixedSize(state, set === '1');
    } catch {
      return {
        status: 3,
        stdout: '',
        stderr: `Unable to set vGPU heterogeneous mode for GPU ${busId(gpu.address)}: vGPUs are active on it.\n`,
      };
    }
    lines.push(`Set vGPU heterogeneous mode to ${set === '1' ? 'Enabled' : 'Disabled'} for GPU ${busId(gpu.address)}.`);
  }
  if (lines.length === 0) return { status: 3, stdout: '', stderr: 'No GPU supports vGPU heterogeneous mode.\n' };
  return { status: 0, stdout: `${lines.join('\n')}\n`, stderr: '' };
}

/** `0000:41:00.0` → `00000000:41:00.0` (nvidia-smi prints a 32-bit domain, upper case). */
function busId(address: string): string {
  return `0000${address}`.toUpperCase();
}

function busIdMatches(address: string, selector: string): boolean {
  const want = selector.toLowerCase().replace(/^0000(?=[0-9a-f]{4}:)/, '');
  return address === want || address === `0000:${want}` || busId(address).toLowerCase() === selector.toLowerCase();
}

/** PFs bound to nvidia, by address. */
function boundGpus(kernel: KernelServices): PciFunction[] {
  const dir = kernel.tree.find('/sys/bus/pci/drivers/nvidia');
  if (dir?.kind !== 'dir') return [];
  return [...dir.children.keys()]
    .filter((name) => BDF.test(name))
    .sort()
    .map((address) => kernel.pciDevice(address))
    .filter((dev): dev is PciFunction => dev !== undefined && dev.physfn === undefined);
}

function renderLog(gpus: PciFunction[], kernel: KernelServices): string {
  const vgpuHost = gpus.some((gpu) => (gpuStateOf(gpu)?.mode ?? 'none') !== 'none');
  const lines = [
    '<?xml version="1.0" ?>',
    '<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">',
    '<nvidia_smi_log>',
    `\t<timestamp>${ctime(new Date())}</timestamp>`,
    `\t<driver_version>${NVIDIA_DRIVER_VERSION}</driver_version>`,
    // vGPU host drivers carry no CUDA runtime (seed 004: "CUDA Version: N/A").
    `\t<cuda_version>${vgpuHost ? 'N/A' : '12.4'}</cuda_version>`,
    `\t<attached_gpus>${gpus.length}</attached_gpus>`,
    ...gpus.flatMap((gpu) => renderGpu(gpu, kernel)),
    '</nvidia_smi_log>',
  ];
  return `${lines.join('\n')}\n`;
}

function renderGpu(gpu: PciFunction, _kernel: KernelServices): string[] {
  const [domain = '0000', bus = '00', slot = '00.0'] = gpu.address.split(':');
  const device = slot.split('.')[0] ?? '00';
  const busId = `0000${gpu.address}`.toUpperCase();
  const model = getModel(gpu.modelId);
  const facts = BOARDS.get(gpu.device) ?? {
    brand: 'NVIDIA',
    architecture: 'Unknown',
    totalMiB: model?.vramMiB ?? 0,
    reservedMiB: 0,
  };
  const state = gpuStateOf(gpu);
  const mode = state?.mode ?? 'none';
  const usedMiB = [...(state?.active.values() ?? [])].reduce((sum, type) => sum + type.framebufferMiB, 0);
  const freeMiB = Math.max(0, facts.totalMiB - facts.reservedMiB - usedMiB);
  const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  return [
    `\t<gpu id="${busId}">`,
    `\t\t<product_name>${escapeXml(model?.marketingName ?? `NVIDIA Device ${hex4(gpu.device)}`)}</product_name>`,
    `\t\t<product_brand>${facts.brand}</product_brand>`,
    `\t\t<product_architecture>${facts.architecture}</product_architecture>`,
    '\t\t<display_mode>Disabled</display_mode>',
    '\t\t<display_active>Disabled</display_active>',
    '\t\t<persistence_mode>Enabled</persistence_mode>',
    '\t\t<mig_mode>',
    '\t\t\t<current_mig>N/A</current_mig>',
    '\t\t\t<pending_mig>N/A</pending_mig>',
    '\t\t</mig_mode>',
    `\t\t<uuid>${gpuUuid(gpu.address)}</uuid>`,
    '\t\t<pci>',
    `\t\t\t<pci_bus>${bus.toUpperCase()}</pci_bus>`,
    `\t\t\t<pci_device>${device.toUpperCase()}</pci_device>`,
    `\t\t\t<pci_domain>${domain.toUpperCase()}</pci_domain>`,
    `\t\t\t<pci_base_class>${(gpu.classCode >> 16).toString(16)}</pci_base_class>`,
    `\t\t\t<pci_sub_class>${((gpu.classCode >> 8) & 0xff).toString(16)}</pci_sub_class>`,
    `\t\t\t<pci_device_id>${hex4(gpu.device)}${hex4(gpu.vendor)}</pci_device_id>`,
    `\t\t\t<pci_bus_id>${busId}</pci_bus_id>`,
    `\t\t\t<pci_sub_system_id>${hex4(gpu.subsystemDevice)}${hex4(gpu.subsystemVendor)}</pci_sub_system_id>`,
    '\t\t</pci>',
    '\t\t<fb_memory_usage>',
    `\t\t\t<total>${facts.totalMiB} MiB</total>`,
    `\t\t\t<reserved>${facts.reservedMiB} MiB</reserved>`,
    `\t\t\t<used>${usedMiB} MiB</used>`,
    `\t\t\t<free>${freeMiB} MiB</free>`,
    '\t\t</fb_memory_usage>',
    '\t\t<gpu_virtualization_mode>',
    `\t\t\t<virtualization_mode>${mode === 'none' ? 'None' : 'Host VGPU'}</virtualization_mode>`,
    `\t\t\t<host_vgpu_mode>${mode === 'none' ? 'N/A' : mode === 'mdev' ? 'Non SR-IOV' : 'SR-IOV'}</host_vgpu_mode>`,
    '\t\t</gpu_virtualization_mode>',
    '\t</gpu>',
  ];
}

/** A stable GPU UUID derived from the PCI address (`GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`). */
function gpuUuid(address: string): string {
  const h = createHash('sha1').update(`vgpuctl-gpu:${address}`).digest('hex');
  return `GPU-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The C library's ctime() layout nvidia-smi prints: `Mon Jan 27 18:14:22 2025`. */
function ctime(date: Date): string {
  const [weekday = '', month = '', day = '', year = '', time = ''] = date.toString().split(' ');
  return `${weekday} ${month} ${day.padStart(2, ' ')} ${time} ${year}`;
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
