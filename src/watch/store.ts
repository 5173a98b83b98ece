// Watch lists: named sets of sky targets, each with its own radius, owned by
// an API key, kept in LMDB so that the service writes them and the alert
// stream reads them (a target added over HTTP is live for the next alert).
//
// Targets live in LMDB live catalogs, one per radius class (powers of two of
// 0.01 arcsec): a check crossmatches the positions against each class with
// that class's largest radius, then keeps the pairs within each target's own
// radius. So a check is a crossmatch, never a loop over targets, and a list
// mixing 0.1" and 1 deg targets does not search every position at 1 deg.

import { randomBytes } from 'node:crypto';
import type { Database, Key, RootDatabase } from 'lmdb';
import { LiveCatalog } from '../catalog/live.js';
import { ang2pixNest } from '../healpix/api.js';
import { chord2FromArcsec } from '../sky/vector.js';
import type { IndexScheme } from '../match/scheme.js';

export const MIN_TARGET_RADIUS_ARCSEC = 0.01;
export const MAX_TARGET_RADIUS_ARCSEC = 3600;
const CLASSES = Math.ceil(Math.log2(MAX_TARGET_RADIUS_ARCSEC / MIN_TARGET_RADIUS_ARCSEC)) + 1;

export interface Watchlist {
  id: string;
  owner: string;
  name: string;
  defaultRadiusArcsec: number;
  description?: string;
  createdAt: string;
  updatedAt: string;
  targets: number;
  /**
   * Bumped by every change of the list, its targets or regions (in the same
   * transaction), so a reader can tell cheaply that its copy is stale.
   * Absent on lists written before it existed.
   */
  rev?: number;
  /** Regions reported when an alert falls inside (issue: watch areas). */
  regions: WatchRegion[];
}

export type WatchRegion =
  | { kind: 'circle'; name: string; ra: number; dec: number; radiusArcsec: number }
  | { kind: 'moc'; name: string; order: number; ranges: Array<[number, number]> };

export interface TargetInput {
  name: string;
  ra: number;
  dec: number;
  radiusArcsec?: number;
  [extra: string]: unknown;
}

export interface Target {
  name: string;
  ra: number;
  dec: number;
  radiusArcsec: number;
}

export interface CheckHit {
  /** Index of the position in the checked arrays. */
  position: number;
  target: string;
  sepArcsec: number;
  targetRa: number;
  targetDec: number;
  targetRadiusArcsec: number;
}

export interface HitRecord {
  watchlist: string;
  /** Target name, or region name when kind is 'region'. */
  target: string;
  /** A hit on a target (default when absent) or inside a watch region. */
  kind?: 'target' | 'region';
  alertId: string;
  objectId: string;
  /** Separation from the target (or circle region centre), arcsec; null for a MOC region. */
  sepArcsec: number | null;
  ra: number;
  dec: number;
  /** Observation time (MJD) of the alert, and when the hit was recorded (ISO). */
  mjd: number;
  recordedAt: string;
  survey?: string;
  /** The alert's detection: band and magnitude (absent in hits recorded before they were kept). */
  band?: string;
  mag?: number;
  magErr?: number;
}

interface TargetRow {
  name: string;
  radiusArcsec: number;
}

/** Radius class of a target: class k holds radii in (0.01 * 2^(k-1), 0.01 * 2^k]. */
export function radiusClass(radiusArcsec: number): number {
  return Math.max(0, Math.min(CLASSES - 1, Math.ceil(Math.log2(radiusArcsec / MIN_TARGET_RADIUS_ARCSEC) - 1e-12)));
}

function classRadius(k: number): number {
  return MIN_TARGET_RADIUS_ARCSEC * 2 ** k;
}

/** Zones tall enough that a class's cone touches a couple of zones at most. */
function classScheme(k: number): IndexScheme {
  return { kind: 'zones', zoneHeightDeg: Math.max(0.05, Math.min(10, (4 * classRadius(k)) / 3600)) };
}

