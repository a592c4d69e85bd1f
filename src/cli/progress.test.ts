import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autostartProgress, progressWanted } from './progress.ts';

const waiting = [{ id: '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001', reason: 'mdev parent 0000:3b:00.0 is not registered' }];

test('start --all-auto progress says nothing in the first second, then what it waits for', () => {
  assert.equal(autostartProgress({ elapsedMs: 750, waitSeconds: 120, waiting }), undefined);
  assert.equal(
    autostartProgress({ elapsedMs: 1750, waitSeconds: 120, waiting }),
    'waiting 1 s of 120 s for 1 vGPU: 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001 (mdev parent 0000:3b:00.0 is not registered)',
  );
  const many = Array.from({ length: 5 }, (_, i) => ({ id: `id-${i}`, reason: 'r' }));
  assert.match(autostartProgress({ elapsedMs: 5000, waitSeconds: 9, waiting: many }) ?? '', /5 vGPUs: .*, and 2 more$/);
});

test('progress goes to a terminal always, elsewhere only without --json (stderr then holds only JSON)', () => {
  assert.equal(progressWanted(true, true), true);
  assert.equal(progressWanted(false, false), true);
  assert.equal(progressWanted(false, true), false);
});
