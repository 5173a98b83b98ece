// Stage 'watch': every alert of a batch against every watch list of the
// service's LMDB store (DATA/store, the one the /v1/watchlists endpoints
// write), targets and regions, after the stream store committed. A hit is
// recorded in the store's hits (what GET /v1/watchlists/{id}/hits reads) in
// one LMDB transaction of that store, committed before the outputs go, and
// published on the output stream `watchlist-${id}`.
//
// Live changes: the lists are re-read at every batch on a fresh LMDB read
// snapshot, so a list or target added over HTTP by a `skyjoin serve` process
// is checked from the next batch on. A list of up to `snapshotMaxTargets`
// targets that has not changed for `settleBatches` batches is checked against
// an in-memory copy (TargetSnapshot), dropped when the list's stamp changes
// (rev, updatedAt and count are written in the same transaction as the
// targets); a list being edited, and a bigger list, are checked in LMDB by
// WatchlistStore.check(), which caches only LiveCatalog handles (a catalog's
// number never changes) and asks LMDB whether a radius class exists each
// time, so new lists and new radius classes are seen either way.
//
// Replays: a hit is recorded once per (list, alert id, target) whatever the
// replay (an upstream replay gives status 'duplicate'; a stream store lost
// after a crash gives 'new' again): the dedupe index in the store decides
// inside the write transaction. The output record IS re-published on a replay
// (at-least-once), with the same key `${alertId}:${target}` and the values of
// the hit recorded first (same recorded_at, separation, position), so a
// consumer keeps the first record per key and a compacted topic holds one.
// Re-publishing is what lets a replay repair an output lost between the LMDB
// commit and the sink flush. Duplicate alerts are checked too: a target added
// after an alert was first seen gets that alert's hit on a replay (once).

import type { RootDatabase } from 'lmdb';
import type { WatchHitRef } from '../../filters/features.js';
import type { OutRecord } from '../sinks/sink.js';
import type { Batch, BatchAlert, Stage } from '../stage.js';
import { separationArcsec } from '../../sky/vector.js';
import { DEFAULT_PUBLIC_URL, Links } from '../../objects/links.js';
import { hitFields } from '../../watch/hit-fields.js';
import { openStore } from '../../watch/open.js';
import { WatchlistStore, type CheckHit, type HitRecord, type Watchlist, type WatchRegion } from '../../watch/store.js';
import { listStamp, TargetSnapshot } from '../watch/target-snapshot.js';

interface ListCopy {
  stamp: string;
  /** Batches seen with this stamp. */
  seen: number;
  snap: TargetSnapshot | null;
}

export interface WatchOptions {
  /**
   * Lists with at most this many targets are checked in memory once they have
   * settled (a copy costs ~10 us per target to load); larger ones in LMDB,
   * where a change costs nothing to pick up. Default 100,000; 0 checks every
   * list in LMDB.
   */
  snapshotMaxTargets?: number;
  /**
   * Batches a list must stay unchanged before it is copied to memory, so a
   * list edited at every batch is not reloaded at every batch. Default 3.
   */
  settleBatches?: number;
  /** Base of the object and alert URLs in the published hits (default http://127.0.0.1:8080). */
  publicUrl?: string;
}

/** Output stream of a watch list's hits (file OUT/watchlist-ID.jsonl, or that topic). */
export function watchlistStream(id: string): string {
  return `watchlist-${id}`;
}

/** Output key of a hit: `${alertId}:${target}`; region hits `${alertId}:region:${name}` (a region may share a target's name). */
export function hitOutputKey(h: Pick<HitRecord, 'alertId' | 'target' | 'kind'>): string {
  return h.kind === 'region' ? `${h.alertId}:region:${h.target}` : `${h.alertId}:${h.target}`;
}

interface PendingHit {
  wl: Watchlist;
  alert: number;
  hit: HitRecord;
  /** Target position and radius, or the region. */
  targetRa?: number;
  targetDec?: number;
  targetRadiusArcsec?: number;
  region?: WatchRegion;
}

/** Each alert's hits as the filters stage sees them (`watchHitRefs`; a filter sees its owner's lists only). */
function setHitRefs(alerts: readonly BatchAlert[], pending: readonly PendingHit[]): void {
  for (const p of pending) (alerts[p.alert].watchHitRefs ??= []).push({ owner: p.wl.owner, list: p.wl.id, listName: p.wl.name, target: p.hit.target });
}

interface ListCounters {
  name: string;
  hits: number;
  republished: number;
}

