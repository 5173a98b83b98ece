// One batch of messages through decode, object matching, candidate history,
// archive and cutouts, committed in one LMDB transaction together with how
// far each source partition has been read. A message at or below that mark
// is skipped entirely, so a crash-and-replay leaves the stores and their
// counts exactly as an uninterrupted run; an upstream replay of alerts under
// new offsets is recognised by alert id and changes nothing but
// duplicatesSkipped.
//
// Merge rules (README): detections are keyed by alert id; a detection first
// seen in a later alert's history ('history') is completed, never duplicated,
// when its own alert arrives ('alert'). Non-detections are keyed by (object,
// MJD, band, kind) and written once. Objects: the survey's own id (alias)
// decides first; otherwise the nearest known object within the matching
// radius; otherwise a new object. Object statistics count each stored
// detection once.

import { AlertArchive } from './archive.js';
import { writeCutouts } from './cutouts.js';
import { validateAlert, type Alert, type Detection } from './decoding/alert.js';
import type { AlertDecoder } from './decoding/decoder.js';
import { DecodeError } from './decoding/errors.js';
import { KeyList, KeySet } from './key-set.js';
import { zeroCounts, type Counts, type DetectionRecord, type ObjectRecord, type StreamStore } from './store.js';

export interface SourceMessage {
  /** Where the message came from: a Kafka topic, or 'file'. */
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

export interface IngestedAlert {
  alert: Alert;
  object: ObjectRecord;
  status: 'new' | 'duplicate';
  detectionsAdded: number;
  nonDetectionsAdded: number;
  cutouts?: Record<string, string>;
  message: SourceMessage;
  /**
   * Stored by an earlier run that may have died before publishing its
   * outputs (between the store commit and the sink flush): nothing is stored
   * again, but every output of the alert is produced again, with the same keys.
   */
  republish?: boolean;
}

export interface BatchOutcome {
  ingested: IngestedAlert[];
  deadLetters: DeadLetter[];
  /** Messages skipped because they were already committed (below the progress mark). */
  alreadyDone: number;
  counts: Record<string, Counts>;
  /** New detections by night, for the Parquet tables. */
  newDetections: DetectionRecord[];
  /** Stored detections of republished alerts (their outputs go out again). */
  republished: DetectionRecord[];
}

export interface IngestOptions {
  /** Object matching radius, arcsec (default 1.5). */
  matchRadiusArcsec?: number;
  /** Where cutout files go; none written when absent. */
  cutoutDir?: string;
  archive?: AlertArchive;
}

const DEG = Math.PI / 180;

function vec(ra: number, dec: number): [number, number, number] {
  const c = Math.cos(dec * DEG);
  return [c * Math.cos(ra * DEG), c * Math.sin(ra * DEG), Math.sin(dec * DEG)];
}

function meanRaDec(o: ObjectRecord): [number, number] {
  const n = Math.hypot(o.sx, o.sy, o.sz);
  if (!(n > 0)) return [o.ra, o.dec];
  let ra = Math.atan2(o.sy, o.sx) / DEG;
  if (ra < 0) ra += 360;
  if (ra >= 360) ra = 0;
  return [ra, Math.max(-90, Math.min(90, Math.asin(Math.max(-1, Math.min(1, o.sz / n))) / DEG))];
}

// Cache keys as four int32 lanes (see key-set.ts). Scratch views, so that
// building a key allocates nothing.
const scratch = new ArrayBuffer(8);
const scratchBig = new BigInt64Array(scratch);
const scratchF64 = new Float64Array(scratch);
const scratchI32 = new Int32Array(scratch);
const DETECTION_TAG = 1;
const NONDET_TAG = 2 << 28;

export class Ingestor {
  private readonly radius: number;

