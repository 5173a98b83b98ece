// Stage 'history': what an alert adds to its object's light curve, written
// once. Detections are keyed by alert id; a detection first seen in a later
// alert's history ('history') is completed, never duplicated, when its own
// alert arrives ('alert'). Non-detections (upper limits, forced photometry)
// are keyed by (object, MJD, band, kind) and written once. The object's
// statistics (detections, first/last MJD, mean position, latest magnitude per
// band) count each stored detection once; the object record is written here,
// alert by alert, with its new mean position. Each new detection is also
// indexed by object ('detections.byObject': key [objectId, alertId], so a
// light curve is one key range). Publishes 'detections' (cutouts and object
// as URLs of `skyjoin serve`) and 'nondetections'.

import type { Detection } from '../decoding/alert.js';
import { KeyList, KeySet } from '../key-set.js';
import { DEFAULT_PUBLIC_URL, Links } from '../../objects/links.js';
import type { OutRecord } from '../sinks/sink.js';
import type { Batch, BatchAlert, Stage, StageTxn } from '../stage.js';
import type { DetectionRecord, ObjectRecord, StreamStore } from '../store.js';

/**
 * A stored detection as the 'detections' output stream carries it (snake_case,
 * ids as strings, cutouts as absolute URLs of `skyjoin serve`).
 */
export function detectionValue(d: DetectionRecord, links: Links = new Links(DEFAULT_PUBLIC_URL)): Record<string, unknown> {
  return {
    alert_id: d.alertId, object_id: String(d.objectId), survey: d.survey, mjd: d.mjd, night: d.night, band: d.band, ra: d.ra, dec: d.dec,
    mag: d.mag, mag_err: d.magErr, flux: d.flux, flux_err: d.fluxErr, is_diff_pos: d.isDiffPos, from: d.from,
    cutouts: links.cutouts(d.alertId, d.cutouts), object_url: links.object(d.objectId),
  };
}

const DEG = Math.PI / 180;

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

export class HistoryStage implements Stage {
  readonly name = 'history';

  // Positive caches of stored detection ids and non-detection keys: every
  // alert repeats ~30 history entries and ~12 limits that earlier alerts
  // brought, and a lookup in memory is far cheaper than an LMDB existence
  // check. The keys sit in typed arrays (key-set.ts), out of the GC's way.
  // Only committed keys enter (merged after the transaction commits), and
  // nothing is ever deleted from those tables, so a hit is always true; a
  // miss falls through to LMDB (another process may have written the key).
  private static readonly CACHE_LIMIT = 2_000_000;
  private readonly knownDetections = new KeySet(HistoryStage.CACHE_LIMIT);
  private readonly knownNonDetections = new KeySet(HistoryStage.CACHE_LIMIT);
  private readonly pendingDetections = new KeyList();
  private readonly pendingNonDetections = new KeyList();
  // Band names as small numbers for non-detection keys, and the key being built.
  private readonly bandCodes = new Map<string, number>();
  private readonly ndKey = new Int32Array(4);

  /** `links`: the URLs the 'detections' records carry (default: where `skyjoin serve` listens by default). */
  constructor(private readonly store: StreamStore, private readonly links = new Links(DEFAULT_PUBLIC_URL)) {}

