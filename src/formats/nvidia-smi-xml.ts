/**
 * Reads `nvidia-smi -q -x` output (the `nvidia_smi_log` document). This module and its
 * siblings in formats/ are the only importers of the XML library; it sees only output of a
 * local tool, never network input, and entity processing is off.
 */
import { XMLParser } from 'fast-xml-parser';

/** What vgpuctl uses from nvidia-smi for one GPU. */
interface NvidiaSmiGpu {
  /** Canonical PCI address (0000:3b:00.0), from the `id` attribute (00000000:3B:00.0). */
  address: string;
  productName: string | undefined;
  fbTotalMiB: number | undefined;
  migCurrent: string | undefined;
  migPending: string | undefined;
  hostVgpuMode: string | undefined;
  virtualizationMode: string | undefined;
}

/** Parsed `nvidia_smi_log`. */
export interface NvidiaSmiLog {
  driverVersion: string | undefined;
  gpus: NvidiaSmiGpu[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  processEntities: false,
  parseTagValue: false,
  isArray: (name) => name === 'gpu',
});

/** Parses the XML; throws SyntaxError when it is not an nvidia_smi_log document. */
export function parseNvidiaSmiXml(xml: string): NvidiaSmiLog {
  const doc = parseOrSyntaxError(() => parser.parse(xml)) as { nvidia_smi_log?: Record<string, unknown> };
  const log = doc.nvidia_smi_log;
  if (log === undefined || typeof log !== 'object') throw new SyntaxError('not an nvidia_smi_log document');
  const gpus = (Array.isArray(log.gpu) ? log.gpu : []) as Record<string, unknown>[];
  return {
    driverVersion: text(log.driver_version),
    gpus: gpus.flatMap((gpu) => {
      const address = busIdToAddress(text(gpu['@id']) ?? text(child(gpu, 'pci', 'pci_bus_id')));
      if (address === undefined) return [];
      return [
        {
          address,
          productName: text(gpu.product_name),
          fbTotalMiB: mib(child(gpu, 'fb_memory_usage', 'total')),
          migCurrent: text(child(gpu, 'mig_mode', 'current_mig')),
          migPending: text(child(gpu, 'mig_mode', 'pending_mig')),
          hostVgpuMode: text(child(gpu, 'gpu_virtualization_mode', 'host_vgpu_mode')),
          virtualizationMode: text(child(gpu, 'gpu_virtualization_mode', 'virtualization_mode')),
        },
      ];
    }),
  };
}

/** "00000000:3B:00.0" → "0000:3b:00.0" (nvidia-smi prints a 32-bit domain). */
export function busIdToAddress(busId: string | undefined): string | undefined {
  const m = busId === undefined ? null : /^([0-9a-fA-F]{4,8}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(busId);
  if (m === null) return undefined;
  const domain = (m[1] as string).slice(-4);
  return `${domain}:${m[2]}:${m[3]}.${m[4]}`.toLowerCase();
}

function child(node: Record<string, unknown>, ...path: string[]): unknown {
  let value: unknown = node;
  for (const key of path)
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

function mib(value: unknown): number | undefined {
  const m = /^(\d+)\s*MiB$/.exec(text(value) ?? '');
  return m === null ? undefined : Number.parseInt(m[1] as string, 10);
}

/** fast-xml-parser throws a plain Error on malformed XML (a truncated nvidia-smi run); callers expect SyntaxError. */
function parseOrSyntaxError(parse: () => unknown): unknown {
  try {
    return parse();
  } catch (error) {
    throw new SyntaxError(`not well-formed XML: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
