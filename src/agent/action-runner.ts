/** Runs the desired state's actions through the agent's operations (one writer, audited). */
import type { ActionRunner } from '../ops/desired/apply-desired.ts';
import type { Operations } from './operations.ts';

export function operationsRunner(operations: Operations, who: string): ActionRunner {
  return {
    async run(action, dryRun) {
      switch (action.kind) {
        case 'sriov':
          return {
            plan: (await operations.sriov(who, action.gpu, { numVfs: action.numVfs, dryRun })).plan,
            created: [],
          };
        case 'bind':
          return { plan: (await operations.bind(who, action.gpu, { dryRun })).plan, created: [] };
        case 'unbind':
          return { plan: (await operations.unbind(who, action.gpu, dryRun)).plan, created: [] };
        case 'remove':
          return { plan: (await operations.removeVgpu(who, action.id, 'remove', dryRun)).plan, created: [] };
        case 'create': {
          const done = await operations.createVgpus(who, {
            type: action.type,
            gpu: action.gpu,
            count: action.count,
            ...(action.uuids === undefined ? {} : { uuids: action.uuids }),
            dryRun,
          });
          const created = dryRun
            ? []
            : (done.result as ({ kind: 'mdev'; uuid: string } | { kind: 'vendor-vfio'; vf: string })[]).map((c) =>
                c.kind === 'mdev' ? c.uuid : c.vf,
              );
          return { plan: done.plan, created };
        }
      }
    },
  };
}
