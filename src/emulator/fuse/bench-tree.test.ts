import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT } from '../kernfs/nodes.ts';
import { readNode } from '../kernfs/tree.ts';
import { BENCH_SHAPE, benchPaths, benchValue, buildBenchTree } from './bench-tree.ts';

describe('bench tree', () => {
  it('holds 10,000 attribute files by default', () => {
    assert.equal(benchPaths().length, 10_000);
    assert.equal(BENCH_SHAPE.dirs * BENCH_SHAPE.filesPerDir, 10_000);
  });

  it('builds read-only sysfs attributes that show their value', () => {
    const tree = buildBenchTree({ dirs: 2, filesPerDir: 3 });
    const node = tree.lookup('/sys/devices/dev1/attr2');
    assert.equal(node.kind, 'attr');
    assert.equal(node.mode, 0o444);
    assert.equal(readNode(node, ROOT_CONTEXT).toString(), benchValue('sys/devices/dev1/attr2'));
    assert.equal(tree.dir('/sys/devices').children.size, 2);
  });
});
