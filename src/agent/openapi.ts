/** The agent's OpenAPI 3.1 document, as `npm run openapi` writes it to docs/openapi.json. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { OPENAPI_INFO } from './app.ts';

export function openApiDocument(app: OpenAPIHono<never> | OpenAPIHono<{ Variables: never }>): unknown {
  return (app as OpenAPIHono).getOpenAPI31Document(OPENAPI_INFO);
}

/** The document as committed: stable key order, two-space indent, final newline. */
export function openApiText(app: Parameters<typeof openApiDocument>[0]): string {
  return `${JSON.stringify(openApiDocument(app), null, 2)}\n`;
}
