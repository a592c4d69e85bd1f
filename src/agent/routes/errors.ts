/** The error responses every route documents. */
import { ApiError } from '../api-schemas.ts';

const error = (description: string) => ({ description, content: { 'application/json': { schema: ApiError } } });

export const READ_ERRORS = {
  400: error('Invalid request: malformed or unknown parameters'),
  401: error('No valid token (TCP only)'),
  404: error('No such GPU, vGPU, group or type'),
  502: error('The host refused a read'),
} as const;

export const WRITE_ERRORS = {
  ...READ_ERRORS,
  403: error('The token may only read, or the dashboard request lacks its CSRF token'),
  409: error('The host is not in a state that allows it (busy, capacity exhausted, group shared)'),
  413: error('The request body is too large'),
  422: error('The host cannot do it (IOMMU off, mode unavailable)'),
} as const;

export const json = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
