import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { testAgent } from './_test-agent.ts';
import { openApiText } from './openapi.ts';

test('docs/openapi.json matches the routes (run "npm run openapi" after changing them)', async () => {
  const agent = await testAgent('lab');
  try {
    const committed = readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8');
    const generated = openApiText(agent.unix);
    assert.equal(committed, generated);
    const doc = JSON.parse(generated) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(doc.openapi, '3.1.0');
    for (const path of ['/v1/gpus', '/v1/vgpus', '/v1/events', '/v1/gpus/{address}/bind'])
      assert.ok(path in doc.paths, path);
  } finally {
    await agent.close();
  }
});
