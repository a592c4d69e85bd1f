/** What every command returns: the data (`--json` prints it) and its text rendering. */
export interface CommandResult<T = unknown> {
  data: T;
  text: string;
  exitCode?: number;
}
