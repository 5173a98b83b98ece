// Stage 'notify': the batch's output records of the streams someone
// subscribes to go into the notification outbox (src/notify/outbox.ts, in the
// stream store's environment), which the delivery worker reads. It runs after
// every stage that emits (annotate, watch, filters) and before the outputs
// stage, so the records are queued before the batch counts as published: a
// crash before this commit republishes the batch on restart (queued then), a
// crash after it finds the records queued (the outbox drops repeated keys).
//
// The records are known only after the stream store's commit (the stages
// emit in afterCommit), so the stage writes them in a write transaction of
// its own on the same environment, in afterCommit, not in the batch's.
//
// A record without annotations (a watch-list hit, a filter match) names in
// its notification the alert's closest catalog counterpart from the same
// batch's 'annotated' records (`top_annotation`, in the notification only).

import { topAnnotation } from '../../notify/message.js';
import type { OutRecord } from '../sinks/sink.js';
import type { Batch, Stage } from '../stage.js';
import type { StreamStore } from '../store.js';

/** Where notifications are queued (src/notify/outbox.ts); its environment is the stream store's. */
export interface NotifyOutbox {
  /** The streams someone subscribes to now (read once per batch). */
  subscribedStreams(): ReadonlySet<string>;
  /** Queues records of a stream; call inside a write transaction of the stream store's environment. */
  enqueueInTxn(stream: string, records: readonly OutRecord[]): number;
}

export class NotifyStage implements Stage {
  readonly name = 'notify';
  private streams: ReadonlySet<string> = new Set();
  private batches = 0;
  private queued = 0;

  constructor(private readonly outbox: NotifyOutbox, private readonly store: StreamStore, private readonly annotatedStream = 'annotated') {}

  /** Subscriptions are read once per batch: one made during a batch counts from the next. */
  prepare(): void {
    this.streams = this.outbox.subscribedStreams();
  }

  async afterCommit(batch: Batch): Promise<void> {
    if (this.streams.size === 0) return;
    const wanted = [...batch.outputs].filter(([stream]) => this.streams.has(stream));
    if (wanted.length === 0) return;
    // The closest counterpart of each alert of the batch, for the other streams' notifications.
    const topByAlert = new Map<string, string>();
    for (const r of batch.outputs.get(this.annotatedStream) ?? []) {
      const top = topAnnotation(r.value);
      if (top !== null) topByAlert.set(String(r.value.alert_id), top);
    }
    const lists = wanted.map(([stream, recs]) => [stream, stream === this.annotatedStream || topByAlert.size === 0 ? recs : recs.map((r) => {
      const top = r.value.annotations === undefined && r.value.top_annotation === undefined ? topByAlert.get(String(r.value.alert_id)) : undefined;
      return top === undefined ? r : { key: r.key, value: { ...r.value, top_annotation: top } };
    })] as const);
    await this.store.env.transaction(() => {
      for (const [stream, recs] of lists) this.queued += this.outbox.enqueueInTxn(stream, recs);
    });
    this.batches++;
  }

  report(): Record<string, unknown> {
    return { subscribedStreams: this.streams.size, batchesQueued: this.batches, queued: this.queued };
  }
}
