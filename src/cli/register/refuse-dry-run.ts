import { VgpuctlError } from '../../core/errors.ts';
import type { GlobalOptions } from '../context.ts';

/**
 * Commands that have no plan to show (`emulate mount`, `emulate run`, `serve`): what they change
 * is up to their clients, so --dry-run is refused rather than ignored.
 */
export function refuseDryRun(globals: GlobalOptions, action: string, usage: string): void {
  if (globals.dryRun === true) {
    throw new VgpuctlError('USAGE', `Cannot ${action} with --dry-run: it has no plan to show`, {
      hint: `Run it without --dry-run: ${usage}`,
    });
  }
}
