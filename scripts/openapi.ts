/** Writes docs/openapi.json from the agent's routes (`npm run openapi`); a test fails when it drifts. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { testAgent } from '../src/agent/_test-agent.ts';
import { openApiText } from '../src/agent/openapi.ts';

const target = resolve(import.meta.dirname, '..', 'docs', 'openapi.json');
const agent = await testAgent('lab');
writeFileSync(target, openApiText(agent.unix));
await agent.close();
process.stdout.write(`wrote ${target}\n`);