/** MOC ranges sorted by start, so a check can binary-search them. */
function normalizeRegions(rs: WatchRegion[]): WatchRegion[] {
  return rs.map((r) => (r.kind === 'moc' ? { ...r, ranges: r.ranges.map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]).sort((p, q) => p[0] - q[0]) } : r));
}

/** Key of a hit in wl.hits: time-ordered per list; region hits get a fifth part so a region never overwrites a target of the same name. */
function hitKey(h: HitRecord, recordedAt: string): Key {
  return h.kind === 'region' ? [h.watchlist, recordedAt, h.alertId, h.target, 'region'] : [h.watchlist, recordedAt, h.alertId, h.target];
}

export class WatchlistStore {
  private readonly lists: Database<Watchlist, string>;
  /** [list id, target name] -> [class, row id] */
  private readonly names: Database<[number, number], Key>;
  private readonly hits: Database<HitRecord, Key>;
  /** Dedupe index: [list id, alert id, target(, 'region')] -> recordedAt of the one hit recorded. */
  private readonly hitKeys: Database<string, Key>;
  private readonly live = new Map<string, LiveCatalog<TargetRow>>();

  constructor(readonly env: RootDatabase) {
    this.lists = env.openDB<Watchlist, string>('wl.lists', {});
    this.names = env.openDB<[number, number], Key>('wl.names', {});
    this.hits = env.openDB<HitRecord, Key>('wl.hits', {});
    this.hitKeys = env.openDB<string, Key>('wl.hitkeys', {});
  }

  private catalog(id: string, k: number): LiveCatalog<TargetRow> {
    const name = `wl:${id}:${k}`;
    let c = this.live.get(name);
    if (!c) {
      c = LiveCatalog.open<TargetRow>(this.env, name, { scheme: classScheme(k) });
      this.live.set(name, c);
    }
    return c;
  }

  private hasCatalog(id: string, k: number): boolean {
    return this.live.has(`wl:${id}:${k}`) || LiveCatalog.exists(this.env, `wl:${id}:${k}`);
  }

  list(owner?: string): Watchlist[] {
    const out: Watchlist[] = [];
    for (const { value } of this.lists.getRange({})) if (!owner || value.owner === owner) out.push(value);
    return out;
  }

  get(id: string): Watchlist | undefined {
    return this.lists.get(id);
  }

  async create(owner: string, o: { name: string; defaultRadiusArcsec: number; description?: string; regions?: WatchRegion[] }): Promise<Watchlist> {
    const now = new Date().toISOString();
    const wl: Watchlist = {
      id: `wl_${randomBytes(9).toString('base64url')}`,
      owner, name: o.name, defaultRadiusArcsec: o.defaultRadiusArcsec, description: o.description,
      createdAt: now, updatedAt: now, targets: 0, rev: 0, regions: normalizeRegions(o.regions ?? []),
    };
    await this.lists.put(wl.id, wl);
    return wl;
  }

  async update(id: string, patch: Partial<Pick<Watchlist, 'name' | 'defaultRadiusArcsec' | 'description' | 'regions'>>): Promise<Watchlist | undefined> {
    let out: Watchlist | undefined;
    await this.env.transaction(() => {
      const wl = this.lists.get(id);
      if (!wl) return;
      const clean = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<Watchlist>;
      if (clean.regions) clean.regions = normalizeRegions(clean.regions);
      out = { ...wl, ...clean, rev: (wl.rev ?? 0) + 1, updatedAt: new Date().toISOString() };
      this.lists.put(id, out);
    });
    return out;
  }

  async remove(id: string): Promise<boolean> {
    let existed = false;
    await this.env.transaction(() => {
      if (!this.lists.get(id)) return;
      existed = true;
      for (const { key, value } of this.names.getRange({ start: [id], end: [`${id}\u0000`] })) {
        this.catalog(id, value[0]).deleteInTxn(value[1]);
        this.names.remove(key);
      }
      this.lists.remove(id);
    });
    for (const { key } of this.hits.getRange({ start: [id], end: [`${id}\u0000`] })) await this.hits.remove(key);
    for (const { key } of this.hitKeys.getRange({ start: [id], end: [`${id}\u0000`] })) await this.hitKeys.remove(key);
    return existed;
  }

