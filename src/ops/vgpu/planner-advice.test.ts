import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VgpuctlError } from '../../core/errors.ts';
import { discover } from '../../discovery/discover.ts';
import { emulated } from './_test-hosts.ts';
import { placeVgpus } from './placement.ts';

describe("create refusals carry the planner's rule and smallest change", () => {
  test('a size conflict names one-size-per-gpu and the idle vGPUs to remove', async () => {
    const inventory = await discover(emulated('big:gpus=2,instances=3').host, { deviceUsers: true });
    const error = (() => {
      try {
        placeVgpus(inventory, { type: 'T4-2Q', count: 1, verb: 'create' });
      } catch (e) {
        return e as VgpuctlError;
      }
      return assert.fail('expected a refusal');
    })();
    assert.equal(error.code, 'VGPU_SIZE_CONFLICT');
    assert.deepEqual(error.details?.rules, ['one-size-per-gpu']);
    assert.match(
      error.hint ?? '',
      /or remove the 1 idle vGPU of 0000:04:00\.0 \("vgpuctl remove 00000001-0000-4000-8000-000000000000"\)$/,
    );
  });

  test('running out of instances names max-instances', async () => {
    const inventory = await discover(emulated('lab').host, { deviceUsers: true });
    assert.throws(
      () => placeVgpus(inventory, { type: 'T4-1B', count: 17, verb: 'create' }),
      (e: VgpuctlError) =>
        e.code === 'VGPU_CAPACITY_EXHAUSTED' && (e.details?.rules as string[] | undefined)?.[0] === 'max-instances',
    );
  });
});
