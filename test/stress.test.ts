/**
 * The short version of `npm run stress` (scripts/stress.ts): kill -9 during define and during
 * an emulated create, 8 processes changing one host at once, and a FUSE soak with clients
 * killed mid-read. Prints the figures; fails on any torn definition, corrupt state, double
 * allocation, lost definition, unclear failure, leaked handle or growing heap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QUICK, runStress } from '../scripts/stress.ts';

test('crashes, concurrency and a FUSE soak (short)', { timeout: 15 * 60_000 }, async () => {
  const problems = await runStress(QUICK, (line) => console.log(`# ${line}`));
  assert.deepEqual(problems, []);
});
