/** What every command returns: the data (`--json` prints it) and its text rendering. */
export interface CommandResult<T = unknown> {
  data: T;
  text: string;
  exitCode?: number;
  /** Things to know that are not the result (printed on stderr; in --json, part of `data`). */
  notes?: string[];
  /** `data` is another tool's format (mdevctl's JSON): `--json` prints it as is, unversioned. */
  foreignJson?: true;
}

/**
 * The version of vgpuctl's `--json` vocabulary, carried by every JSON output as
 * `schemaVersion`; raised when a field changes meaning or goes away (new fields keep it).
 */
export const JSON_SCHEMA_VERSION = 1;

/** What `--json` prints for a result: its data with `schemaVersion` (a list as `items`). */
export function versionedJson(result: CommandResult): unknown {
  if (result.foreignJson === true) return result.data;
  if (Array.isArray(result.data)) return { schemaVersion: JSON_SCHEMA_VERSION, items: result.data };
  if (typeof result.data === 'object' && result.data !== null) {
    return { schemaVersion: JSON_SCHEMA_VERSION, ...result.data };
  }
  return { schemaVersion: JSON_SCHEMA_VERSION, value: result.data };
}