  // Positive caches of stored detection ids and non-detection keys: every
  // alert repeats ~30 history entries and ~12 limits that earlier alerts
  // brought, and a lookup in memory is far cheaper than an LMDB existence
  // check. The keys sit in typed arrays (key-set.ts), out of the GC's way.
  // Only committed keys enter (merged after the transaction returns), and
  // nothing is ever deleted from those tables, so a hit is always true; a
  // miss falls through to LMDB (another process may have written the key).
  private static readonly CACHE_LIMIT = 2_000_000;
  private readonly knownDetections = new KeySet(Ingestor.CACHE_LIMIT);
  private readonly knownNonDetections = new KeySet(Ingestor.CACHE_LIMIT);
  private readonly pendingDetections = new KeyList();
  private readonly pendingNonDetections = new KeyList();
  // Band names as small numbers for non-detection keys, and the key being built.
  private readonly bandCodes = new Map<string, number>();
  private readonly ndKey = new Int32Array(4);

  constructor(private readonly store: StreamStore, private readonly decoder: AlertDecoder, private readonly opts: IngestOptions = {}) {
    this.radius = opts.matchRadiusArcsec ?? 1.5;
  }

  private progressKey(m: SourceMessage): string[] {
    return ['offset', m.topic, String(m.partition)];
  }

  /** The last committed offset of a source partition (-1 when none). */
  committedOffset(topic: string, partition: number): bigint {
    const v = this.store.progress.get(['offset', topic, String(partition)]) as string | undefined;
    return v === undefined ? -1n : BigInt(v);
  }

  /**
   * Ingests a batch. `inTxn`, when given, runs at the end of the ingest
   * transaction (to write more records atomically with the batch).
   */
  async processBatch(messages: readonly SourceMessage[], inTxn?: (o: BatchOutcome) => void): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { ingested: [], deadLetters: [], alreadyDone: 0, counts: {}, newDetections: [], republished: [] };
    const count = (night: string, c: keyof Counts, by = 1) => {
      const k = night || 'unknown';
      (outcome.counts[k] ??= zeroCounts())[c] += by;
    };
    // Decode outside the transaction (it is CPU work, not store work).
    const todo: Array<{ m: SourceMessage; decoded: Awaited<ReturnType<AlertDecoder['decodeWithRaw']>> | null; error?: DeadLetter }> = [];
    // One progress read per source partition and batch, not per message.
    const marks = new Map<string, bigint>();
    for (const m of messages) {
      const pk = `${m.partition}\u0000${m.topic}`;
      let mark = marks.get(pk);
      if (mark === undefined) marks.set(pk, (mark = this.committedOffset(m.topic, m.partition)));
      if (m.offset <= mark) {
        outcome.alreadyDone++;
        if (m.offset > this.publishedOffset(m.topic, m.partition)) await this.republish(m, outcome);
        continue;
      }
      try {
        todo.push({ m, decoded: await this.decoder.decodeWithRaw(m.value) });
      } catch (err) {
        const reason = err instanceof DecodeError ? err.reason : 'bad-record';
        todo.push({ m, decoded: null, error: this.deadLetter(m, reason, (err as Error).message) });
      }
    }
    if (todo.length === 0) return outcome;

