// The delivery worker on a thread of its own, as `skyjoin stream` runs it:
// its HTTP, SMTP, signing and JSON work then uses another core than the
// stream's main thread, which it would otherwise slow. It opens its own
// handles on the two LMDB environments (the stream store, where the outbox
// is, and the service store, where the subscriptions are) and talks to the
// main thread by messages: kick, drain, stop (answered with the counters).

import { parentPort, workerData } from 'node:worker_threads';
import { open } from 'lmdb';
import { closeMailTransports } from './channels/email.js';
import type { NotifyConfig } from './config.js';
import { Outbox } from './outbox.js';
import { openSharedStore, settleReads } from './runtime.js';
import { SubscriptionStore } from './subscriptions.js';
import { DeliveryWorker } from './worker.js';

export interface ThreadData {
  dataDir: string;
  streamDir: string;
  config: NotifyConfig;
  tickMs?: number;
}

export type ToThread = { type: 'kick' } | { type: 'drain'; ms: number } | { type: 'stop'; graceMs: number };
export type FromThread =
  | { type: 'log'; entry: Record<string, unknown> }
  | { type: 'drained'; idle: boolean }
  | { type: 'stopped'; counters: DeliveryWorker['counters']; backlog: Record<string, number> };

const d = workerData as ThreadData;
const port = parentPort!;
const post = (m: FromThread) => port.postMessage(m);
const streamEnv = open({ path: d.streamDir, maxDbs: 32 });
const sharedEnv = openSharedStore(d.dataDir);
const subscriptions = new SubscriptionStore(sharedEnv, d.config.deliveriesKept);
const outbox = new Outbox(streamEnv, { subscribed: () => subscriptions.streamNames(), dedupeHours: d.config.dedupeHours });
const worker = new DeliveryWorker({ outbox, subscriptions, config: d.config, tickMs: d.tickMs, log: (entry) => post({ type: 'log', entry }) });
worker.start();

port.on('message', (m: ToThread) => {
  if (m.type === 'kick') worker.kick();
  else if (m.type === 'drain') void worker.drain(m.ms).then((idle) => post({ type: 'drained', idle }));
  else if (m.type === 'stop') {
    void (async () => {
      await worker.stop(m.graceMs);
      const backlog = worker.backlog();
      closeMailTransports();
      await settleReads();
      await streamEnv.close();
      await sharedEnv.close();
      post({ type: 'stopped', counters: { ...worker.counters }, backlog });
      port.close();
    })();
  }
});
