/** What every command returns: the data (`--json` prints it) and its text rendering. */
export interface CommandResult<T = unknown> {
  data: T;
  text: string;
  exitCode?: number;
  /** Things to know that are not the result (printed on stderr; in --json, part of `data`). */
  notes?: string[];
}
