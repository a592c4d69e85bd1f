/**
 * The live host model: holds the latest reading of the host, re-reads it when a change source
 * says something changed and, as a safety net, at a bounded interval, and publishes the
 * difference as numbered events. It reads the host only through the `read` function it is
 * given (discovery over the host port); watching files or the emulated kernel is the job of
 * change sources, which entry points build from adapters.
 */
import type { Inventory } from '../discovery/inventory.ts';
import type { Definitions } from '../store/definitions.ts';
import { diffStates } from './diff.ts';
import { EventHistory } from './event-history.ts';
import type { ModelEvent, NumberedEvent } from './events.ts';
import { type HostState, hostState } from './host-state.ts';

/** Calls `notify` whenever the host may have changed; returns the function that stops it. */
export type ChangeSource = (notify: () => void) => () => void;

export interface HostModelOptions {
  /** Reads the host (discovery and definitions, through the port). */
  read: () => Promise<{ inventory: Inventory; definitions: Definitions }>;
  /** Sources of change notifications (inotify on stores, the emulated kernel's writes). */
  changes?: ChangeSource[];
  /** Longest time between two readings when no source notifies (sysfs has no inotify for most attributes). */
  pollMs: number;
  /** How long to gather notifications before reading (a vGPU create is several writes). Default 5 ms. */
  settleMs?: number;
  /** Events kept for `Last-Event-ID` resumption. Default 1000. */
  historySize?: number;
  now?: () => Date;
}

/** Health of the model, for /metrics and /v1/health. */
export interface ModelHealth {
  refreshes: number;
  failures: number;
  lastError: string | null;
  lastRefreshMs: number | null;
}

export class HostModel {
  readonly history: EventHistory;
  readonly health: ModelHealth = { refreshes: 0, failures: 0, lastError: null, lastRefreshMs: null };
  private current: HostState | undefined;
  private readonly listeners = new Set<(event: NumberedEvent) => void>();
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private stops: (() => void)[] = [];
  private stopped = false;
  private readonly now: () => Date;
  private readonly options: HostModelOptions;

  constructor(options: HostModelOptions) {
    this.options = options;
    this.history = new EventHistory(options.historySize ?? 1000);
    this.now = options.now ?? (() => new Date());
  }

  /** Reads the host once, then follows its changes until {@link stop}. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.current === undefined) throw new Error(this.health.lastError ?? 'the first reading of the host failed');
    for (const source of this.options.changes ?? []) this.stops.push(source(() => this.notify()));
    this.schedulePoll();
  }

  stop(): void {
    this.stopped = true;
    for (const stop of this.stops) stop();
    this.stops = [];
    clearTimeout(this.pollTimer);
    clearTimeout(this.settleTimer);
  }

  /** The latest reading. */
  get state(): HostState {
    if (this.current === undefined) throw new Error('the host model has not read the host yet');
    return this.current;
  }

  /** Calls `listener` with every event published from now on; returns the unsubscribe function. */
  subscribe(listener: (event: NumberedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads the host and publishes what changed. Concurrent calls share readings: a call made
   * while a reading runs waits for one that starts after it, so it sees its own change.
   */
  refresh(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    if (this.inFlight !== undefined) {
      this.queued = this.inFlight.then(() => {
        this.queued = undefined;
        return this.refresh();
      });
      return this.queued;
    }
    this.inFlight = this.readOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** A change source says the host may have changed: read it soon. */
  notify(): void {
    if (this.stopped || this.settleTimer !== undefined) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      void this.refresh();
    }, this.options.settleMs ?? 5);
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.pollTimer = setTimeout(() => {
      void this.refresh().finally(() => this.schedulePoll());
    }, this.options.pollMs);
    this.pollTimer.unref?.();
  }

  private async readOnce(): Promise<void> {
    const started = this.now().getTime();
    let next: HostState;
    try {
      const { inventory, definitions } = await this.options.read();
      next = hostState(inventory, definitions, this.now().getTime());
    } catch (error) {
      this.health.failures++;
      this.health.lastError = error instanceof Error ? error.message : String(error);
      return;
    }
    this.health.refreshes++;
    this.health.lastError = null;
    this.health.lastRefreshMs = this.now().getTime() - started;
    const previous = this.current;
    this.current = next;
    if (previous !== undefined) this.publish(diffStates(previous, next));
  }

  private publish(events: ModelEvent[]): void {
    const at = this.now();
    for (const event of events) {
      const numbered = this.history.push(event, at);
      for (const listener of this.listeners) listener(numbered);
    }
  }
}
