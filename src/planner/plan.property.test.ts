/**
 * Property tests of the planner (fast-check, fixed seed; a failure prints the seed and the
 * shrunk case; VGPUCTL_FC_SEED replays another seed).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { profileByName } from '../catalog/index.ts';
import { type Unit, unitsOf, violations } from './_test-check.ts';
import { gpu, plainGpu } from './_test-gpus.ts';
import { firstFitPlaced } from './first-fit.ts';
import type { PlannerGpu } from './gpu-model.ts';
import { lpBound } from './lp-bound.ts';
import { planPlacement } from './plan.ts';
import { resolveWants, type Want } from './want.ts';

const SEED = Number(process.env.VGPUCTL_FC_SEED ?? 20261202);

// Profiles with few instances per GPU, so that small cases are tight.
const PROFILES: Record<string, string[]> = {
  T4: ['T4-4Q', 'T4-8Q', 'T4-16Q', 'T4-4C'],
  L40S: ['L40S-12Q', 'L40S-16Q', 'L40S-24Q', 'L40S-12A'],
  A100: ['A100-1-5C', 'A100-2-10C', 'A100-3-20C', 'A100-4-20C', 'A100-1-5CME', 'A100-20C'],
};

const arbGpu = (index: number): fc.Arbitrary<PlannerGpu> =>
  fc.oneof(
    fc
      .record({
        board: fc.constantFrom('T4', 'L40S', 'A100'),
        liveProfile: fc.nat(5),
        liveCount: fc.nat(2),
        vfs: fc.nat(4),
        mixedSize: fc.boolean(),
        numa: fc.nat(1),
      })
      .map(({ board, liveProfile, liveCount, vfs, mixedSize, numa }) => {
        const names = PROFILES[board] as string[];
        const name = names[liveProfile % names.length] as string;
        const max = profileByName(name)?.maxInstances ?? 1;
        const live = Array.from({ length: Math.min(liveCount, max) }, () => name);
        return gpu(board, {
          address: `0000:${(index + 1).toString(16).padStart(2, '0')}:00.0`,
          live,
          vfs: board === 'T4' ? 0 : vfs,
          totalVfs: board === 'L40S' ? 32 : 20,
          mixedSize: board === 'L40S' && mixedSize,
          numaNode: numa,
        });
      }),
    fc.constant(plainGpu(`0000:${(index + 1).toString(16).padStart(2, '0')}:00.0`)),
  );

const arbGpus = (max: number) =>
  fc.integer({ min: 1, max }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbGpu(i))));

const arbWants = (maxCount: number): fc.Arbitrary<Want[]> =>
  fc
    .uniqueArray(fc.constantFrom(...Object.values(PROFILES).flat(), 'passthrough'), { minLength: 1, maxLength: 3 })
    .chain((profiles) =>
      fc.tuple(
        ...profiles.map((profile) =>
          fc.record({
            profile: fc.constant(profile),
            count: fc.integer({ min: 1, max: profile === 'passthrough' ? 2 : maxCount }),
            numaNode: fc.option(fc.nat(1), { nil: null }),
          }),
        ),
      ),
    );

/** Whether every unit can be placed: depth-first over GPUs, pruning on the first broken rule. */
function exhaustiveFits(gpus: readonly PlannerGpu[], profiles: readonly string[]): boolean {
  const units: Unit[] = [];
  const go = (k: number): boolean => {
    if (k === profiles.length) return true;
    for (const g of gpus) {
      units.push({ gpu: g.address, host: g.host, profile: profiles[k] as string });
      if (violations(gpus, units).length === 0 && go(k + 1)) return true;
      units.pop();
    }
    return false;
  };
  return go(0);
}

const run = (property: fc.IPropertyWithHooks<unknown> | fc.IProperty<unknown>, numRuns: number) => {
  const details = fc.check(property, { seed: SEED, numRuns });
  if (details.failed) {
    assert.fail(
      `property failed (seed ${SEED}, replay with VGPUCTL_FC_SEED=${SEED}): ${fc.defaultReportMessage(details)}`,
    );
  }
};

describe('planner properties', () => {
  test('a plan never breaks a rule nor exceeds capacity, and counts what it placed', () => {
    run(
      fc.property(arbGpus(6), arbWants(40), (gpus, wants) => {
        const resolved = resolveWants(wants);
        const result = planPlacement(gpus, resolved);
        const { units, problems } = unitsOf(gpus, result.placements);
        assert.deepEqual([...problems, ...violations(gpus, units)], []);
        for (const want of resolved) {
          const placed = units.filter((u) => u.profile === want.profile).length;
          assert.ok(placed <= want.count, `${want.profile}: ${placed} > ${want.count}`);
        }
        assert.equal(result.placed, units.length);
        assert.equal(result.fits, result.placed === result.requested);
        assert.equal(
          result.unplaced.reduce((n, u) => n + u.count, 0),
          result.requested - result.placed,
        );
        // The LP relaxation bounds every plan: the planner's and first fit's.
        const bound = lpBound(gpus, resolved);
        assert.ok(result.placed <= bound, `placed ${result.placed} > LP bound ${bound}`);
        assert.ok(firstFitPlaced(gpus, resolved) <= bound, 'first fit beats the LP bound');
      }),
      300,
    );
  });

  test('when the planner says "does not fit", an exhaustive search agrees on small cases', () => {
    run(
      fc.property(arbGpus(3), arbWants(3), (gpus, wants) => {
        const resolved = resolveWants(wants);
        fc.pre(resolved.reduce((n, w) => n + w.count, 0) <= 7);
        const result = planPlacement(gpus, resolved);
        if (result.fits) return;
        const profiles = resolved.flatMap((w) => Array.from({ length: w.count }, () => w.profile));
        assert.equal(exhaustiveFits(gpus, profiles), false, 'an exhaustive search fits everything');
      }),
      200,
    );
  });
});
