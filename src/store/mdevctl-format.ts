/**
 * mdevctl's definition file format, byte for byte: serde_json's `to_string_pretty` of
 * `{"mdev_type", "start", "attrs": [{name: value}, …]}` (2-space indent, no final newline),
 * read as tolerantly as mdevctl reads it (mdevctl/mdevctl src/mdev.rs `load_from_json`).
 */

/** When a definition starts: at boot / parent registration (`auto`) or on request. */
export type StartMode = 'auto' | 'manual';

/** One mdev definition's content (the parent and UUID are its path). */
export interface MdevctlConfig {
  mdevType: string;
  start: StartMode;
  /** Attributes written to the device after creation, in order: `[name, value]`. */
  attrs: [string, string][];
}

/** A definition file that mdevctl itself would refuse, with the reason. */
export class DefinitionSyntaxError extends Error {
  override readonly name = 'DefinitionSyntaxError';
}

// An attribute is a path below the mdev device directory (`vendor/foo` on samples), never outside it.
const ATTR_NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/** True when `name` may be written as an mdev attribute path. */
export function isAttrName(name: string): boolean {
  return ATTR_NAME.test(name) && !name.split('/').some((part) => part === '.' || part === '..');
}

/** Renders a definition exactly as mdevctl writes it. */
export function formatMdevctlConfig(config: MdevctlConfig): string {
  return JSON.stringify(
    {
      mdev_type: config.mdevType,
      start: config.start,
      attrs: config.attrs.map(([name, value]) => ({ [name]: value })),
    },
    null,
    2,
  );
}

/** Parses text that must be one JSON object; throws {@link DefinitionSyntaxError}. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DefinitionSyntaxError(`not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DefinitionSyntaxError('not a JSON object');
  }
  return json as Record<string, unknown>;
}

/**
 * Parses a definition file. Like mdevctl: `mdev_type` and `start` are required (a `start`
 * other than "auto" means manual), `attrs` may be absent or null, each attribute is an
 * object with exactly one string value, unknown keys are ignored.
 */
export function parseMdevctlConfig(text: string): MdevctlConfig {
  const record = parseJsonObject(text);
  if (typeof record.mdev_type !== 'string' || record.mdev_type === '') {
    throw new DefinitionSyntaxError('"mdev_type" is missing or not a string');
  }
  if (record.start === undefined || record.start === null) throw new DefinitionSyntaxError('"start" is missing');
  const attrs: [string, string][] = [];
  if (record.attrs !== undefined && record.attrs !== null) {
    if (!Array.isArray(record.attrs)) throw new DefinitionSyntaxError('"attrs" is not an array');
    for (const [index, attr] of record.attrs.entries()) {
      if (typeof attr !== 'object' || attr === null || Array.isArray(attr)) {
        throw new DefinitionSyntaxError(`attribute ${index} is not an object`);
      }
      const entries = Object.entries(attr as Record<string, unknown>);
      const [entry] = entries;
      if (entry === undefined || entries.length !== 1)
        throw new DefinitionSyntaxError(`attribute ${index} must have exactly one field`);
      const [name, value] = entry;
      if (typeof value !== 'string') throw new DefinitionSyntaxError(`attribute "${name}" must have a string value`);
      if (!isAttrName(name)) throw new DefinitionSyntaxError(`attribute name "${name}" is not a path below the device`);
      attrs.push([name, value]);
    }
  }
  return { mdevType: record.mdev_type, start: record.start === 'auto' ? 'auto' : 'manual', attrs };
}
