// The alert pipeline: a list of stages (stage.ts), run over each batch of
// source messages, and one checkpoint. The list below is the alert's path, in
// the order of ARCHITECTURE.md ("The stream"); adding a stage is one file and
// one line here (or a `stages` option that returns a list of your own).
//
// A batch goes: checkpoint sorts the messages (fresh / replayed / done) ->
// every stage's prepare -> one LMDB transaction on the stream store (every
// fresh alert through every stage's alertInTxn, every stage's inTxn, the
// accounting and the checkpoint's progress) -> every stage's afterCommit
// (the outputs stage last: sink flushed, then the batch marked published).
// One StreamPipeline per process; batches are handled one at a time.

import { DEFAULT_PUBLIC_URL, Links } from '../objects/links.js';
import { Checkpoint } from './checkpoint.js';
import type { DecoderOptions } from './decoding/decoder.js';
import type { OutputSink } from './sinks/sink.js';
import { Batch, type SourceMessage, type Stage } from './stage.js';
import { ArchiveStage } from './stages/archive.js';
import { DecodeStage } from './stages/decode.js';
import { HistoryStage } from './stages/history.js';
import { NotifyStage, type NotifyOutbox } from './stages/notify.js';
import { ObjectsStage } from './stages/objects.js';
import { OutputsStage } from './stages/outputs.js';
import { StreamStore, type Counts } from './store.js';

export interface PipelineOptions {
  dataDir: string;
  instance?: string;
  sink: OutputSink;
  decoder?: DecoderOptions;
  matchRadiusArcsec?: number;
  /** Raw-alert archive, cutout files and Parquet tables (default: all on). */
  archive?: boolean;
  cutouts?: boolean;
  parquet?: boolean;
  /** The annotate stage (stages/annotate.ts); none when absent. */
  annotate?: Stage;
  /** The watch stage (stages/watch.ts); none when absent. */
  watch?: Stage;
  /** The users' filters stage (stages/filters.ts); none when absent. */
  filters?: Stage;
  /**
   * Notifications: the outbox, given the stream store whose environment it
   * lives in (src/notify/outbox.ts); the notify stage queues the subscribed
   * streams' records into it before the outputs. None when absent.
   */
  outbox?: (store: StreamStore) => NotifyOutbox;
  /** Base of the URLs output records carry for objects and cutouts (default http://127.0.0.1:8080). */
  publicUrl?: string;
  /** The stage list; alertStages (below) when absent. */
  stages?: (p: PipelineParts) => Stage[];
}

/** What stages are built from: the options, the stream store, the checkpoint. */
export interface PipelineParts {
  opts: PipelineOptions;
  store: StreamStore;
  checkpoint: Checkpoint;
}

/** The alert's path, in order. */
export function alertStages({ opts, store, checkpoint }: PipelineParts): Stage[] {
  const links = new Links(opts.publicUrl ?? DEFAULT_PUBLIC_URL);
  return [
    new DecodeStage(opts.decoder),                                       // bytes -> valid alerts; dead letters
    new ObjectsStage(store, { matchRadiusArcsec: opts.matchRadiusArcsec, links }), // alias, else nearest within r, else new
    new HistoryStage(store, links),                                      // detections, limits, forced: once each
    new ArchiveStage(store, opts),                                       // raw alerts, cutouts, Parquet
    ...(opts.annotate ? [opts.annotate] : []),                           // catalog crossmatch
    ...(opts.watch ? [opts.watch] : []),                                 // watch lists
    ...(opts.filters ? [opts.filters] : []),                             // users' filters (sees annotations, watch hits)
    ...(opts.outbox ? [new NotifyStage(opts.outbox(store), store)] : []), // subscribed streams' records into the outbox
    new OutputsStage(opts.sink, checkpoint),                             // sink flushed, then published
  ];
}

export interface RunTotals {
  counts: Counts;
  outputs: Record<string, number>;
}

export class StreamPipeline {
  readonly store: StreamStore;
  readonly checkpoint: Checkpoint;
  readonly stages: readonly Stage[];
  /** Records per output stream since start. */
  readonly outputs: Record<string, number> = {};
  /** Latency samples (ms) from the message timestamp to committed storage, newest last. */
  readonly latencies: number[] = [];

  constructor(readonly opts: PipelineOptions) {
    this.store = StreamStore.at(opts.dataDir, opts.instance);
    this.checkpoint = new Checkpoint(this.store);
    this.stages = (opts.stages ?? alertStages)({ opts, store: this.store, checkpoint: this.checkpoint });
    const names = new Set<string>();
    for (const s of this.stages) {
      if (names.has(s.name)) throw new Error(`two pipeline stages are named '${s.name}'`);
      names.add(s.name);
    }
  }

  /** Finishes what a crash left half done (archive tails, Parquet parts, ...). */
  async recover(): Promise<void> {
    for (const s of this.stages) await s.recover?.();
  }

  /** One batch through every stage; resolves when its outputs are durable. */
  async handle(messages: readonly SourceMessage[]): Promise<Batch> {
    const batch = new Batch(messages);
    this.checkpoint.sort(batch);
    const stages = this.stages;
    for (const s of stages) await s.prepare?.(batch);
    if (batch.fresh.length > 0) {
      const txn = { store: this.store };
      const perAlert = stages.filter((s) => s.alertInTxn);
      this.store.env.transactionSync(() => {
        for (const a of batch.alerts) {
          if (a.republish) continue;
          for (const s of perAlert) s.alertInTxn!(a, batch, txn);
        }
        for (const s of stages) s.inTxn?.(batch, txn);
        for (const [night, c] of Object.entries(batch.counts)) this.store.addCountsInTxn(night, c);
        this.checkpoint.inTxn(batch);
      });
      this.checkpoint.committedTxn();
    }
    batch.committedAt = Date.now();
    for (const a of batch.alerts) if (a.message.timestamp) this.latencies.push(batch.committedAt - a.message.timestamp);
    if (this.latencies.length > 200_000) this.latencies.splice(0, this.latencies.length - 100_000);
    for (const s of stages) await s.afterCommit?.(batch);
    for (const [stream, records] of batch.outputs) this.outputs[stream] = (this.outputs[stream] ?? 0) + records.length;
    return batch;
  }

  /** Each stage's counters, by stage name (stages without any are left out). */
  report(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const s of this.stages) if (s.report) out[s.name] = s.report();
    return out;
  }

  totals(): RunTotals {
    return { counts: this.store.counts().totals, outputs: { ...this.outputs } };
  }

  /** Published marks written; every stage closed (outputs: the sink); the store closed. */
  async close(): Promise<void> {
    this.checkpoint.close();
    for (const s of this.stages) await s.close?.();
    await this.store.close();
  }
}
