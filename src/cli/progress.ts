/**
 * Progress of long waits, on stderr only (stdout holds the result). Shown once a wait has
 * lasted a second; on a terminal always, otherwise only without --json, so that a script's
 * stderr with --json holds nothing but the JSON error while a boot log (systemd's journal)
 * still says what `start --all-auto --wait` waits for.
 */
import type { AutostartWait } from '../ops/vgpu/autostart.ts';

/** Waits shorter than this say nothing. */
const PROGRESS_AFTER_MS = 1000;

/** Whether progress lines are wanted on stderr. */
export function progressWanted(stderrIsTty: boolean, json: boolean): boolean {
  return stderrIsTty || !json;
}

/** The progress line of `start --all-auto --wait`, or undefined while the wait is short. */
export function autostartProgress(wait: AutostartWait): string | undefined {
  if (wait.elapsedMs < PROGRESS_AFTER_MS || wait.waiting.length === 0) return undefined;
  const shown = wait.waiting.slice(0, 3).map((w) => `${w.id} (${w.reason})`);
  const more = wait.waiting.length > shown.length ? `, and ${wait.waiting.length - shown.length} more` : '';
  const count = `${wait.waiting.length} vGPU${wait.waiting.length === 1 ? '' : 's'}`;
  return `waiting ${Math.floor(wait.elapsedMs / 1000)} s of ${wait.waitSeconds} s for ${count}: ${shown.join('; ')}${more}`;
}
