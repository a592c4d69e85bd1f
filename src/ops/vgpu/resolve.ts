/**
 * Turning what a user typed into things on the host: a type query (`nvidia-222`,
 * `GRID T4-1B`, `T4-1B`, `1145`), a GPU argument (a PCI address or an mdev parent name),
 * a vGPU id (a UUID or a VF address). Every name is checked before it can reach a path.
 */
import { VgpuctlError } from '../../core/errors.ts';
import { clip, parsePciAddress } from '../../core/pci-address.ts';
import { parseUuid } from '../../core/uuid.ts';
import { checkPathName } from '../../store/paths.ts';
import { shortTypeName } from './nvidia-type-name.ts';
import type { VgpuHost } from './vgpu-hosts.ts';

/** What a type query is compared against. */
export interface TypeIdentity {
  id: string;
  nvidiaTypeId: number | null;
  name: string | null;
}

/** Checks a type query: not empty, no path separators. */
export function checkTypeQuery(query: string): string {
  const text = query.trim();
  if (text === '' || text.includes('/') || text.includes('..') || /[\u0000-\u001f]/.test(text)) {
    throw new VgpuctlError(
      'INVALID_NAME',
      `Cannot use vGPU type "${clip(query)}": type names may not be empty or contain "/" or ".."`,
      {
        hint: 'Give a type id (nvidia-222) or name (GRID T4-1B, T4-1B); "vgpuctl types" lists them',
      },
    );
  }
  return text;
}

/**
 * True when `type` is the one `query` names: its id (`nvidia-222`), NVIDIA's number (`222`),
 * its name (`GRID T4-1B`) or its name without the `GRID `/`NVIDIA ` prefix (`T4-1B`); names
 * compare case-insensitively, ids exactly (sysfs names are case-sensitive).
 */
export function typeMatches(type: TypeIdentity, query: string): boolean {
  const q = query.trim();
  if (type.id === q) return true;
  if (/^\d+$/.test(q) && type.nvidiaTypeId === Number.parseInt(q, 10)) return true;
  if (type.name === null) return false;
  const lower = q.toLowerCase();
  return type.name.toLowerCase() === lower || shortTypeName(type.name).toLowerCase() === lower;
}

/** A GPU argument resolved: the host, and the one parent or VF it names when it names one. */
export interface GpuTarget {
  host: VgpuHost;
  /** The mdev parent (a VF on SR-IOV + mdev) or vendor-VFIO VF the argument named, if not the GPU. */
  only?: string;
}

/** True when `text` reads as a PCI address rather than an mdev parent name. */
export function looksLikePciAddress(text: string): boolean {
  return /^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(text.trim());
}

/**
 * Resolves `--gpu`: a GPU's PCI address, one of its VFs, or an mdev parent name such as
 * `nvidia` (KubeVirt's fake module) or `mtty`.
 */
export function resolveGpu(hosts: readonly VgpuHost[], argument: string, action: string): GpuTarget {
  const text = argument.trim();
  if (looksLikePciAddress(text)) {
    const address = parsePciAddress(text);
    const host = hosts.find((h) => h.gpu === address);
    if (host !== undefined) return { host };
    for (const h of hosts) {
      if (h.parents.some((p) => p.name === address) || h.vfs.some((vf) => vf.address === address))
        return { host: h, only: address };
    }
    throw new VgpuctlError(
      'DEVICE_NOT_FOUND',
      `Cannot ${action} on "${address}": it is not a GPU that offers vGPU types`,
      {
        hint: gpusHint(hosts),
      },
    );
  }
  checkPathName('GPU', text);
  const host = hosts.find((h) => h.gpu === text);
  if (host !== undefined) return { host };
  throw new VgpuctlError(
    'DEVICE_NOT_FOUND',
    `Cannot ${action} on "${clip(text)}": no GPU or mdev parent of that name`,
    {
      hint: gpusHint(hosts),
    },
  );
}

function gpusHint(hosts: readonly VgpuHost[]): string {
  return hosts.length === 0
    ? 'This host has no GPU or mdev parent offering vGPU types; "vgpuctl list" shows its GPUs'
    : `GPUs and mdev parents offering vGPU types: ${hosts.map((h) => h.gpu).join(', ')}`;
}

/** A vGPU named by the user: an mdev UUID or a vendor-VFIO VF's PCI address. */
export type VgpuId = { kind: 'mdev'; uuid: string } | { kind: 'vendor-vfio'; vf: string };

/** Parses a vGPU id; refuses malformed and upper-case UUIDs. */
function parseVgpuId(text: string): VgpuId {
  if (looksLikePciAddress(text)) return { kind: 'vendor-vfio', vf: parsePciAddress(text) };
  return { kind: 'mdev', uuid: parseUuid(text) };
}

/** Parses a list of vGPU ids, refusing an empty list and duplicates. */
export function parseVgpuIds(texts: readonly string[], action: string): VgpuId[] {
  if (texts.length === 0) {
    throw new VgpuctlError('USAGE', `Cannot ${action}: no vGPU named`, {
      hint: 'Give UUIDs or VF addresses; "vgpuctl vgpus" lists them',
    });
  }
  const ids = texts.map(parseVgpuId);
  const seen = new Set<string>();
  for (const id of ids) {
    const key = vgpuIdText(id);
    if (seen.has(key)) {
      throw new VgpuctlError('INVALID_ARGUMENT', `Cannot ${action}: "${key}" is named twice`, {
        hint: 'Name each vGPU once',
      });
    }
    seen.add(key);
  }
  return ids;
}

/** The text form of a vGPU id. */
export function vgpuIdText(id: VgpuId): string {
  return id.kind === 'mdev' ? id.uuid : id.vf;
}

/** Formats MiB for messages: `1 GiB`, `512 MiB`. */
export function formatMiB(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
}

/** `vGPU 83b8…` / `2 vGPUs (a, b)` / `256 vGPUs`, for plan actions. */
export function countedIds(ids: readonly string[]): string {
  if (ids.length === 1) return `vGPU ${ids[0]}`;
  return ids.length <= 4 ? `${ids.length} vGPUs (${ids.join(', ')})` : `${ids.length} vGPUs`;
}

/** "a 2 GiB", "an 8 GiB", "an 11 GiB": the article as the number is spoken. */
export function withArticle(text: string): string {
  return `${/^(8|1[18](\D|$))/.test(text) ? 'an' : 'a'} ${text}`;
}

/** A parent named by the user for a definition (`--gpu`): PCI addresses canonical (`3b:00.0` → `0000:3b:00.0`). */
export function parentName(text: string): string;
export function parentName(text: string | undefined): string | undefined;
export function parentName(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  return looksLikePciAddress(text) ? parsePciAddress(text) : checkPathName('parent', text.trim());
}
