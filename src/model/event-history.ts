/**
 * The bounded history of published events: numbered from 1, the oldest dropped first. A
 * subscriber that reconnects with `Last-Event-ID` gets what it missed when the history still
 * holds it, and is told it must re-read the host when it does not.
 */
import type { ModelEvent, NumberedEvent } from './events.ts';

export class EventHistory {
  private readonly events: NumberedEvent[] = [];
  private next = 1;
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Numbers and keeps an event; returns it numbered. */
  push(event: ModelEvent, at: Date): NumberedEvent {
    const numbered = { id: this.next++, at: at.toISOString(), event };
    this.events.push(numbered);
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    return numbered;
  }

  /** The id of the newest event (0 before any). */
  get lastId(): number {
    return this.next - 1;
  }

  /**
   * The events after `id`; `complete` is false when some were already dropped (or `id` is
   * from the future, e.g. from before an agent restart), so the caller must re-read.
   */
  since(id: number): { events: NumberedEvent[]; complete: boolean } {
    if (id > this.lastId) return { events: [], complete: false };
    const oldest = this.events[0]?.id ?? this.next;
    const events = this.events.filter((e) => e.id > id);
    return { events, complete: id >= oldest - 1 };
  }
}