  /** Replayed alerts: their stored detections, alert and history, go out again. */
  prepare(batch: Batch): void {
    this.pendingDetections.clear();
    this.pendingNonDetections.clear();
    const s = this.store;
    for (const a of batch.alerts) {
      if (!a.republish) continue;
      batch.republished.push(a.storedDetection!);
      for (const p of a.alert.prvDetections) {
        const h = p.alertId > 0n ? s.detections.get(p.alertId.toString()) : undefined;
        if (h) batch.republished.push(h);
      }
    }
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

  alertInTxn(a: BatchAlert, batch: Batch, { store: s }: StageTxn): void {
    if (a.status !== 'new') return;
    const al = a.alert;
    const obj = a.object;
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
      // The alert's own detection: the objects stage read what was stored under its id.
      const old = from === 'history' ? undefined : a.storedDetection;
      if (old && old.from === 'alert') return;
      const rec: DetectionRecord = {
        alertId: k, objectId: obj.id, survey: al.survey, mjd: d.mjd, night: al.night, band: d.band, ra: d.ra, dec: d.dec,
        mag: d.mag, magErr: d.magErr, flux: d.flux, fluxErr: d.fluxErr, isDiffPos: d.isDiffPos, from, cutouts,
      };
      s.detections.put(k, rec);
      if (!old) s.detectionsByObject.put([obj.id, k], 1);
      this.pendingDetections.push(lo, hi, 0, DETECTION_TAG);
      if (old) return; // a history detection completed by its own alert: not a new detection
      detectionsAdded++;
      batch.newDetections.push(rec);
      obj.nDetections++;
      if (Number.isFinite(d.ra) && Number.isFinite(d.dec)) {
        const c = Math.cos(d.dec * DEG);
        obj.sx += c * Math.cos(d.ra * DEG); obj.sy += c * Math.sin(d.ra * DEG); obj.sz += Math.sin(d.dec * DEG);
      }
      if (d.mjd < obj.firstMjd) obj.firstMjd = d.mjd;
      if (d.mjd > obj.lastMjd) obj.lastMjd = d.mjd;
      if (d.mag !== undefined && Number.isFinite(d.mag) && (!obj.latest[d.band] || d.mjd >= obj.latest[d.band][1])) obj.latest[d.band] = [d.mag, d.mjd];
    };
    addDetection({ alertId: al.alertId, mjd: al.mjd, band: al.band, ra: al.ra, dec: al.dec, mag: al.mag, magErr: al.magErr, flux: al.flux, fluxErr: al.fluxErr, isDiffPos: al.isDiffPos }, 'alert', a.cutouts);
    for (const p of al.prvDetections) if (p.alertId > 0n) addDetection(p, 'history');
    let nonDetectionsAdded = 0;
    let fresh: Set<string> | undefined;
    const nk = this.ndKey;
    for (const n of al.nonDetections) {
      if (!Number.isFinite(n.mjd)) continue;
      const cached = this.nonDetectionKey(obj.id, n.mjd, n.band, n.kind, nk);
      if (cached && this.knownNonDetections.has(nk[0], nk[1], nk[2], nk[3])) continue;
      const k = [obj.id, n.mjd, n.band, n.kind];
      if (cached) this.pendingNonDetections.push(nk[0], nk[1], nk[2], nk[3]);
      // Keys start with the object id: an object made by this alert has none
      // stored yet, and repeats within the alert are caught by 'fresh'.
      if (a.objectCreated) {
        const ck = `${n.mjd}|${n.band}|${n.kind}`;
        if ((fresh ??= new Set()).has(ck)) continue;
        fresh.add(ck);
      } else if (s.nondet.doesExist(k)) continue;
      s.nondet.put(k, { objectId: obj.id, survey: al.survey, mjd: n.mjd, band: n.band, kind: n.kind, limitingMag: n.limitingMag, flux: n.flux, fluxErr: n.fluxErr });
      nonDetectionsAdded++;
    }
    [obj.ra, obj.dec] = meanRaDec(obj);
    s.objects.upsertInTxn({ id: obj.id, ra: obj.ra, dec: obj.dec, data: obj });
    a.detectionsAdded = detectionsAdded;
    a.nonDetectionsAdded = nonDetectionsAdded;
    batch.count(al.night, 'detections', detectionsAdded);
    batch.count(al.night, 'nonDetections', nonDetectionsAdded);
  }

  afterCommit(batch: Batch): void {
    // Committed: these keys may now answer from memory.
    this.pendingDetections.drainInto(this.knownDetections);
    this.pendingNonDetections.drainInto(this.knownNonDetections);
    batch.emit('detections', [...batch.newDetections, ...batch.republished].map((d) => ({ key: d.alertId, value: detectionValue(d, this.links) })));
    const nondet: OutRecord[] = [];
    for (const a of batch.alerts) {
      if (a.republish ? a.alert.nonDetections.length === 0 : a.status !== 'new' || a.nonDetectionsAdded === 0) continue;
      for (const n of a.alert.nonDetections) {
        nondet.push({ key: `${a.object.id}:${n.mjd}:${n.band}:${n.kind}`, value: { object_id: String(a.object.id), survey: a.alert.survey, mjd: n.mjd, band: n.band, kind: n.kind, limiting_mag: n.limitingMag, flux: n.flux, flux_err: n.fluxErr, alert_id: a.alert.alertId.toString() } });
      }
    }
    batch.emit('nondetections', nondet);
  }
}
