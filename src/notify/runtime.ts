// Notifications inside a process: the subscriptions (service store,
// DATA/store), the outbox in the stream store's environment, and the delivery
// worker when this process delivers. `skyjoin stream` opens one around its
// pipeline; `skyjoin notify` opens one with the worker alone.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { open, type RootDatabase } from 'lmdb';
import { closeMailTransports } from './channels/email.js';
import type { NotifyConfig } from './config.js';
import { Outbox } from './outbox.js';
import { SubscriptionStore } from './subscriptions.js';
import { DeliveryWorker, type WorkerCounters } from './worker.js';
import type { FromThread, ThreadData, ToThread } from './worker-thread.js';

// The thread's module is the compiled .js beside this one; run from the
// TypeScript sources (tests), the .ts one, loaded through tsx.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const THREAD_URL = new URL(FROM_SOURCE ? './worker-thread.ts' : './worker-thread.js', import.meta.url);

function startThread(workerData: ThreadData): Worker {
  if (!FROM_SOURCE) return new Worker(THREAD_URL, { workerData });
  const load = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(THREAD_URL.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(load, { eval: true, workerData });
}

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

export interface NotifierOptions {
  /** Deliver from this process: 'thread' (a worker thread, as `skyjoin stream` does), true (this thread), false (only queue). */
  deliver: boolean | 'thread';
  log?: (m: Record<string, unknown>) => void;
  tickMs?: number;
  /** The folder of streamEnv (the thread opens its own handle on it); needed with deliver: 'thread'. */
  streamDir?: string;
  /** The service's store (DATA/store) when this process has it open already (it stays open at close). */
  sharedEnv?: RootDatabase;
}

const ZERO: WorkerCounters = { notifications: 0, messages: 0, retries: 0, failed: 0, paused: 0 };

export class Notifier {
  readonly subscriptions: SubscriptionStore;
  readonly outbox: Outbox;
  /** The worker when it runs on this thread. */
  readonly worker: DeliveryWorker | null;
  private readonly thread: Worker | null;
  private readonly sharedEnv: RootDatabase;
  private readonly ownsSharedEnv: boolean;
  private readonly waiting: Array<(m: FromThread) => boolean> = [];

  /** `streamEnv`: the stream store's environment, where the outbox lives. */
  constructor(dataDir: string, streamEnv: RootDatabase, readonly config: NotifyConfig, o: NotifierOptions) {
    this.ownsSharedEnv = !o.sharedEnv;
    this.sharedEnv = o.sharedEnv ?? openSharedStore(dataDir);
    this.subscriptions = new SubscriptionStore(this.sharedEnv, config.deliveriesKept);
    this.outbox = new Outbox(streamEnv, { subscribed: () => this.subscriptions.streamNames(), dedupeHours: config.dedupeHours });
    this.worker = o.deliver === true ? new DeliveryWorker({ outbox: this.outbox, subscriptions: this.subscriptions, config, log: o.log, tickMs: o.tickMs }) : null;
    this.worker?.start();
    if (o.deliver === 'thread' && !o.streamDir) throw new TypeError('Notifier: streamDir is required to deliver on a thread');
    this.thread = o.deliver === 'thread' ? startThread({ dataDir, streamDir: o.streamDir!, config, tickMs: o.tickMs }) : null;
    if (this.thread) {
      const log = o.log ?? (() => {});
      this.thread.on('message', (m: FromThread) => {
        if (m.type === 'log') log(m.entry);
        const i = this.waiting.findIndex((w) => w(m));
        if (i >= 0) this.waiting.splice(i, 1);
      });
      this.thread.on('error', (err) => log({ msg: 'notify: delivery thread failed', error: err.message }));
      // Records queued: the thread looks at once instead of at its next tick.
      this.outbox.onEnqueued = () => this.thread?.postMessage({ type: 'kick' } satisfies ToThread);
    }
  }

  private ask<T extends FromThread['type']>(msg: ToThread, answer: T, timeoutMs: number): Promise<Extract<FromThread, { type: T }> | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      this.waiting.push((m) => {
        if (m.type !== answer) return false;
        clearTimeout(timer);
        resolve(m as Extract<FromThread, { type: T }>);
        return true;
      });
      this.thread!.postMessage(msg);
    });
  }

  /** Waits up to waitMs for the backlog to empty, then stops the worker (in-flight sends get a short grace). */
  async close(waitMs = 0): Promise<NotifyReport> {
    const grace = Math.min(5000, Math.max(1000, waitMs));
    let counters: WorkerCounters = ZERO;
    let backlog: Record<string, number> = {};
    if (this.worker) {
      if (waitMs > 0) await this.worker.drain(waitMs);
      await this.worker.stop(grace);
      counters = { ...this.worker.counters };
      backlog = this.worker.backlog();
    } else if (this.thread) {
      if (waitMs > 0) await this.ask({ type: 'drain', ms: waitMs }, 'drained', waitMs + 5000);
      const stopped = await this.ask({ type: 'stop', graceMs: grace }, 'stopped', grace + 10_000);
      if (stopped) ({ counters, backlog } = stopped);
      this.outbox.onEnqueued = null;
      await this.thread.terminate();
    }
    closeMailTransports();
    await settleReads();
    if (this.ownsSharedEnv) await this.sharedEnv.close();
    return { queued: this.outbox.queued, ...counters, backlog };
  }
}
