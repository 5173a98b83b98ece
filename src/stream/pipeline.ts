// The alert stream: ingest (decode, objects, history, archive, cutouts) then,
// per alert, annotation and watch-list checks, then the output streams, all
// before the source may commit. One StreamPipeline per process.

import path from 'node:path';
import { AlertArchive } from './archive.js';
import { AlertDecoder, type DecoderOptions } from './decoding/decoder.js';
import { Ingestor, type BatchOutcome, type IngestedAlert, type SourceMessage } from './ingest.js';
import { DetectionParquet } from './parquet-out.js';
import type { OutRecord, OutputSink } from './sinks/sink.js';
import { StreamStore, type Counts, type DetectionRecord } from './store.js';
import { topAnnotation } from '../notify/message.js';

/** A stored detection as the 'detections' output stream carries it (snake_case, ids as strings). */
export function detectionValue(d: DetectionRecord): Record<string, unknown> {
  return {
    alert_id: d.alertId, object_id: String(d.objectId), survey: d.survey, mjd: d.mjd, night: d.night, band: d.band, ra: d.ra, dec: d.dec,
    mag: d.mag, mag_err: d.magErr, flux: d.flux, flux_err: d.fluxErr, is_diff_pos: d.isDiffPos, from: d.from, cutouts: d.cutouts,
  };
}

export interface Enricher {
  /** Runs on the ingested alerts of a batch (after the ingest commit); returns extra outputs. */
  enrich(alerts: IngestedAlert[], out: OutputSink): Promise<void> | void;
  /** Per-enricher counters for the night report. */
  report?(): Record<string, unknown>;
  /** Releases what the enricher opened (the run calls it after the pipeline closed). */
  close?(): Promise<void> | void;
}

/**
 * Where notifications are queued (src/notify/outbox.ts): called inside a write
 * transaction of the stream store's environment with each output stream's
 * records of the batch, before the batch counts as published.
 */
export interface NotifyOutbox {
  /** The streams someone subscribes to now (read once per batch). */
  subscribedStreams(): ReadonlySet<string>;
  enqueueInTxn(stream: string, records: readonly OutRecord[]): number;
}

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
  enrichers?: Enricher[];
}

export interface RunTotals {
  counts: Counts;
  outputs: Record<string, number>;
}

export class StreamPipeline {
  readonly store: StreamStore;
  private readonly ingestor: Ingestor;
  private readonly parquet: DetectionParquet | null;
  private readonly archive: AlertArchive | null;
  readonly outputs: Record<string, number> = {};
  private outbox: NotifyOutbox | null = null;
  private notifyStreams: ReadonlySet<string> | null = null;
  /** This batch's output records per stream, for the outbox. */
  private readonly toNotify = new Map<string, OutRecord[]>();
  /** This batch's closest catalog counterpart per alert id (from the annotated records), for notifications of other streams. */
  private readonly topByAlert = new Map<string, string>();
  /** Latency samples (ms) from the message timestamp to committed storage, newest last. */
  readonly latencies: number[] = [];

  constructor(readonly opts: PipelineOptions) {
    this.store = StreamStore.at(opts.dataDir, opts.instance);
    const root = this.store.dir;
    this.archive = opts.archive === false ? null : new AlertArchive(path.join(root, 'archive'), this.store);
    this.parquet = opts.parquet === false ? null : new DetectionParquet(path.join(root, 'parquet'), this.store);
    this.ingestor = new Ingestor(this.store, new AlertDecoder({ skim: true, ...opts.decoder }), {
      matchRadiusArcsec: opts.matchRadiusArcsec,
      cutoutDir: opts.cutouts === false ? undefined : path.join(root, 'cutouts'),
      archive: this.archive ?? undefined,
    });
  }

  /** Finishes what a crash left half done: archive tails, Parquet parts. */
  async recover(): Promise<void> {
    this.archive?.recover();
    await this.parquet?.recover();
  }

  /** Queues the outputs of every following batch for notifications (the outbox must live in this.store.env). */
  useOutbox(outbox: NotifyOutbox): void {
    this.outbox = outbox;
  }

