import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmulatedKernel } from './kernel.ts';
import { ROOT_CONTEXT } from './kernfs/nodes.ts';
import { resolveScenario } from './scenario/load.ts';

test('DMI names the emulated host, root-only UUID; NUMA nodes cover the GPUs', () => {
  const kernel = EmulatedKernel.boot(resolveScenario({ name: 'lab' }));
  assert.equal(kernel.read('/sys/class/dmi/id/product_name').toString(), 'Emulated GPU host (lab)\n');
  assert.throws(() => kernel.read('/sys/class/dmi/id/product_uuid', { ...ROOT_CONTEXT, uid: 1000 }), {
    errno: 'EACCES',
  });
  // lab places GPUs on buses below and above 0x80: two nodes.
  assert.equal(kernel.read('/sys/devices/system/node/online').toString(), '0-1\n');
  assert.equal(kernel.tree.dir('/sys/devices/system/node/node1').kind, 'dir');
});