export class WatchStage implements Stage {
  readonly name = 'watch';
  private alertsChecked = 0;
  private batches = 0;
  private hitsRecorded = 0;
  private hitsRepublished = 0;
  private regionHits = 0;
  private checkMs = 0;
  private recordMs = 0;
  private listsLastBatch = 0;
  private snapshotLoads = 0;
  private snapshotMs = 0;
  private readonly perList = new Map<string, ListCounters>();
  private readonly snapshots = new Map<string, ListCopy>();
  private readonly snapshotMax: number;
  private readonly settleBatches: number;
  private readonly links: Links;

  /** `ownedEnv`: an environment this stage opened and closes. */
  constructor(readonly store: WatchlistStore, opts: WatchOptions = {}, private ownedEnv?: RootDatabase) {
    this.snapshotMax = opts.snapshotMaxTargets ?? 100_000;
    this.settleBatches = Math.max(1, opts.settleBatches ?? 3);
    this.links = new Links(opts.publicUrl ?? DEFAULT_PUBLIC_URL);
  }

  /** Opens the service's store under a service data folder (`skyjoin serve --data DIR`). */
  static async open(serviceDataDir: string, opts: WatchOptions = {}): Promise<WatchStage> {
    const env = openStore(serviceDataDir);
    return new WatchStage(new WatchlistStore(env), opts, env);
  }

  /** The list's targets within reach of each position: in memory when small, else in LMDB. */
  private checkTargets(wl: Watchlist, ra: Float64Array, dec: Float64Array): CheckHit[] {
    if (wl.targets > this.snapshotMax) {
      this.snapshots.delete(wl.id);
      return this.store.check(wl.id, ra, dec);
    }
    const stamp = listStamp(wl);
    let c = this.snapshots.get(wl.id);
    if (!c || c.stamp !== stamp) this.snapshots.set(wl.id, (c = { stamp, seen: 0, snap: null }));
    c.seen++;
    if (!c.snap && c.seen >= this.settleBatches) {
      const t = performance.now();
      c.snap = TargetSnapshot.load(this.store, wl);
      this.snapshotLoads++;
      this.snapshotMs += performance.now() - t;
    }
    return c.snap ? c.snap.check(ra, dec) : this.store.check(wl.id, ra, dec);
  }

  async afterCommit(batch: Batch): Promise<void> {
    for (const [stream, recs] of await this.checkAlerts(batch.alerts)) batch.emit(stream, recs);
  }

  /** Checks alerts against every list, records their hits; the hit records by output stream. */
  async checkAlerts(alerts: readonly BatchAlert[]): Promise<Map<string, OutRecord[]>> {
    const byStream = new Map<string, OutRecord[]>();
    if (alerts.length === 0) return byStream;
    const t0 = performance.now();
    // A fresh read snapshot: lists and targets committed by other processes
    // (the service) since the last batch are visible now, not on lmdb-js's
    // next timer tick.
    this.store.env.resetReadTxn();
    const lists = this.store.list();
    if (this.snapshots.size > 0) {
      const live = new Set(lists.map((w) => w.id));
      for (const id of this.snapshots.keys()) if (!live.has(id)) this.snapshots.delete(id);
    }
    const n = alerts.length;
    const ra = new Float64Array(n), dec = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ra[i] = alerts[i].alert.ra;
      dec[i] = alerts[i].alert.dec;
    }
    const pending: PendingHit[] = [];
    const recordedAt = new Date().toISOString();
    for (const wl of lists) {
      if (wl.targets > 0) {
        for (const h of this.checkTargets(wl, ra, dec)) {
          pending.push({
            wl, alert: h.position, hit: this.hitOf(wl, alerts[h.position], 'target', h.target, h.sepArcsec, recordedAt),
            targetRa: h.targetRa, targetDec: h.targetDec, targetRadiusArcsec: h.targetRadiusArcsec,
          });
        }
      }
      if (wl.regions.length > 0) {
        for (const r of this.store.checkRegions(wl, ra, dec)) {
          const region = wl.regions.find((x) => x.name === r.region)!;
          const sep = region.kind === 'circle' ? separationArcsec(ra[r.position], dec[r.position], region.ra, region.dec) : null;
          pending.push({ wl, alert: r.position, hit: this.hitOf(wl, alerts[r.position], 'region', r.region, sep, recordedAt), region });
        }
      }
    }
    const t1 = performance.now();
    this.checkMs += t1 - t0;
    this.alertsChecked += n;
    this.batches++;
    this.listsLastBatch = lists.length;
    setHitRefs(alerts, pending);
    if (pending.length === 0) return byStream;

