import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmulatedKernel } from '../kernel.ts';
import { resolveScenario } from '../scenario/load.ts';
import type { Node } from './nodes.ts';
import { Kernfs } from './tree.ts';

function* walk(node: Node): Generator<Node> {
  yield node;
  if (node.kind === 'dir') for (const child of node.children.values()) yield* walk(child);
}

test('no node of a booted scale host is stamped later than the clock', () => {
  const kernel = EmulatedKernel.boot(resolveScenario({ name: 'big:gpus=32,instances=512' }));
  const now = Date.now();
  let nodes = 0;
  for (const node of walk(kernel.tree.root)) {
    nodes++;
    assert.ok(node.mtimeMs <= now, `${kernel.tree.pathOf(node)}: ${node.mtimeMs - now} ms ahead`);
  }
  assert.ok(nodes > 10_000, `a scale host has many nodes (${nodes})`);
});

test('a change stamps the node with the current time, never earlier than its previous one', () => {
  const tree = new Kernfs();
  const file = tree.file('/etc/a', 'x');
  const first = file.mtimeMs;
  const lower = Date.now();
  tree.touch(file);
  assert.ok(file.mtimeMs >= first && file.mtimeMs >= lower && file.mtimeMs <= Date.now());
});