    this.pendingDetections.clear();
    this.pendingNonDetections.clear();
    this.store.env.transactionSync(() => {
      const archive = new Map<string, { survey: string; night: string; schema: string; partition: number; raws: Uint8Array[] }>();
      const progress = new Map<string, bigint>();
      for (const t of todo) {
        const key = this.progressKey(t.m).join('\u0000');
        if (!progress.has(key) || t.m.offset > progress.get(key)!) progress.set(key, t.m.offset);
        if (!t.decoded) {
          count('unknown', 'received');
          count('unknown', 'deadLettered');
          outcome.deadLetters.push(t.error!);
          continue;
        }
        for (const d of t.decoded) {
          const a = d.alert;
          count(a.night, 'received');
          const invalid = validateAlert(a);
          if (invalid) {
            count(a.night, 'deadLettered');
            outcome.deadLetters.push(this.deadLetter(t.m, 'invalid-alert', `alert ${a.alertId}: ${invalid}`, d.raw));
            continue;
          }
          count(a.night, 'decoded');
          const r = this.ingestAlert(a, t.m, outcome);
          count(a.night, r.status === 'duplicate' ? 'duplicatesSkipped' : 'detections', r.status === 'duplicate' ? 1 : 0);
          if (r.status === 'new') {
            count(a.night, 'detections', r.detectionsAdded - 0);
            count(a.night, 'nonDetections', r.nonDetectionsAdded);
            if (r.objectCreated) count(a.night, 'objects');
            if (this.opts.archive) {
              const k = `${a.survey}\u0000${a.night}\u0000${this.schemaId(d.schemaText)}\u0000${t.m.partition}`;
              const g = archive.get(k) ?? { survey: a.survey, night: a.night, schema: d.schemaText, partition: t.m.partition, raws: [] };
              g.raws.push(d.raw);
              archive.set(k, g);
            }
          }
          outcome.ingested.push(r.ingested);
        }
      }
      for (const g of archive.values()) this.opts.archive!.appendInTxn(g.survey, g.night, g.schema, g.partition, g.raws);
      for (const [k, off] of progress) this.store.progress.put(k.split('\u0000'), off.toString());
      this.writePublishedInTxn();
      for (const [night, c] of Object.entries(outcome.counts)) this.store.addCountsInTxn(night, c);
      inTxn?.(outcome);
    });
    this.unwrittenPublished.clear(); // written by that transaction
    this.pendingDetections.drainInto(this.knownDetections);
    this.pendingNonDetections.drainInto(this.knownNonDetections);
    return outcome;
  }

  // A small number per writer schema, for grouping keys: the ~15 kB schema
  // text itself in a key would be copied and hashed for every alert.
  private readonly schemaIds = new Map<string, number>();
  private schemaId(text: string): number {
    let id = this.schemaIds.get(text);
    if (id === undefined) this.schemaIds.set(text, (id = this.schemaIds.size));
    return id;
  }

  /**
   * A non-detection's cache key: lanes (object, mjd low, mjd high, tag|band|kind)
   * into `out`; false when it does not fit (then it is simply not cached).
   */
  private nonDetectionKey(objectId: number, mjd: number, band: string, kind: string, out: Int32Array): boolean {
    let code = this.bandCodes.get(band);
    if (code === undefined) {
      if (this.bandCodes.size >= 1 << 20) return false;
      this.bandCodes.set(band, (code = this.bandCodes.size));
    }
    if (!(objectId >= 0 && objectId <= 0x7fffffff)) return false;
    scratchF64[0] = mjd;
    out[0] = objectId; out[1] = scratchI32[0]; out[2] = scratchI32[1];
    out[3] = NONDET_TAG | (code << 1) | (kind === 'forced' ? 1 : 0);
    return true;
  }

  // Published marks not yet written: they ride in the next ingest transaction
  // (or writePublished at close) instead of a commit and fsync of their own
  // per batch. Losing them to a crash only means republishing the last
  // batch's outputs, which consumers recognise as repeats.
  private readonly unwrittenPublished = new Map<string, { topic: string; partition: number; offset: bigint }>();

  /** How far a source partition's outputs are known to be published (-1 when none). */
  publishedOffset(topic: string, partition: number): bigint {
    const pending = this.unwrittenPublished.get(`${topic}\u0000${partition}`);
    if (pending) return pending.offset;
    const v = this.store.progress.get(['published', topic, String(partition)]) as string | undefined;
    return v === undefined ? -1n : BigInt(v);
  }

  /** Records that the outputs of these messages are durable (after the sink's flush). */
  markPublished(messages: readonly SourceMessage[]): void {
    for (const m of messages) {
      const k = `${m.topic}\u0000${m.partition}`;
      const cur = this.unwrittenPublished.get(k);
      if (!cur || m.offset > cur.offset) this.unwrittenPublished.set(k, { topic: m.topic, partition: m.partition, offset: m.offset });
    }
  }

  /** Writes the published marks held in memory (inside a write transaction). */
  private writePublishedInTxn(): void {
    for (const p of this.unwrittenPublished.values()) this.store.progress.put(['published', p.topic, String(p.partition)], p.offset.toString());
  }

