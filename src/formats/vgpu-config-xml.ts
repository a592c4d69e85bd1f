/**
 * Reads NVIDIA's `vgpuConfig.xml` (installed by the vGPU host driver, e.g.
 * /usr/share/nvidia/vgpu/vgpuConfig.xml): one `vgpuType` element per type with its id, name
 * and class attributes, `profileId`, `framebuffer`, `numHeads`, `display` resolution,
 * `frlConfig`, `maxInstances`, and `pgpu` elements naming the types each board supports.
 * Entities are not expanded and a document with a DTD is refused.
 */
import { XMLParser } from 'fast-xml-parser';

/** One vGPU type as vgpuConfig.xml describes it. */
export interface VgpuConfigType {
  id: number;
  name: string;
  /** The `class` attribute as written (`NVS`, `Quadro`, `Compute`, `GRID`…). */
  className: string;
  /** A/B/C/Q from the class attribute, or from the name when the class is unknown. */
  class: 'A' | 'B' | 'C' | 'Q' | null;
  profileId: number | null;
  framebufferMiB: number | null;
  numHeads: number | null;
  maxResolution: string | null;
  frlConfig: number | null;
  maxInstances: number | null;
  /** PCI device ids of the boards (`pgpu/devId@deviceId`) that list this type. */
  deviceIds: number[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  processEntities: false,
  parseTagValue: false,
  isArray: (name) => name === 'vgpuType' || name === 'pgpu' || name === 'vgpuId' || name === 'devId',
});

// The class names NVIDIA's file uses for each series (B: virtual PC, Q: workstation, C: compute, A: apps).
const CLASS: Readonly<Record<string, 'A' | 'B' | 'C' | 'Q'>> = {
  nvs: 'B',
  quadro: 'Q',
  compute: 'C',
  grid: 'A',
  a: 'A',
  b: 'B',
  c: 'C',
  q: 'Q',
};

/** Parses vgpuConfig.xml; throws SyntaxError when it is not one (or carries a DTD). */
export function parseVgpuConfigXml(xml: string): VgpuConfigType[] {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new SyntaxError('vgpuConfig.xml must not carry a DTD or entities');
  const doc = parser.parse(xml) as Record<string, unknown>;
  const root = (doc.vgpuconfig ?? doc.vgpuConfig) as Record<string, unknown> | undefined;
  if (root === undefined || typeof root !== 'object') throw new SyntaxError('not a vgpuConfig document');
  const types = list(root.vgpuType);
  const boardsOf = new Map<number, number[]>();
  for (const pgpu of list(root.pgpu)) {
    const deviceIds = list(pgpu.devId)
      .map((dev) => num(dev['@deviceId']))
      .filter((n): n is number => n !== null);
    const supported = (pgpu.supportedVgpus ?? {}) as Record<string, unknown>;
    for (const raw of Array.isArray(supported.vgpuId) ? supported.vgpuId : []) {
      const id = num(raw);
      if (id === null) continue;
      boardsOf.set(id, [...(boardsOf.get(id) ?? []), ...deviceIds]);
    }
  }
  return types.flatMap((type) => {
    const id = num(type['@id']);
    const name = str(type['@name']);
    if (id === null || name === null) return [];
    const className = str(type['@class']) ?? '';
    const display: Record<string, unknown> = list(type.display)[0] ?? {};
    const width = num(display['@width']);
    const height = num(display['@height']);
    const fbBytes = num(type.framebuffer);
    const ownDevIds = list(type.devId)
      .map((dev) => num(dev['@deviceId']))
      .filter((n): n is number => n !== null);
    return [
      {
        id,
        name,
        className,
        class: CLASS[className.toLowerCase()] ?? classFromName(name),
        profileId: num(type.profileId),
        framebufferMiB: fbBytes === null ? null : Math.round(fbBytes / (1024 * 1024)),
        numHeads: num(type.numHeads),
        maxResolution: width === null || height === null ? null : `${width}x${height}`,
        frlConfig: num(type.frlConfig),
        maxInstances: num(type.maxInstances),
        deviceIds: [...new Set([...ownDevIds, ...(boardsOf.get(id) ?? [])])],
      },
    ];
  });
}

function classFromName(name: string): 'A' | 'B' | 'C' | 'Q' | null {
  const m = /\d([ABCQ])(?:ME|NOME|MEALL|GFX|\d)?$/.exec(name);
  return (m?.[1] as 'A' | 'B' | 'C' | 'Q' | undefined) ?? null;
}

function list(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value as Record<string, unknown>[];
  return value === undefined || value === null ? [] : [value as Record<string, unknown>];
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** Decimal or 0x-hex integers, as the file mixes both. */
function num(value: unknown): number | null {
  const text = str(typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['#text'] : value);
  if (text === null) return null;
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^\d+$/.test(text)) return Number.parseInt(text, 10);
  return null;
}
