import type { VgpuctlError } from '../../core/errors.ts';

/** `error: <message>` and, when there is one, `hint: <hint>` — no stack trace. */
export function renderError(error: VgpuctlError): string {
  return `error: ${error.message}${error.hint === undefined ? '' : `\nhint: ${error.hint}`}`;
}
