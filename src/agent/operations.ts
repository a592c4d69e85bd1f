/**
 * The agent's mutations: the CLI's use cases, run one at a time (the agent is the host's one
 * writer), each returning the plan it executed. vGPU operations return their plan from ops/;
 * bind, unbind and sriov are planned first (a dry run) and then executed under the same lock,
 * so the returned plan is the one that ran. After a change the model is refreshed before the
 * reply, so a client that reads after a mutation sees it.
 */
import { randomUUID } from 'node:crypto';
import { bindCommand, unbindCommand } from '../cli/commands/bind.ts';
import { sriovCommand } from '../cli/commands/sriov.ts';
import type { CommandContext } from '../cli/context.ts';
import { isVgpuctlError } from '../core/errors.ts';
import type { PciIds } from '../core/pci-ids.ts';
import { type Plan, renderPlanAsShell } from '../core/plan.ts';
import { discover } from '../discovery/discover.ts';
import type { HostPort } from '../host/host-port.ts';
import type { HostModel } from '../model/host-model.ts';
import { type Applied, VGPU_DISCOVERY, type VgpuDeps } from '../ops/vgpu/apply.ts';
import {
  createVgpus,
  defineRunningVgpus,
  defineVgpus,
  removeVgpus,
  startVgpus,
  undefineVgpus,
} from '../ops/vgpu/lifecycle.ts';
import type { AuditLog } from './audit-log.ts';
import type { AgentMetrics } from './metrics.ts';

export interface OperationResult {
  dryRun: boolean;
  plan: Plan;
  shell: string;
  result: unknown;
}

export interface OperationsDeps {
  host: HostPort;
  pciIds: PciIds;
  /** The live model, refreshed after each change (absent for one-shot use). */
  model?: Pick<HostModel, 'refresh'>;
  audit: AuditLog;
  metrics?: Pick<AgentMetrics, 'operations' | 'operationSeconds'>;
  env: NodeJS.ProcessEnv;
  newUuid?: () => string;
}

export class Operations {
  private readonly deps: OperationsDeps;
  private tail: Promise<unknown> = Promise.resolve();
  private inFlight = 0;

  constructor(deps: OperationsDeps) {
    this.deps = deps;
  }

