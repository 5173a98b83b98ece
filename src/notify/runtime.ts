// Notifications inside a process: the subscriptions (service store,
// DATA/store), the outbox in the stream store's environment, and the delivery
// worker when this process delivers. `skyjoin stream` opens one around its
// pipeline; `skyjoin notify` opens one with the worker alone.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { closeMailTransports } from './channels/email.js';
import type { NotifyConfig } from './config.js';
import { Outbox } from './outbox.js';
import { SubscriptionStore } from './subscriptions.js';
import { DeliveryWorker, type WorkerCounters } from './worker.js';

/** The service's LMDB environment under a data folder (the one `skyjoin serve --data DIR` opens as DATA/store). */
export function openSharedStore(dataDir: string): RootDatabase {
  const dir = path.join(dataDir, 'store');
  mkdirSync(dir, { recursive: true });
  return open({ path: dir, maxDbs: 64 });
}

/**
 * Waits for lmdb-js's pending read-snapshot resets (a setTimeout(0) after a
 * read): one that fires after its environment closed throws from a timer.
 * Call before closing an environment the worker read.
 */
export function settleReads(): Promise<void> {
  return new Promise((r) => setTimeout(r, 1));
}

export interface NotifyReport extends WorkerCounters {
  queued: number;
  /** Messages still waiting, per subscription id. */
  backlog: Record<string, number>;
}

export class Notifier {
  readonly subscriptions: SubscriptionStore;
  readonly outbox: Outbox;
  readonly worker: DeliveryWorker | null;
  private readonly sharedEnv: RootDatabase;

  /** `streamEnv`: the stream store's environment, where the outbox lives. */
  constructor(dataDir: string, streamEnv: RootDatabase, readonly config: NotifyConfig, o: { deliver: boolean; log?: (m: Record<string, unknown>) => void; tickMs?: number }) {
    this.sharedEnv = openSharedStore(dataDir);
    this.subscriptions = new SubscriptionStore(this.sharedEnv, config.deliveriesKept);
    this.outbox = new Outbox(streamEnv, { subscribed: () => this.subscriptions.streamNames(), dedupeHours: config.dedupeHours });
    this.worker = o.deliver ? new DeliveryWorker({ outbox: this.outbox, subscriptions: this.subscriptions, config, log: o.log, tickMs: o.tickMs }) : null;
    this.worker?.start();
  }

  report(): NotifyReport {
    const w = this.worker;
    return {
      queued: this.outbox.queued,
      ...(w ? w.counters : { notifications: 0, messages: 0, retries: 0, failed: 0, paused: 0 }),
      backlog: w ? w.backlog() : {},
    };
  }

  /** Waits up to waitMs for the backlog to empty, then stops the worker (in-flight sends get a short grace). */
  async close(waitMs = 0): Promise<NotifyReport> {
    if (this.worker && waitMs > 0) await this.worker.drain(waitMs);
    await this.worker?.stop(Math.min(5000, Math.max(1000, waitMs)));
    const r = this.report();
    closeMailTransports();
    await settleReads();
    await this.sharedEnv.close();
    return r;
  }
}
