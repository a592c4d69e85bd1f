import { isPciAddress } from '../core/pci-address.ts';
import { parseVramInfo, type VramInfo } from '../core/sysfs-formats.ts';
import type { NvidiaSmiLog } from '../formats/nvidia-smi-xml.ts';
import { isHostError } from '../host/host-port.ts';
import type { SysfsReader } from './sysfs-reader.ts';

/** nvidia-smi's view of the host, or null when the tool is absent or fails. */
export async function queryNvidiaSmi(sysfs: SysfsReader): Promise<NvidiaSmiLog | null> {
  try {
    const result = await sysfs.host.exec('nvidia-smi', ['-q', '-x']);
    if (result.status !== 0) return null;
    // Loaded only when nvidia-smi answered: the XML parser is a large part of the CLI's code,
    // and hosts without the NVIDIA driver (and trees read through --root) never need it.
    const { parseNvidiaSmiXml } = await import('../formats/nvidia-smi-xml.ts');
    return parseNvidiaSmiXml(result.stdout);
  } catch (error) {
    if (isHostError(error) || error instanceof SyntaxError) return null;
    throw error;
  }
}

/** A `vram_info` report (seed 000's virtual-VRAM driver) and the GPU it belongs to, when stated. */
export interface VramReport extends VramInfo {
  address: string | null;
}

const VRAM_CLASS = '/sys/class/vgpu_nvidia';

/** Reads every `/sys/class/vgpu_nvidia/<dev>/vram_info`. */
export async function readVramInfo(sysfs: SysfsReader): Promise<VramReport[]> {
  const entries = await sysfs.list(VRAM_CLASS);
  const reports = await Promise.all(
    entries.map(async (entry) => {
      const dir = `${VRAM_CLASS}/${entry}`;
      const text = await sysfs.text(`${dir}/vram_info`);
      if (text === null) return null;
      // The GPU is named by a `device` link or a `pci_address` attribute when the driver provides one.
      const linked = await sysfs.linkName(`${dir}/device`);
      const stated = await sysfs.text(`${dir}/pci_address`);
      const address = [linked, stated].find((a): a is string => a !== null && isPciAddress(a)) ?? null;
      return { ...parseVramInfo(text), address };
    }),
  );
  return reports.filter((r): r is VramReport => r !== null);
}
