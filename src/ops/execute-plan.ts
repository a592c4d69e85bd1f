import { VgpuctlError } from '../core/errors.ts';
import type { Plan, Step } from '../core/plan.ts';
import { STRERROR } from '../host/errno.ts';
import type { HostPort } from '../host/host-port.ts';
import { isHostError } from '../host/host-port.ts';

/** What happened to each step. */
interface StepOutcome {
  step: Step;
  status: 'done' | 'failed' | 'rolled-back' | 'rollback-failed' | 'skipped';
  error?: string;
}

/** The record of an executed plan. */
export interface ExecutionReport {
  action: string;
  ok: boolean;
  outcomes: StepOutcome[];
}

/** Options for {@link executePlan}. */
export interface ExecuteOptions {
  /** Clock for waitFor polling; injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs a plan's steps in order against the host. When a step fails, runs the undo steps of
 * every step that succeeded, newest first, and throws a SYSFS_WRITE_FAILED error naming the
 * failed step, the kernel's answer, and whether the rollback left the host as it was.
 */
export async function executePlan(host: HostPort, plan: Plan, options: ExecuteOptions = {}): Promise<ExecutionReport> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const outcomes: StepOutcome[] = [];
  const undoStack: Step[][] = [];

  for (const [index, step] of plan.steps.entries()) {
    try {
      undoStack.push(await runStep(host, step, sleep));
      outcomes.push({ step, status: 'done' });
    } catch (error) {
      const reason = describeFailure(error);
      outcomes.push({ step, status: 'failed', error: reason });
      for (const skipped of plan.steps.slice(index + 1)) outcomes.push({ step: skipped, status: 'skipped' });
      const rollbackErrors = await rollBack(host, undoStack, outcomes, sleep);
      const rolled =
        rollbackErrors.length === 0
          ? 'every earlier change was undone'
          : `rollback incomplete: ${rollbackErrors.join('; ')}`;
      throw new VgpuctlError(
        'SYSFS_WRITE_FAILED',
        `Cannot ${plan.action}: ${describeStep(step)} failed with ${reason}; ${rolled}`,
        {
          hint: hintFor(error),
          details: { report: { action: plan.action, ok: false, outcomes } },
          cause: error,
        },
      );
    }
  }
  return { action: plan.action, ok: true, outcomes };
}

/** Runs one step; returns the steps that undo it. */
async function runStep(host: HostPort, step: Step, sleep: (ms: number) => Promise<void>): Promise<Step[]> {
  switch (step.kind) {
    case 'write':
      try {
        await host.write(step.path, step.value);
      } catch (error) {
        if (isHostError(error) && (step.alreadyDone ?? []).includes(error.errno)) return [];
        throw error;
      }
      return step.undo ?? [];
    case 'writeFile': {
      const previous = await host.readText(step.path).catch((error: unknown) => {
        if (isHostError(error, 'ENOENT')) return undefined;
        throw error;
      });
      await host.writeFile(step.path, step.content, step.mode === undefined ? {} : { mode: step.mode });
      return previous === undefined
        ? [{ kind: 'removeFile', path: step.path, why: `undo: remove ${step.path}` }]
        : [{ kind: 'writeFile', path: step.path, content: previous, why: `undo: restore ${step.path}` }];
    }
    case 'removeFile': {
      const kind = await host.stat(step.path).then(
        (st) => st.kind,
        (error: unknown) => {
          if (isHostError(error, 'ENOENT')) return undefined;
          throw error;
        },
      );
      if (kind === undefined) return [];
      if (kind === 'dir') {
        // The undo of a mkdir step: only an empty directory is removed (rmdir semantics).
        await host.remove(step.path);
        return [{ kind: 'mkdir', path: step.path, why: `undo: recreate ${step.path}` }];
      }
      const previous = await host.readText(step.path);
      await host.remove(step.path);
      return [{ kind: 'writeFile', path: step.path, content: previous, why: `undo: restore ${step.path}` }];
    }
    case 'mkdir': {
      // One directory at a time, so that the undo removes exactly those this step created
      // (/etc/mdevctl.d too, when it made it), also when it fails half-way.
      const missing: string[] = [];
      for (
        let dir = step.path;
        dir !== '/' && !(await host.exists(dir));
        dir = dir.slice(0, dir.lastIndexOf('/')) || '/'
      )
        missing.unshift(dir);
      const created: Step[] = [];
      try {
        for (const dir of missing) {
          await host.mkdir(dir);
          created.unshift({ kind: 'removeFile', path: dir, why: `undo: remove ${dir}` });
        }
      } catch (error) {
        for (const undo of created) {
          await runStep(host, undo, sleep).catch((undoError: unknown) => {
            throw new Error(
              `${describeFailure(error)}, and ${describeStep(undo)} it had created failed with ${describeFailure(undoError)}: ${undo.path} is left`,
            );
          });
        }
        throw error;
      }
      return created;
    }
    case 'waitFor': {
      const deadline = Date.now() + step.timeoutMs;
      for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
        if ((await host.exists(step.path)) !== (step.gone ?? false)) return [];
        if (Date.now() >= deadline) {
          throw new VgpuctlError(
            'SYSFS_WRITE_FAILED',
            `Cannot wait for "${step.path}": still ${step.gone ? 'present' : 'absent'} after ${step.timeoutMs} ms`,
          );
        }
        await sleep(delay);
      }
    }
  }
}

async function rollBack(
  host: HostPort,
  undoStack: Step[][],
  outcomes: StepOutcome[],
  sleep: (ms: number) => Promise<void>,
): Promise<string[]> {
  const errors: string[] = [];
  for (let i = undoStack.length - 1; i >= 0; i--) {
    const outcome = outcomes[i] as StepOutcome;
    let failed = false;
    for (const undo of undoStack[i] ?? []) {
      try {
        await runStep(host, undo, sleep);
      } catch (error) {
        failed = true;
        errors.push(`${describeStep(undo)}: ${describeFailure(error)}`);
      }
    }
    outcome.status = failed ? 'rollback-failed' : 'rolled-back';
  }
  return errors;
}

/** "writing \"83b8…\" to …/create" and the like, for messages. */
function describeStep(step: Step): string {
  switch (step.kind) {
    case 'write':
      return `writing "${step.value}" to ${step.path}`;
    case 'writeFile':
      return `writing ${step.path}`;
    case 'removeFile':
      return `removing ${step.path}`;
    case 'mkdir':
      return `creating ${step.path}`;
    case 'waitFor':
      return `waiting for ${step.path}`;
  }
}

function describeFailure(error: unknown): string {
  if (isHostError(error)) return `${error.errno} (${STRERROR[error.errno]})`;
  return error instanceof Error ? error.message : String(error);
}

function hintFor(error: unknown): string {
  if (isHostError(error, 'EACCES', 'EPERM')) return 'Run vgpuctl as root: sysfs attributes are writable only by root';
  if (isHostError(error, 'EBUSY'))
    return 'A device or its IOMMU group is in use; stop the VM or process using it and retry';
  if (isHostError(error, 'ENOSPC', 'EUSERS')) return 'The parent device has no capacity left for this type';
  if (isHostError(error, 'ENODEV'))
    return 'The device or driver vanished or does not match; run "vgpuctl list" to see the current state';
  return 'Run "vgpuctl list" to see the current state, then retry with --dry-run to review the changes';
}
