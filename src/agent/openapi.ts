/** The agent's OpenAPI 3.1 document, as `npm run openapi` writes it to docs/openapi.json. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { OPENAPI_INFO } from './app.ts';

/** The document as committed: two-space indent, final newline. */
export function openApiText(app: Pick<OpenAPIHono, 'getOpenAPI31Document'>): string {
  return `${JSON.stringify(app.getOpenAPI31Document(OPENAPI_INFO), null, 2)}\n`;
}
