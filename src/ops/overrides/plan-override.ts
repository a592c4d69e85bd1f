/**
 * Changes to profile_override.toml as plans: the new file is computed, checked, and written
 * in one atomic replace by the executor (the host port writes a temporary file and renames
 * it). A change whose result does not pass the checks is refused and nothing is written.
 */
import { OVERRIDE_KEYS } from '../../catalog/index.ts';
import { VgpuctlError } from '../../core/errors.ts';
import { clip } from '../../core/pci-address.ts';
import type { Plan, Step } from '../../core/plan.ts';
import { parseOverrideFile, setKey, splitDotted, tomlValue, unsetKey } from '../../formats/profile-override-toml.ts';
import { TomlSyntaxError } from '../../formats/toml.ts';
import { type OverrideHostFacts, type OverrideIssue, validateOverrides } from './validate-overrides.ts';

/** A change: set keys of a table, or unset keys (none: the whole table). */
export type OverrideChange =
  | { kind: 'set'; table: string; values: Record<string, string> }
  | { kind: 'unset'; table: string; keys: string[] };

/** The table path of `nvidia-760`, `profile.nvidia-760`, `mdev.<uuid>` or `vm.<id>`. */
export function tablePath(table: string): string[] {
  const text = table.trim();
  if (/^nvidia-\d+$/.test(text)) return ['profile', text];
  const path = splitDotted(text);
  if (path.length !== 2 || !['profile', 'mdev', 'vm'].includes(path[0] as string)) {
    throw new VgpuctlError(
      'OVERRIDE_INVALID',
      `Cannot change override table "${clip(text, 60)}": not a table vgpu_unlock-rs reads`,
      {
        hint: 'Name it profile.nvidia-<id> (or nvidia-<id>), mdev.<uuid> or vm.<id>',
      },
    );
  }
  return path;
}

/** A value as TOML text: integers (decimal or 0x hex) as they are for number keys, everything else a string. */
export function valueText(key: string, value: string): string {
  const spec = OVERRIDE_KEYS[key];
  if (spec === undefined) {
    throw new VgpuctlError(
      'OVERRIDE_INVALID',
      `Cannot set override "${clip(key, 40)}": vgpu_unlock-rs has no such key`,
      {
        hint: `Keys: ${Object.keys(OVERRIDE_KEYS).join(', ')}`,
      },
    );
  }
  if (spec.kind !== 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(value)) return value;
  return tomlValue(value);
}

/** The new file text for `change` applied to `text`. */
function applyChange(text: string, change: OverrideChange): string {
  const path = tablePath(change.table);
  if (change.kind === 'set') {
    let out = text;
    for (const [key, value] of Object.entries(change.values)) out = setKey(out, path, key, valueText(key, value));
    return out;
  }
  if (change.keys.length === 0) return unsetKey(text, path);
  return change.keys.reduce((out, key) => unsetKey(out, path, key), text);
}

/** Parses and checks a file's text; syntax errors become issues with their position. */
export function checkText(text: string, host?: OverrideHostFacts): OverrideIssue[] {
  try {
    return validateOverrides(parseOverrideFile(text), host);
  } catch (error) {
    if (error instanceof TomlSyntaxError) {
      return [
        { severity: 'error', line: error.line, column: error.column, table: '', key: null, message: error.message },
      ];
    }
    throw error;
  }
}

/**
 * Plans `change` on the file at `path` (current content `current`, null when absent).
 * Throws OVERRIDE_INVALID, naming the first error's line and column, when the result is not valid.
 */
export function planOverride(
  path: string,
  current: string | null,
  change: OverrideChange,
  host?: OverrideHostFacts,
): { plan: Plan; content: string; issues: OverrideIssue[] } {
  const content = applyChange(current ?? '', change);
  const issues = checkText(content, host);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    const first = errors[0] as OverrideIssue;
    throw new VgpuctlError(
      'OVERRIDE_INVALID',
      `Cannot change "${path}": line ${first.line}, column ${first.column}: ${first.message}`,
      {
        hint:
          errors.length > 1
            ? `${errors.length - 1} more error(s); run "vgpuctl override check"`
            : 'Nothing was written',
        details: { issues: errors },
      },
    );
  }
  const steps: Step[] = [];
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  if (current === null) steps.push({ kind: 'mkdir', path: dir, why: `vgpu_unlock-rs reads its overrides from ${dir}` });
  if (content !== (current ?? '')) {
    steps.push({ kind: 'writeFile', path, content, mode: 0o644, why: `${describe(change)} (replaced atomically)` });
  }
  return { plan: { action: `${describe(change)} in ${path}`, steps }, content, issues };
}

function describe(change: OverrideChange): string {
  const table = tablePath(change.table).join('.');
  if (change.kind === 'set') return `set ${Object.keys(change.values).join(', ')} of [${table}]`;
  return change.keys.length === 0 ? `remove [${table}]` : `unset ${change.keys.join(', ')} of [${table}]`;
}
