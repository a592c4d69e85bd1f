import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventHistory } from './event-history.ts';

const at = new Date(0);

describe('EventHistory', () => {
  test('numbers events from 1 and resumes after an id', () => {
    const history = new EventHistory(10);
    for (const gpu of ['a', 'b', 'c']) history.push({ type: 'gpu.hidden', gpu }, at);
    assert.equal(history.lastId, 3);
    const { events, complete } = history.since(1);
    assert.equal(complete, true);
    assert.deepEqual(
      events.map((e) => [e.id, e.event.gpu]),
      [
        [2, 'b'],
        [3, 'c'],
      ],
    );
  });

  test('drops the oldest beyond its capacity and says a resume is incomplete', () => {
    const history = new EventHistory(2);
    for (const gpu of ['a', 'b', 'c', 'd']) history.push({ type: 'gpu.hidden', gpu }, at);
    assert.deepEqual(history.since(2), { events: history.since(2).events, complete: true });
    assert.equal(history.since(2).events.length, 2);
    assert.equal(history.since(1).complete, false);
    assert.equal(history.since(0).complete, false);
  });

  test('an id from the future (an earlier agent) is incomplete', () => {
    const history = new EventHistory(2);
    history.push({ type: 'gpu.hidden', gpu: 'a' }, at);
    assert.deepEqual(history.since(7), { events: [], complete: false });
  });

  test('an empty history resumes from 0 completely', () => {
    assert.deepEqual(new EventHistory(2).since(0), { events: [], complete: true });
  });
});