  /**
   * Adds or replaces targets by name, in one transaction. A target that moves
   * or changes radius is re-keyed. Returns how many were new.
   */
  async upsertTargets(id: string, targets: readonly TargetInput[]): Promise<{ added: number; updated: number }> {
    let added = 0, updated = 0;
    await this.env.transaction(() => {
      const wl = this.lists.get(id);
      if (!wl) throw new RangeError(`watch list '${id}' does not exist`);
      for (const t of targets) {
        const radius = t.radiusArcsec ?? wl.defaultRadiusArcsec;
        const k = radiusClass(radius);
        const old = this.names.get([id, t.name]);
        let rowId: number;
        if (old && old[0] === k) {
          rowId = old[1];
          updated++;
        } else {
          if (old) {
            this.catalog(id, old[0]).deleteInTxn(old[1]);
            updated++;
          } else {
            added++;
          }
          rowId = this.catalog(id, k).nextIdInTxn();
          this.names.put([id, t.name], [k, rowId]);
        }
        this.catalog(id, k).upsertInTxn({ id: rowId, ra: t.ra, dec: t.dec, data: { name: t.name, radiusArcsec: radius } });
      }
      this.lists.put(id, { ...wl, targets: wl.targets + added, rev: (wl.rev ?? 0) + 1, updatedAt: new Date().toISOString() });
    });
    return { added, updated };
  }

  async removeTarget(id: string, name: string): Promise<boolean> {
    let existed = false;
    await this.env.transaction(() => {
      const wl = this.lists.get(id);
      const old = this.names.get([id, name]);
      if (!wl || !old) return;
      existed = true;
      this.catalog(id, old[0]).deleteInTxn(old[1]);
      this.names.remove([id, name]);
      this.lists.put(id, { ...wl, targets: wl.targets - 1, rev: (wl.rev ?? 0) + 1, updatedAt: new Date().toISOString() });
    });
    return existed;
  }

  targets(id: string, offset = 0, limit = 1000): Target[] {
    const out: Target[] = [];
    for (const { value } of this.names.getRange({ start: [id], end: [`${id}\u0000`], offset, limit })) {
      const row = this.catalog(id, value[0]).get(value[1]);
      if (row) out.push({ name: row.data.name, ra: row.ra, dec: row.dec, radiusArcsec: row.data.radiusArcsec });
    }
    return out;
  }

  /**
   * Which targets each position falls within (exact spherical distance, each
   * target's own radius). Hits sorted by position, then separation.
   */
  check(id: string, ra: Float64Array, dec: Float64Array): CheckHit[] {
    const hits: CheckHit[] = [];
    for (let k = 0; k < CLASSES; k++) {
      if (!this.hasCatalog(id, k)) continue;
      const cat = this.catalog(id, k);
      if (cat.count() === 0) continue;
      const m = cat.crossmatch(ra, dec, { radiusArcsec: classRadius(k) });
      for (let i = 0; i < m.length; i++) {
        const row = cat.get(m.id[i]);
        if (!row || m.sepArcsec[i] > row.data.radiusArcsec) continue;
        hits.push({
          position: m.probe[i], target: row.data.name, sepArcsec: m.sepArcsec[i],
          targetRa: row.ra, targetDec: row.dec, targetRadiusArcsec: row.data.radiusArcsec,
        });
      }
    }
    return hits.sort((a, b) => a.position - b.position || a.sepArcsec - b.sepArcsec || (a.target < b.target ? -1 : 1));
  }

