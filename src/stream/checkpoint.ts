// How far the pipeline has got, per source partition, in the stream store:
//   'offset'     the last message whose batch committed (stored);
//   'published'  the last message whose outputs the sink acknowledged.
// A message at or below 'offset' is not stored again, so a crash-and-replay
// leaves the stores and their counts exactly as an uninterrupted run; one
// above 'published' (stored, but maybe not published before a crash) has its
// outputs produced again. Progress is written in the batch's transaction;
// published marks ride in the next batch's transaction (or close()) instead
// of a commit and fsync of their own: losing them to a crash only means
// republishing the last batch's outputs, which consumers recognise as repeats.

import type { Batch, SourceMessage } from './stage.js';
import type { StreamStore } from './store.js';

const key = (m: { topic: string; partition: number }) => `${m.topic}\u0000${m.partition}`;

export class Checkpoint {
  private readonly unwrittenPublished = new Map<string, { topic: string; partition: number; offset: bigint }>();

  constructor(private readonly store: StreamStore) {}

  /** The last committed (stored) offset of a source partition (-1 when none). */
  committed(topic: string, partition: number): bigint {
    const v = this.store.progress.get(['offset', topic, String(partition)]) as string | undefined;
    return v === undefined ? -1n : BigInt(v);
  }

  /** How far a source partition's outputs are known to be published (-1 when none). */
  published(topic: string, partition: number): bigint {
    const pending = this.unwrittenPublished.get(key({ topic, partition }));
    if (pending) return pending.offset;
    const v = this.store.progress.get(['published', topic, String(partition)]) as string | undefined;
    return v === undefined ? -1n : BigInt(v);
  }

  /** Sorts a batch's messages into fresh (to store), replayed (outputs again) and already done. */
  sort(batch: Batch): void {
    // One progress read per source partition and batch, not per message.
    const marks = new Map<string, bigint>();
    for (const m of batch.messages) {
      const k = key(m);
      let mark = marks.get(k);
      if (mark === undefined) marks.set(k, (mark = this.committed(m.topic, m.partition)));
      if (m.offset > mark) {
        batch.fresh.push(m);
        continue;
      }
      batch.alreadyDone++;
      if (m.offset > this.published(m.topic, m.partition)) batch.replayed.push(m);
    }
  }

  /** Inside the batch's transaction: the fresh messages' progress and the published marks held in memory. */
  inTxn(batch: Batch): void {
    const progress = new Map<string, SourceMessage>();
    for (const m of batch.fresh) {
      const k = key(m);
      const cur = progress.get(k);
      if (!cur || m.offset > cur.offset) progress.set(k, m);
    }
    for (const m of progress.values()) this.store.progress.put(['offset', m.topic, String(m.partition)], m.offset.toString());
    this.writePublishedInTxn();
  }

  /** After the batch's transaction committed: the published marks it carried are on disk. */
  committedTxn(): void {
    this.unwrittenPublished.clear();
  }

  /** Records that the outputs of these messages are durable (after the sink's flush). */
  markPublished(messages: readonly SourceMessage[]): void {
    for (const m of messages) {
      const k = key(m);
      const cur = this.unwrittenPublished.get(k);
      if (!cur || m.offset > cur.offset) this.unwrittenPublished.set(k, { topic: m.topic, partition: m.partition, offset: m.offset });
    }
  }

  private writePublishedInTxn(): void {
    for (const p of this.unwrittenPublished.values()) this.store.progress.put(['published', p.topic, String(p.partition)], p.offset.toString());
  }

  /** Writes the published marks held in memory in a transaction of their own (at close). */
  close(): void {
    if (this.unwrittenPublished.size === 0) return;
    this.store.env.transactionSync(() => this.writePublishedInTxn());
    this.unwrittenPublished.clear();
  }
}
