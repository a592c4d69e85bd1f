/** TOML reading for scenario and configuration files; the only importer of smol-toml. */
import { parse, TomlError } from 'smol-toml';

/** A TOML syntax error with its position (1-based line and column). */
export class TomlSyntaxError extends SyntaxError {
  override readonly name = 'TomlSyntaxError';
  readonly line: number;
  readonly column: number;
  constructor(message: string, line: number, column: number) {
    super(message);
    this.line = line;
    this.column = column;
  }
}

/** Parses TOML 1.0 text into plain objects; throws {@link TomlSyntaxError} on bad input. */
export function parseToml(text: string): Record<string, unknown> {
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof TomlError) {
      // smol-toml's message repeats the source line and a caret; keep only the first line.
      const first = error.message.split('\n')[0] ?? error.message;
      throw new TomlSyntaxError(first.replace(/^Invalid TOML document: /, ''), error.line, error.column);
    }
    throw error;
  }
}