  /** Writes the published marks held in memory in a transaction of their own (at close). */
  writePublished(): void {
    if (this.unwrittenPublished.size === 0) return;
    this.store.env.transactionSync(() => this.writePublishedInTxn());
    this.unwrittenPublished.clear();
  }

  /** Outputs of an already stored message again, from the stores; nothing is written or counted. */
  private async republish(m: SourceMessage, outcome: BatchOutcome): Promise<void> {
    let decoded: Awaited<ReturnType<AlertDecoder['decodeWithRaw']>>;
    try {
      decoded = await this.decoder.decodeWithRaw(m.value);
    } catch (err) {
      outcome.deadLetters.push(this.deadLetter(m, err instanceof DecodeError ? err.reason : 'bad-record', (err as Error).message));
      return;
    }
    const s = this.store;
    for (const d of decoded) {
      const a = d.alert;
      const invalid = validateAlert(a);
      const stored = invalid ? undefined : s.detections.get(a.alertId.toString());
      const object = stored && s.objects.get(stored.objectId)?.data;
      if (!stored || !object) {
        outcome.deadLetters.push(this.deadLetter(m, 'invalid-alert', `alert ${a.alertId}: ${invalid ?? 'not stored'}`, d.raw));
        continue;
      }
      outcome.republished.push(stored);
      for (const p of a.prvDetections) {
        const h = p.alertId > 0n ? s.detections.get(p.alertId.toString()) : undefined;
        if (h) outcome.republished.push(h);
      }
      outcome.ingested.push({ alert: a, object, status: 'duplicate', detectionsAdded: 0, nonDetectionsAdded: 0, cutouts: stored.cutouts, message: m, republish: true });
    }
  }

  private deadLetter(m: SourceMessage, reason: string, message: string, value?: Uint8Array): DeadLetter {
    const v = value ?? m.value;
    return {
      origin: m.origin, topic: m.topic, partition: m.partition, offset: m.offset.toString(), reason, message,
      value: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'), at: new Date().toISOString(),
    };
  }

