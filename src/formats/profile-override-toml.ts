/**
 * vgpu_unlock-rs's `profile_override.toml`, read for its values (smol-toml, via toml.ts) and
 * scanned line by line for where each table and key is, so that errors carry a line and a
 * column and edits change only the lines they must: comments, blank lines, key order and
 * keys we do not know survive a round trip byte for byte.
 */
import { parseToml } from './toml.ts';

/** A `key = value` line. */
interface OverrideKeyLine {
  key: string;
  /** 1-based line and column of the key. */
  line: number;
  column: number;
  /** 1-based column where the value starts. */
  valueColumn: number;
}

/** A `[table]` and the keys under it. */
export interface OverrideTable {
  /** The header's dotted path, unquoted: `['profile', 'nvidia-760']`; `[]` for keys before any header. */
  path: string[];
  line: number;
  column: number;
  keys: OverrideKeyLine[];
}

/** A parsed override file: the values and where they are. */
export interface OverrideDocument {
  text: string;
  values: Record<string, unknown>;
  tables: OverrideTable[];
}

const HEADER = /^(\s*)\[\s*([^\][]+?)\s*\]\s*(#.*)?$/;
const KEY = /^(\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*=\s*/;

/** Parses the file; throws TomlSyntaxError (with line and column) when it is not TOML. */
export function parseOverrideFile(text: string): OverrideDocument {
  const values = parseToml(text);
  return { text, values, tables: scanTables(text) };
}

/** The tables and key lines of a TOML text (top-level keys in a table with an empty path). */
export function scanTables(text: string): OverrideTable[] {
  const tables: OverrideTable[] = [{ path: [], line: 1, column: 1, keys: [] }];
  const lines = text.split('\n');
  let inMultiline = false;
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (inMultiline) {
      if (/"""|'''/.test(line)) inMultiline = false;
      return;
    }
    const header = HEADER.exec(line);
    if (header !== null) {
      tables.push({
        path: splitDotted(header[2] as string),
        line: index + 1,
        column: (header[1] as string).length + 1,
        keys: [],
      });
      return;
    }
    const key = KEY.exec(line);
    if (key === null) return;
    const table = tables[tables.length - 1] as OverrideTable;
    table.keys.push({
      key: unquote(key[2] as string),
      line: index + 1,
      column: (key[1] as string).length + 1,
      valueColumn: key[0].length + 1,
    });
    const rest = line.slice(key[0].length);
    if (/^("""|''')/.test(rest) && !/^("""|''').*\1/.test(rest)) inMultiline = true;
  });
  return tables;
}

/** `profile."nvidia-760"` → `['profile', 'nvidia-760']`. */
export function splitDotted(path: string): string[] {
  const parts: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*(?:\.|$)/y;
  let m: RegExpExecArray | null = re.exec(path);
  while (m !== null && m[0] !== '') {
    parts.push(unquote(m[1] as string));
    if (re.lastIndex >= path.length) break;
    m = re.exec(path);
  }
  return parts;
}

function unquote(key: string): string {
  if (key.startsWith('"')) return JSON.parse(key) as string;
  if (key.startsWith("'")) return key.slice(1, -1);
  return key;
}

/** A TOML value as text: strings quoted, integers as given (`0x74000000` stays hex). */
export function tomlValue(value: string | number | bigint): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** `[profile.nvidia-760]`: keys that need it are quoted. */
function tomlHeader(path: readonly string[]): string {
  return `[${path.map((p) => (/^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p))).join('.')}]`;
}

/**
 * Sets `key` in the table `path` to the TOML text `valueText`: the value of an existing line
 * is replaced (its comment kept); a new key goes after the table's last key; a new table goes
 * at the end. Everything else is kept as it was.
 */
export function setKey(text: string, path: readonly string[], key: string, valueText: string): string {
  const lines = text.split('\n');
  const tables = scanTables(text);
  const table = findTable(tables, path);
  const newLine = `${/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key)} = ${valueText}`;
  if (table === undefined) {
    const body = text === '' || text.endsWith('\n') ? text : `${text}\n`;
    const gap = body === '' || body.endsWith('\n\n') ? '' : '\n';
    return `${body}${gap}${tomlHeader(path)}\n${newLine}\n`;
  }
  const existing = table.keys.find((k) => k.key === key);
  if (existing !== undefined) {
    const line = lines[existing.line - 1] as string;
    const head = line.slice(0, existing.valueColumn - 1);
    const comment = trailingComment(line.slice(existing.valueColumn - 1));
    lines[existing.line - 1] = `${head}${valueText}${comment === '' ? '' : ` ${comment}`}`;
    return lines.join('\n');
  }
  const after = table.keys.length > 0 ? (table.keys[table.keys.length - 1] as OverrideKeyLine).line : table.line;
  const indent = table.keys[0] === undefined ? '' : ' '.repeat(table.keys[0].column - 1);
  lines.splice(after, 0, `${indent}${newLine}`);
  return lines.join('\n');
}

/** Removes `key` (or, without a key, the whole table with its keys) from `path`; unchanged when absent. */
export function unsetKey(text: string, path: readonly string[], key?: string): string {
  const lines = text.split('\n');
  const tables = scanTables(text);
  const table = findTable(tables, path);
  if (table === undefined) return text;
  if (key !== undefined) {
    const existing = table.keys.find((k) => k.key === key);
    if (existing === undefined) return text;
    lines.splice(existing.line - 1, 1);
    return lines.join('\n');
  }
  // The table runs from its header to the line before the next header.
  const next = tables.find((t) => t.line > table.line && t.path.length > 0);
  const end = next === undefined ? lines.length : next.line - 1;
  let start = table.line - 1;
  // Comments directly above the header belong to it.
  while (start > 0 && /^\s*#/.test(lines[start - 1] as string)) start--;
  lines.splice(start, end - start);
  return lines.join('\n').replace(/\n{3,}/g, '\n\n');
}

function findTable(tables: readonly OverrideTable[], path: readonly string[]): OverrideTable | undefined {
  return tables.find((t) => t.path.length === path.length && t.path.every((p, i) => p === path[i]));
}

/** The `# comment` after a one-line value, outside strings. */
function trailingComment(rest: string): string {
  let quote: string | null = null;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (quote !== null) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return rest.slice(i);
  }
  return '';
}
