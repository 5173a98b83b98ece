// A stage of the alert pipeline: a small module with one job (decode, objects,
// history, archive, annotate, watch, outputs, or one of your own) that works
// on a Batch in up to three phases:
//
//   prepare(batch)          async, before the store transaction: decoding,
//                           reads, file I/O, anything that may await;
//   inTxn(batch, txn)       sync, inside the batch's one LMDB write transaction
//                           on the stream store (with the checkpoint, so a
//                           crash keeps a batch whole or not at all);
//                           alertInTxn(alert, batch, txn) is its per-alert
//                           form, for work that a later alert of the same
//                           batch must see (an object made or moved);
//   afterCommit(batch)      async, after the commit: outputs (batch.emit),
//                           other stores, files derived from the stored batch.
//
// The pipeline runs each phase over the stage list in order: every stage's
// prepare, then in one transaction every alert through every stage's
// alertInTxn and every stage's inTxn, then every stage's afterCommit. The
// transaction runs only when the batch has messages not stored before.
// Each stage shapes its own output records; the outputs stage (last) sends
// what the stages emitted, waits for the sink, and marks the batch published.

import type { WatchHitRef } from '../filters/features.js';
import type { Annotations } from './annotate/record.js';
import type { Alert } from './decoding/alert.js';
import type { OutRecord } from './sinks/sink.js';
import { zeroCounts, type Counts, type DetectionRecord, type ObjectRecord, type StreamStore } from './store.js';

export interface SourceMessage {
  /** Where the message came from: a Kafka topic, or 'file:PATH'. */
  topic: string;
  partition: number;
  /** Position in the partition (Kafka offset, or the file's index in the run). */
  offset: bigint;
  value: Uint8Array;
  /** Kafka message timestamp (ms), for latency. */
  timestamp?: number;
  /** A label for dead letters (file path, or topic/partition/offset). */
  origin: string;
}

export interface DeadLetter {
  origin: string;
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  message: string;
  /** The message bytes, base64, so nothing is lost. */
  value: string;
  at: string;
}

/** One decoded alert on its way through the stages, with what each stage adds. */
export interface BatchAlert {
  alert: Alert;
  message: SourceMessage;
  /** The alert's own Avro record bytes and writer schema (decode; what the archive appends). */
  raw: Uint8Array;
  schemaText: string;
  /**
   * 'new': stored by this batch; 'duplicate': already stored as an alert
   * (an upstream replay: nothing is written again). Set by the objects stage.
   */
  status: 'new' | 'duplicate';
  /**
   * Stored by an earlier run that may have died before publishing its
   * outputs (between the store commit and the sink flush): nothing is stored
   * again, but every output of the alert is produced again, with the same keys.
   */
  republish?: boolean;
  /** The alert's object as this alert leaves it (objects, then history). */
  object: ObjectRecord;
  /** The object was made by this alert (objects). */
  objectCreated?: boolean;
  /** This alert's detection as stored before it arrived (seen in an earlier history), if it was (objects). */
  storedDetection?: DetectionRecord;
  /** Detections and non-detections this alert added (history). */
  detectionsAdded: number;
  nonDetectionsAdded: number;
  /** Cutout files, relative to the cutout folder (archive). */
  cutouts?: Record<string, string>;
  /** Catalog matches (annotate). */
  annotations?: Annotations;
  /** Watch-list hits recorded or re-published for this alert (watch). */
  watchHits?: number;
  /** The watch-list hits of this alert, with their lists' owners (watch; what the filters see). */
  watchHitRefs?: WatchHitRef[];
  /** Fields of other stages (user stages), by stage name. */
  extra?: Record<string, unknown>;
}

/** The historical name of a BatchAlert (an alert after the store stages). */
export type IngestedAlert = BatchAlert;

/** What a stage sees of the batch's store transaction. */
export interface StageTxn {
  /** The stream store; its databases are written inside the transaction. */
  readonly store: StreamStore;
}

export interface Stage {
  /** A short name ('objects', 'watch', ...): run report, logs. */
  readonly name: string;
  /** Once before the first batch: finish what a crash left half done. */
  recover?(): Promise<void> | void;
  /** Before the transaction (async: decoding, reads, file I/O). */
  prepare?(batch: Batch): Promise<void> | void;
  /** Inside the transaction, per alert stored by this batch, in order; every stage's in turn. */
  alertInTxn?(a: BatchAlert, batch: Batch, txn: StageTxn): void;
  /** Inside the transaction, once per batch, after every alert went through alertInTxn. */
  inTxn?(batch: Batch, txn: StageTxn): void;
  /** After the commit: outputs, other stores. */
  afterCommit?(batch: Batch): Promise<void> | void;
  /** Counters for the run report. */
  report?(): Record<string, unknown>;
  /** At the end of the run, after the last batch. */
  close?(): Promise<void> | void;
}

/** One batch of source messages as the stages see it. */
export class Batch {
  /** Messages not stored before: this batch stores them (the checkpoint sorts them). */
  readonly fresh: SourceMessage[] = [];
  /** Messages stored by an earlier run whose outputs may not have been published: outputs only. */
  readonly replayed: SourceMessage[] = [];
  /** Messages at or below the committed mark (skipped; some are replayed). */
  alreadyDone = 0;
  /** The decoded, valid alerts (decode), in message order; stages drop or add fields. */
  alerts: BatchAlert[] = [];
  readonly deadLetters: DeadLetter[] = [];
  /** Accounting by night (written with the batch). */
  readonly counts: Record<string, Counts> = {};
  /** Detections this batch stored for the first time (history). */
  readonly newDetections: DetectionRecord[] = [];
  /** Stored detections of replayed alerts (their outputs go out again) (history). */
  readonly republished: DetectionRecord[] = [];
  /** Output records by stream, in emit order (the outputs stage sends them). */
  readonly outputs = new Map<string, OutRecord[]>();
  /** Set by the pipeline when the transaction committed (Date.now()). */
  committedAt = 0;

  constructor(readonly messages: readonly SourceMessage[]) {}

  /** Adds to a night's accounting (night '' counts as 'unknown'). */
  count(night: string, counter: keyof Counts, by = 1): void {
    (this.counts[night || 'unknown'] ??= zeroCounts())[counter] += by;
  }

  /** Queues output records of a stream. */
  emit(stream: string, records: readonly OutRecord[]): void {
    if (records.length === 0) return;
    const q = this.outputs.get(stream);
    if (q) for (const r of records) q.push(r);
    else this.outputs.set(stream, [...records]);
  }

  /** Records a dead letter (the message's bytes, or the alert's own when given). */
  deadLetter(m: SourceMessage, reason: string, message: string, value?: Uint8Array): DeadLetter {
    const v = value ?? m.value;
    const d: DeadLetter = {
      origin: m.origin, topic: m.topic, partition: m.partition, offset: m.offset.toString(), reason, message,
      value: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'), at: new Date().toISOString(),
    };
    this.deadLetters.push(d);
    return d;
  }
}