  private emit(stream: string, records: OutRecord[]): void {
    if (records.length === 0) return;
    this.opts.sink.write(stream, records);
    if (stream === 'annotated' && this.notifyStreams && this.notifyStreams.size > 0) {
      for (const r of records) {
        const top = topAnnotation(r.value);
        if (top !== null) this.topByAlert.set(String(r.value.alert_id), top);
      }
    }
    if (this.notifyStreams?.has(stream)) {
      const list = this.toNotify.get(stream);
      if (list) for (const r of records) list.push(r);
      else this.toNotify.set(stream, records.slice());
    }
    this.outputs[stream] = (this.outputs[stream] ?? 0) + records.length;
  }

  async handle(messages: SourceMessage[]): Promise<BatchOutcome> {
    const batchId = this.parquet?.newBatchId() ?? '';
    this.notifyStreams = this.outbox?.subscribedStreams() ?? null;
    const out = await this.ingestor.processBatch(messages, (o) => this.parquet?.markInTxn(batchId, o.newDetections));
    const now = Date.now();
    for (const a of out.ingested) if (a.message.timestamp) this.latencies.push(now - a.message.timestamp);
    if (this.latencies.length > 200_000) this.latencies.splice(0, this.latencies.length - 100_000);
    this.emit('deadletter', out.deadLetters.map((d) => ({ key: `${d.topic}/${d.partition}@${d.offset}`, value: { ...d } })));
    const seen = new Set<number>();
    const objects: OutRecord[] = [];
    for (const a of out.ingested) {
      if ((a.status !== 'new' && !a.republish) || seen.has(a.object.id)) continue;
      seen.add(a.object.id);
      const o = a.object;
      objects.push({ key: String(o.id), value: { object_id: String(o.id), ra: o.ra, dec: o.dec, aliases: o.aliases, surveys: o.surveys, n_detections: o.nDetections, first_mjd: o.firstMjd, last_mjd: o.lastMjd, latest: o.latest } });
    }
    this.emit('objects', objects);
    this.emit('detections', [...out.newDetections, ...out.republished].map((d) => ({ key: d.alertId, value: detectionValue(d) })));
    const nondet: OutRecord[] = [];
    for (const a of out.ingested) {
      if (a.republish ? a.alert.nonDetections.length === 0 : a.status !== 'new' || a.nonDetectionsAdded === 0) continue;
      for (const n of a.alert.nonDetections) {
        nondet.push({ key: `${a.object.id}:${n.mjd}:${n.band}:${n.kind}`, value: { object_id: String(a.object.id), survey: a.alert.survey, mjd: n.mjd, band: n.band, kind: n.kind, limiting_mag: n.limitingMag, flux: n.flux, flux_err: n.fluxErr, alert_id: a.alert.alertId.toString() } });
      }
    }
    this.emit('nondetections', nondet);
    for (const e of this.opts.enrichers ?? []) await e.enrich(out.ingested, { write: (s, r) => this.emit(s, [...r]), flush: async () => {}, close: async () => {} });
    // The batch's outputs into the notification outbox, committed before the
    // batch is marked published: a crash before this commit republishes the
    // batch on restart (queued then), a crash after it finds the records
    // queued (the outbox drops repeated keys). The stage restructure moves
    // this into the batch's own transaction.
    const outbox = this.outbox;
    if (outbox && this.toNotify.size > 0) {
      // A watch-list hit (or any record without annotations) names the alert's
      // closest catalog counterpart in its notification.
      const batch = [...this.toNotify].map(([stream, recs]) => [stream, stream === 'annotated' || this.topByAlert.size === 0 ? recs : recs.map((r) => {
        const top = r.value.annotations === undefined && r.value.top_annotation === undefined ? this.topByAlert.get(String(r.value.alert_id)) : undefined;
        return top === undefined ? r : { key: r.key, value: { ...r.value, top_annotation: top } };
      })] as const);
      this.toNotify.clear();
      await this.store.env.transaction(() => { for (const [stream, recs] of batch) outbox.enqueueInTxn(stream, recs); });
    }
    this.topByAlert.clear();
    await this.opts.sink.flush();
    this.ingestor.markPublished(messages);
    await this.parquet?.write(batchId, out.newDetections);
    return out;
  }

  totals(): RunTotals {
    return { counts: this.store.counts().totals, outputs: { ...this.outputs } };
  }

  async close(): Promise<void> {
    this.ingestor.writePublished();
    await this.parquet?.flush();
    await this.opts.sink.close();
    this.archive?.closeFiles();
    await this.store.close();
  }
}
