import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AddressAllocator, barFlags, formatResourceFile } from './resource.ts';

describe('resource file', () => {
  test('flags match the kernel for 32-bit, 64-bit prefetchable and I/O BARs', () => {
    assert.equal(barFlags({ kind: 'mem32', prefetchable: false }), 0x40200);
    assert.equal(barFlags({ kind: 'mem64', prefetchable: true }), 0x14220c);
    assert.equal(barFlags({ kind: 'io', prefetchable: false }), 0x40101);
  });

  test('an endpoint has 13 lines and a bridge 17; empty slots are three zero fields', () => {
    const resources = new Map([[0, { start: 0x9400_0000n, end: 0x94ff_ffffn, flags: 0x40200 }]]);
    const endpoint = formatResourceFile(resources, false).split('\n').slice(0, -1);
    assert.equal(endpoint.length, 13);
    assert.equal(endpoint[0], '0x0000000094000000 0x0000000094ffffff 0x0000000000040200');
    assert.equal(endpoint[1], '0x0000000000000000 0x0000000000000000 0x0000000000000000');
    assert.equal(formatResourceFile(resources, true).split('\n').length - 1, 17);
  });

  test('the allocator aligns each region to its size and keeps prefetchable memory high', () => {
    const allocator = new AddressAllocator();
    const small = allocator.allocate('mem32', false, 16 * 1024);
    const big = allocator.allocate('mem32', false, 16 << 20);
    assert.equal(big % BigInt(16 << 20), 0n);
    assert.ok(big > small);
    const pref = allocator.allocate('mem64', true, 2 ** 36);
    assert.ok(pref >= 2n ** 32n);
    assert.equal(pref % 2n ** 36n, 0n);
  });
});