  /** Object matching and history for one alert; inside the ingest transaction. */
  private ingestAlert(a: Alert, m: SourceMessage, outcome: BatchOutcome): { status: 'new' | 'duplicate'; detectionsAdded: number; nonDetectionsAdded: number; objectCreated: boolean; ingested: IngestedAlert } {
    const s = this.store;
    const key = a.alertId.toString();
    const existing = s.detections.get(key);
    const alias = `${a.survey}:${a.surveyObjectId}`;
    if (existing && existing.from === 'alert') {
      const object = s.objects.get(existing.objectId)!.data;
      return { status: 'duplicate', detectionsAdded: 0, nonDetectionsAdded: 0, objectCreated: false, ingested: { alert: a, object, status: 'duplicate', detectionsAdded: 0, nonDetectionsAdded: 0, cutouts: existing.cutouts, message: m } };
    }
    // Which object: the survey's id first, then the nearest within the radius, else a new one.
    let objectId = existing?.objectId ?? s.aliases.get(alias);
    if (objectId === undefined) {
      const near = s.objects.cone(a.ra, a.dec, this.radius);
      if (near.length) objectId = near[0].id;
    }
    let objectCreated = false;
    let obj: ObjectRecord;
    if (objectId === undefined) {
      objectId = s.objects.nextIdInTxn();
      objectCreated = true;
      obj = { id: objectId, aliases: [], nDetections: 0, firstMjd: a.mjd, lastMjd: a.mjd, sx: 0, sy: 0, sz: 0, ra: a.ra, dec: a.dec, latest: {}, surveys: [] };
    } else {
      obj = s.objects.get(objectId)!.data;
    }
    if (!obj.aliases.includes(alias)) {
      obj.aliases.push(alias);
      s.aliases.put(alias, objectId);
    }
    if (!obj.surveys.includes(a.survey)) obj.surveys.push(a.survey);
    let detectionsAdded = 0;
    const addDetection = (d: Detection, from: 'alert' | 'history', cutouts?: Record<string, string>): void => {
      // The id's two int32 halves are its cache key (ids are Avro longs: exact in 64 bits).
      scratchBig[0] = d.alertId;
      const lo = scratchI32[0], hi = scratchI32[1];
      // History entries mostly repeat what earlier alerts brought: a cache hit
      // needs no LMDB key at all, and an existence check skips decoding the stored record.
      if (from === 'history' && this.knownDetections.has(lo, hi, 0, DETECTION_TAG)) return;
      const k = d.alertId.toString();
      if (from === 'history' && s.detections.doesExist(k)) { this.pendingDetections.push(lo, hi, 0, DETECTION_TAG); return; }
      const old = from === 'history' ? undefined : s.detections.get(k);
      if (old && old.from === 'alert') return;
      const rec: DetectionRecord = {
        alertId: k, objectId: obj.id, survey: a.survey, mjd: d.mjd, night: a.night, band: d.band, ra: d.ra, dec: d.dec,
        mag: d.mag, magErr: d.magErr, flux: d.flux, fluxErr: d.fluxErr, isDiffPos: d.isDiffPos, from, cutouts,
      };
      s.detections.put(k, rec);
      if (!old) s.detectionsByObject.put([obj.id, k], 1);
      this.pendingDetections.push(lo, hi, 0, DETECTION_TAG);
      if (old) return; // a history detection completed by its own alert: not a new detection
      detectionsAdded++;
      outcome.newDetections.push(rec);
      obj.nDetections++;
      if (Number.isFinite(d.ra) && Number.isFinite(d.dec)) {
        const [x, y, z] = vec(d.ra, d.dec);
        obj.sx += x; obj.sy += y; obj.sz += z;
      }
      if (d.mjd < obj.firstMjd) obj.firstMjd = d.mjd;
      if (d.mjd > obj.lastMjd) obj.lastMjd = d.mjd;
      if (d.mag !== undefined && Number.isFinite(d.mag) && (!obj.latest[d.band] || d.mjd >= obj.latest[d.band][1])) obj.latest[d.band] = [d.mag, d.mjd];
    };
    const cutouts = this.opts.cutoutDir ? writeCutouts(this.opts.cutoutDir, a) : undefined;
    addDetection({ alertId: a.alertId, mjd: a.mjd, band: a.band, ra: a.ra, dec: a.dec, mag: a.mag, magErr: a.magErr, flux: a.flux, fluxErr: a.fluxErr, isDiffPos: a.isDiffPos }, 'alert', cutouts);
    for (const p of a.prvDetections) if (p.alertId > 0n) addDetection(p, 'history');
    let nonDetectionsAdded = 0;
    let fresh: Set<string> | undefined;
    const nk = this.ndKey;
    for (const n of a.nonDetections) {
      if (!Number.isFinite(n.mjd)) continue;
      const cached = this.nonDetectionKey(obj.id, n.mjd, n.band, n.kind, nk);
      if (cached && this.knownNonDetections.has(nk[0], nk[1], nk[2], nk[3])) continue;
      const k = [obj.id, n.mjd, n.band, n.kind];
      if (cached) this.pendingNonDetections.push(nk[0], nk[1], nk[2], nk[3]);
      // Keys start with the object id: an object made by this alert has none
      // stored yet, and repeats within the alert are caught by 'fresh'.
      if (objectCreated) {
        const ck = `${n.mjd}|${n.band}|${n.kind}`;
        if ((fresh ??= new Set()).has(ck)) continue;
        fresh.add(ck);
      } else if (s.nondet.doesExist(k)) continue;
      s.nondet.put(k, { objectId: obj.id, survey: a.survey, mjd: n.mjd, band: n.band, kind: n.kind, limitingMag: n.limitingMag, flux: n.flux, fluxErr: n.fluxErr });
      nonDetectionsAdded++;
    }
    [obj.ra, obj.dec] = meanRaDec(obj);
    s.objects.upsertInTxn({ id: obj.id, ra: obj.ra, dec: obj.dec, data: obj });
    return {
      status: 'new', detectionsAdded, nonDetectionsAdded, objectCreated,
      ingested: { alert: a, object: obj, status: 'new', detectionsAdded, nonDetectionsAdded, cutouts, message: m },
    };
  }
}