  /** Resolves when every accepted operation has finished (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight > 0) await this.tail.catch(() => {});
  }

  createVgpus(who: string, body: { type: string; gpu?: string; count?: number; uuids?: string[]; dryRun?: boolean }) {
    const { dryRun = false, ...request } = body;
    return this.run('create', who, body, dryRun, (deps) => createVgpus(deps, request, this.newUuid()));
  }

  removeVgpu(who: string, id: string, verb: 'remove' | 'stop', dryRun: boolean) {
    return this.run(verb, who, { id }, dryRun, (deps) => removeVgpus(deps, [id], verb));
  }

  startVgpu(who: string, id: string, body: { gpu?: string; dryRun?: boolean }) {
    return this.run('start', who, { id, ...body }, body.dryRun ?? false, (deps) =>
      startVgpus(deps, { ids: [id], gpu: body.gpu }),
    );
  }

  defineVgpus(
    who: string,
    body: {
      type?: string;
      ids?: string[];
      gpu?: string;
      count?: number;
      uuids?: string[];
      start?: 'auto' | 'manual';
      startNow?: boolean;
      dryRun?: boolean;
    },
  ) {
    const { dryRun = false, type, ids = [], ...rest } = body;
    return this.run('define', who, body, dryRun, (deps) =>
      type === undefined
        ? defineRunningVgpus(deps, { ids, ...(rest.start === undefined ? {} : { start: rest.start }) })
        : defineVgpus(deps, { ...rest, type }, this.newUuid()),
    );
  }

  undefineVgpu(who: string, id: string, gpu: string | undefined, dryRun: boolean) {
    return this.run('undefine', who, { id, gpu }, dryRun, (deps) => undefineVgpus(deps, { ids: [id], gpu }));
  }

  bind(who: string, address: string, body: { driver?: string; force?: boolean; persist?: boolean; dryRun?: boolean }) {
    const { dryRun = false, ...options } = body;
    return this.runPlanned('bind', who, { address, ...body }, dryRun, (context) =>
      bindCommand(context, address, options),
    );
  }

  unbind(who: string, address: string, dryRun: boolean) {
    return this.runPlanned('unbind', who, { address }, dryRun, (context) => unbindCommand(context, address));
  }

  sriov(who: string, address: string, body: { numVfs: number; autoprobe?: boolean; dryRun?: boolean }) {
    return this.runPlanned('sriov', who, { address, ...body }, body.dryRun ?? false, (context) =>
      sriovCommand(context, address, {
        vfs: String(body.numVfs),
        ...(body.autoprobe === undefined ? {} : { autoprobe: body.autoprobe }),
      }),
    );
  }

  private newUuid(): () => string {
    return this.deps.newUuid ?? randomUUID;
  }

  private vgpuDeps(dryRun: boolean): VgpuDeps {
    const { host, pciIds } = this.deps;
    return {
      host,
      discover: () => discover(host, { pciIds, ...VGPU_DISCOVERY }),
      // The agent is the only writer of this host while it runs; the lock also keeps out a
      // CLI that writes directly.
      lock: { pid: process.pid, isAlive: processAlive },
      dryRun,
    };
  }

  private context(dryRun: boolean): CommandContext {
    const { host, pciIds, env } = this.deps;
    return { host, pciIds, emulator: undefined, env, dryRun };
  }

  private run<T>(
    operation: string,
    who: string,
    request: unknown,
    dryRun: boolean,
    apply: (deps: VgpuDeps) => Promise<Applied<T>>,
  ): Promise<OperationResult> {
    return this.serialize(operation, who, request, dryRun, async () => {
      const applied = await apply(this.vgpuDeps(dryRun));
      return { plan: applied.plan, result: applied.result };
    });
  }

  /** Runs a CLI use case that returns its plan only when dry: plan first, then execute. */
  private runPlanned(
    operation: string,
    who: string,
    request: unknown,
    dryRun: boolean,
    use: (context: CommandContext) => Promise<{ data: unknown }>,
  ): Promise<OperationResult> {
    return this.serialize(operation, who, request, dryRun, async () => {
      const planned = (await use(this.context(true))).data as { plan?: Plan };
      const plan = planned.plan ?? { action: operation, steps: [] };
      if (dryRun) return { plan, result: null };
      return { plan, result: (await use(this.context(false))).data };
    });
  }

  private serialize(
    operation: string,
    who: string,
    request: unknown,
    dryRun: boolean,
    body: () => Promise<{ plan: Plan; result: unknown }>,
  ): Promise<OperationResult> {
    this.inFlight++;
    const run = async (): Promise<OperationResult> => {
      const started = performance.now();
      const { audit, metrics, model } = this.deps;
      try {
        const { plan, result } = await body();
        if (!dryRun && plan.steps.length > 0) await model?.refresh();
        const durationMs = performance.now() - started;
        const outcome = dryRun ? 'planned' : 'executed';
        metrics?.operations.inc({ operation, outcome });
        metrics?.operationSeconds.observe({ operation }, durationMs / 1000);
        audit.record({ who, operation, request, dryRun, outcome, plan, durationMs });
        return { dryRun, plan, shell: renderPlanAsShell(plan), result };
      } catch (error) {
        const durationMs = performance.now() - started;
        metrics?.operations.inc({ operation, outcome: 'failed' });
        audit.record({
          who,
          operation,
          request,
          dryRun,
          outcome: 'failed',
          durationMs,
          error: isVgpuctlError(error)
            ? { code: error.code, message: error.message }
            : { code: 'INTERNAL', message: String(error) },
        });
        // A failed step may have left (rolled-back) traces the model should see.
        if (!dryRun) await model?.refresh();
        throw error;
      } finally {
        this.inFlight--;
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => {});
    return result;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