  /** Which regions of the list each position falls in (circles: exact distance; MOCs: NESTED pixel). */
  checkRegions(wl: Watchlist, ra: Float64Array, dec: Float64Array): Array<{ position: number; region: string }> {
    const out: Array<{ position: number; region: string }> = [];
    if (wl.regions.length === 0) return out;
    const R = Math.PI / 180;
    for (let i = 0; i < ra.length; i++) {
      const a = ra[i] * R, d = dec[i] * R;
      const x = Math.cos(d) * Math.cos(a), y = Math.cos(d) * Math.sin(a), z = Math.sin(d);
      for (const r of wl.regions) {
        if (r.kind === 'circle') {
          const ca = r.ra * R, cd = r.dec * R;
          const dx = x - Math.cos(cd) * Math.cos(ca), dy = y - Math.cos(cd) * Math.sin(ca), dz = z - Math.sin(cd);
          if (dx * dx + dy * dy + dz * dz <= chord2FromArcsec(r.radiusArcsec)) out.push({ position: i, region: r.name });
        } else {
          const pix = ang2pixNest(r.order, ra[i], dec[i]);
          let lo = 0, hi = r.ranges.length;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (r.ranges[mid][1] < pix) lo = mid + 1;
            else hi = mid;
          }
          if (lo < r.ranges.length && r.ranges[lo][0] <= pix) out.push({ position: i, region: r.name });
        }
      }
    }
    return out;
  }

  /** Records hits (the stream calls this inside its own transaction). */
  recordHitInTxn(h: HitRecord): void {
    this.hits.put(hitKey(h, h.recordedAt), h);
  }

  /**
   * Records a hit unless this (list, alert, target or region) already has one;
   * must run inside a write transaction of env (the check and the write are
   * then atomic, also against another stream process). Returns the hit as
   * stored: the new one, or the one recorded first (its recordedAt), so a
   * replay can re-publish exactly the same record.
   */
  recordHitOnceInTxn(h: HitRecord): { hit: HitRecord; recorded: boolean } {
    const dk = h.kind === 'region' ? [h.watchlist, h.alertId, h.target, 'region'] : [h.watchlist, h.alertId, h.target];
    const first = this.hitKeys.get(dk);
    if (first !== undefined) {
      const old = this.hits.get(hitKey(h, first));
      if (old) return { hit: old, recorded: false };
    }
    this.hitKeys.put(dk, h.recordedAt);
    this.hits.put(hitKey(h, h.recordedAt), h);
    return { hit: h, recorded: true };
  }

  /** Hits after a cursor (null: from the first), oldest first, each with its own cursor (base64url of its key). */
  hitsAfter(id: string, cursor: string | null, limit: number): Array<{ cursor: string; hit: HitRecord }> {
    const start: Key = cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString()) as Key) : [id];
    const out: Array<{ cursor: string; hit: HitRecord }> = [];
    for (const { key, value } of this.hits.getRange({ start, end: [`${id}\u0000`], limit, exclusiveStart: !!cursor } as never)) {
      out.push({ cursor: Buffer.from(JSON.stringify(key)).toString('base64url'), hit: value as HitRecord });
    }
    return out;
  }

  /** The cursor of a list's last hit, or null when it has none. */
  lastHitCursor(id: string): string | null {
    for (const { key } of this.hits.getRange({ start: [`${id}\u0000`], end: [id], reverse: true, limit: 1 } as never)) {
      return Buffer.from(JSON.stringify(key)).toString('base64url');
    }
    return null;
  }

  /** Hits recorded since an ISO time, oldest first, paged by an opaque cursor. */
  hitsSince(id: string, since = '', cursor?: string, limit = 1000): { hits: HitRecord[]; next: string | null } {
    const start: Key = cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString()) as Key) : [id, since];
    const out: HitRecord[] = [];
    let last: Key | null = null;
    for (const { key, value } of this.hits.getRange({ start, end: [`${id}\u0000`], limit: limit + 1, exclusiveStart: !!cursor } as never)) {
      if (out.length === limit) {
        return { hits: out, next: Buffer.from(JSON.stringify(last)).toString('base64url') };
      }
      out.push(value as HitRecord);
      last = key as Key;
    }
    return { hits: out, next: null };
  }
}
