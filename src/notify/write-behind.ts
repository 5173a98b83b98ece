// The delivery worker's writes, held back and committed together: cursors
// and delivery records of a round of deliveries go in one transaction per
// store every flush (two commits, not two per notification), so the worker
// seldom takes the stream store's write lock. A crash loses at most one
// round of cursor moves: those notifications go again, with the same
// idempotency keys.

import type { Cursor, Outbox } from './outbox.js';
import type { DeliveryRecord, SubscriptionStore } from './subscriptions.js';

export class WriteBehind {
  private readonly cursors = new Map<string, Cursor>();
  private log: DeliveryRecord[] = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly outbox: Outbox, private readonly subscriptions: SubscriptionStore, private readonly failed: (err: Error) => void) {}

  cursor(subscription: string, c: Cursor): void {
    this.cursors.set(subscription, c);
  }

  forget(subscription: string): void {
    this.cursors.delete(subscription);
  }

  delivery(d: DeliveryRecord): void {
    this.log.push(d);
  }

  /** Commits what was gathered (waits for a flush already under way first). */
  async flush(): Promise<void> {
    await this.flushing;
    if (this.cursors.size === 0 && this.log.length === 0) return;
    const cursors = new Map(this.cursors);
    const log = this.log;
    this.cursors.clear();
    this.log = [];
    this.flushing = Promise.all([
      this.outbox.saveCursors(cursors).catch(this.failed),
      this.subscriptions.recordDeliveries(log).catch(this.failed),
    ]).then(() => { this.flushing = null; });
    await this.flushing;
  }
}
