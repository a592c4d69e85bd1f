/**
 * The agent's continuous reconcile: applies the desired state at start, after every change the
 * model sees (debounced), and — while something waits for a late type or a failed action —
 * again with exponential backoff. Its changes go through the agent's operations like any
 * other client's, as "reconciler" in the audit log.
 */
import { isVgpuctlError } from '../core/errors.ts';
import type { HostPort } from '../host/host-port.ts';
import type { HostModel } from '../model/host-model.ts';
import { type ApplyDesiredReport, applyDesired } from '../ops/desired/apply-desired.ts';
import { parseHostFile } from '../ops/desired/host-file.ts';
import { operationsRunner } from './action-runner.ts';
import type { Operations } from './operations.ts';

export interface ReconcilerOptions {
  host: HostPort;
  model: HostModel;
  operations: Operations;
  /** The desired state's text, or undefined when there is none (nothing to reconcile). */
  readFile: () => Promise<string | undefined>;
  source: string;
  /** First retry delay; doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  debounceMs?: number;
}

export type ReconcileStatus =
  | { state: 'idle'; reason: string }
  | { state: 'invalid'; error: { code: string; message: string } }
  | { state: 'applied'; at: string; report: ApplyDesiredReport; nextRetryMs: number | null };

export class Reconciler {
  status: ReconcileStatus = { state: 'idle', reason: 'not run yet' };
  runs = 0;
  private readonly options: ReconcilerOptions;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private backoff: number;
  private running: Promise<void> | undefined;
  private again = false;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(options: ReconcilerOptions) {
    this.options = options;
    this.backoff = options.backoffMs ?? 1000;
  }

  start(): void {
    this.unsubscribe = this.options.model.subscribe(() => this.schedule(this.options.debounceMs ?? 200));
    this.schedule(0);
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    return this.running ?? Promise.resolve();
  }

  /** Runs a reconcile now (after the one in progress); with dryRun, only plans. */
  async runNow(dryRun = false): Promise<ReconcileStatus> {
    if (dryRun) return this.reconcile(true);
    await this.running;
    await this.tick();
    return this.status;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private tick(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        this.status = await this.reconcile(false);
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async reconcile(dryRun: boolean): Promise<ReconcileStatus> {
    const { options } = this;
    this.runs++;
    let text: string | undefined;
    try {
      text = await options.readFile();
    } catch (error) {
      return { state: 'invalid', error: { code: 'HOST_IO', message: String((error as Error).message) } };
    }
    if (text === undefined) return { state: 'idle', reason: `no desired state at ${options.source}` };
    let desired: ReturnType<typeof parseHostFile>;
    try {
      desired = parseHostFile(text, options.source);
    } catch (error) {
      if (isVgpuctlError(error)) return { state: 'invalid', error: { code: error.code, message: error.message } };
      throw error;
    }
    const report = await applyDesired(
      {
        host: options.host,
        read: async () => {
          await options.model.refresh();
          const { inventory, vgpus, types } = options.model.state;
          return { inventory, vgpus, types };
        },
        runner: operationsRunner(options.operations, 'reconciler'),
      },
      desired,
      { dryRun },
    );
    let nextRetryMs: number | null = null;
    if (!dryRun) {
      if (report.converged) {
        this.backoff = options.backoffMs ?? 1000;
      } else {
        nextRetryMs = this.backoff;
        this.schedule(this.backoff);
        this.backoff = Math.min(this.backoff * 2, options.maxBackoffMs ?? 60_000);
      }
    }
    return { state: 'applied', at: new Date().toISOString(), report, nextRetryMs };
  }
}
