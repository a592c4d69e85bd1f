/**
 * Errors as data over HTTP: the stable code, message and hint the CLI prints, with the HTTP
 * status of the error's class (the class also decides the CLI's exit status).
 */
import { ERROR_CLASS, isVgpuctlError, VgpuctlError } from '../core/errors.ts';
import { isHostError } from '../host/host-port.ts';

/** Codes only the agent returns: HTTP's own refusals. */
export type AgentErrorCode = 'UNAUTHORIZED' | 'FORBIDDEN' | 'PAYLOAD_TOO_LARGE' | 'CSRF_REJECTED';

const STATUS_OF_CLASS = {
  usage: 400,
  notFound: 404,
  conflict: 409,
  unsupported: 422,
  host: 502,
  internal: 500,
} as const;

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 500 | 502;

export interface ErrorBody {
  error: { code: string; message: string; hint?: string; details?: Record<string, unknown> };
}

/** The status and body of any error a handler throws. */
export function errorResponse(error: unknown): { status: ErrorStatus; body: ErrorBody } {
  const known = asVgpuctlError(error);
  return { status: STATUS_OF_CLASS[ERROR_CLASS[known.code]], body: { error: known.toJSON() } };
}

/** An agent-only refusal. */
export function agentError(
  status: ErrorStatus,
  code: AgentErrorCode | 'INVALID_ARGUMENT',
  message: string,
  hint: string,
): { status: ErrorStatus; body: ErrorBody } {
  return { status, body: { error: { code, message, hint } } };
}

function asVgpuctlError(error: unknown): VgpuctlError {
  if (isVgpuctlError(error)) return error;
  if (isHostError(error)) {
    return new VgpuctlError('HOST_IO', `Cannot ${error.op} "${error.path}": ${error.message}`, {
      hint: 'Check that the path exists and that the agent runs with enough privileges',
    });
  }
  return new VgpuctlError('INTERNAL', `Cannot complete the request: ${(error as Error)?.message ?? String(error)}`, {
    hint: 'This is a bug in vgpuctl; the agent log has the details',
  });
}