    // Check-and-record in one write transaction, committed (on disk) before we return.
    // A list deleted over HTTP since list() gets no hit (no orphans in the hits store).
    const stored: Array<{ hit: HitRecord; recorded: boolean } | null> = [];
    await this.store.env.transaction(() => {
      const alive = new Map<string, boolean>();
      for (const p of pending) {
        let ok = alive.get(p.wl.id);
        if (ok === undefined) alive.set(p.wl.id, (ok = this.store.get(p.wl.id) !== undefined));
        stored.push(ok ? this.store.recordHitOnceInTxn(p.hit) : null);
      }
    });

    for (let i = 0; i < pending.length; i++) {
      const p = pending[i], s = stored[i];
      if (!s) continue;
      const c = this.counters(p.wl);
      if (s.recorded) {
        c.hits++;
        this.hitsRecorded++;
        if (p.hit.kind === 'region') this.regionHits++;
      } else {
        c.republished++;
        this.hitsRepublished++;
      }
      const stream = watchlistStream(p.wl.id);
      let recs = byStream.get(stream);
      if (!recs) byStream.set(stream, (recs = []));
      recs.push({ key: hitOutputKey(s.hit), value: this.outValue(p, alerts[p.alert], s.hit) });
      const a = alerts[p.alert];
      a.watchHits = (a.watchHits ?? 0) + 1;
    }
    this.recordMs += performance.now() - t1;
    return byStream;
  }

  private hitOf(wl: Watchlist, a: BatchAlert, kind: 'target' | 'region', target: string, sepArcsec: number | null, recordedAt: string): HitRecord {
    return {
      watchlist: wl.id, target, kind, alertId: a.alert.alertId.toString(), objectId: String(a.object.id),
      sepArcsec, ra: a.alert.ra, dec: a.alert.dec, mjd: a.alert.mjd, recordedAt, survey: a.alert.survey,
      band: a.alert.band, mag: a.alert.mag, magErr: a.alert.magErr,
    };
  }

  /** The published record: ids as strings, hit fields from the hit as first recorded. */
  private outValue(p: PendingHit, a: BatchAlert, h: HitRecord): Record<string, unknown> {
    const v: Record<string, unknown> = {
      ...hitFields(h),
      watchlist_name: p.wl.name,
      survey_object_id: a.alert.surveyObjectId,
      band: a.alert.band,
      mag: a.alert.mag ?? null,
      object_url: this.links.object(h.objectId),
      alert_url: this.links.alert(h.alertId),
    };
    if (p.region) {
      v.region = p.region.name;
      v.region_kind = p.region.kind;
      if (p.region.kind === 'circle') {
        v.region_ra = p.region.ra;
        v.region_dec = p.region.dec;
        v.region_radius_arcsec = p.region.radiusArcsec;
      } else {
        v.region_order = p.region.order;
      }
    } else {
      v.target_ra = p.targetRa;
      v.target_dec = p.targetDec;
      v.target_radius_arcsec = p.targetRadiusArcsec;
    }
    return v;
  }

  private counters(wl: Watchlist): ListCounters {
    let c = this.perList.get(wl.id);
    if (!c) this.perList.set(wl.id, (c = { name: wl.name, hits: 0, republished: 0 }));
    c.name = wl.name;
    return c;
  }

  /** Counters for the night report. */
  report(): Record<string, unknown> {
    return {
      alertsChecked: this.alertsChecked,
      batches: this.batches,
      watchlists: this.listsLastBatch,
      hitsRecorded: this.hitsRecorded,
      regionHits: this.regionHits,
      hitsRepublished: this.hitsRepublished,
      hitsByWatchlist: Object.fromEntries([...this.perList].map(([id, c]) => [id, { ...c }])),
      snapshotLoads: this.snapshotLoads,
      snapshotMs: Math.round(this.snapshotMs * 1000) / 1000,
      checkMs: Math.round(this.checkMs * 1000) / 1000,
      recordMs: Math.round(this.recordMs * 1000) / 1000,
      totalMs: Math.round((this.checkMs + this.recordMs) * 1000) / 1000,
    };
  }

  /** Closes the store's environment when this stage opened it (once). */
  async close(): Promise<void> {
    const env = this.ownedEnv;
    this.ownedEnv = undefined;
    await env?.close();
  }
}
