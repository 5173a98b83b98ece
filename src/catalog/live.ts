// A live catalog in LMDB: rows that move, appear and disappear (the stream's
// known objects, the service's watch-list targets), indexed by the same keys
// as the static engine.
//
// Any number of live catalogs share three databases of one LMDB environment
// (LMDB limits the number of named databases), each catalog under its number:
//   live.idx   key = catalog number (4 bytes) + index key (8 bytes, big-endian)
//              + row id (8 bytes, big-endian) + x, y, z (3 float64): a cover range
//              is one ordered cursor range, and the exact test needs nothing but
//              the key, so a query reads keys only and decodes them into scratch
//              arrays (no allocation per candidate).
//   live.rows  [catalog, row id] -> { ra, dec, data }  (msgpack)
//   live.meta  catalog names, numbers and schemes, row counts, id sequences
//
// Writes happen inside LMDB transactions: the *InTxn methods join the caller's
// transaction (so the stream commits objects and history together), the others
// open their own. A transaction that has returned is on disk (LMDB's fsync).

import type { Database, Key, RootDatabase } from 'lmdb';
import { RAD_PER_DEG, checkDec, checkRa, normalizeRa } from '../sky/angles.js';
import { RangeList } from '../sky/ranges.js';
import { arcsecFromChord2, chord2FromArcsec } from '../sky/vector.js';
import { checkPositions, checkRadius, foldRa } from '../match/probes.js';
import type { IndexScheme, KeyScheme } from '../match/scheme.js';
import { makeKeyScheme } from '../match/schemes.js';
import { sortRowsByKey } from '../match/sort.js';

const TWO32 = 4294967296;
const KEY_BYTES = 44;
const EMPTY = new Uint8Array(0);

/** Default live scheme: 3-arcmin zones, one or two cursor ranges per small cone. */
export const DEFAULT_LIVE_SCHEME: IndexScheme = { kind: 'zones', zoneHeightDeg: 0.05 };

export interface LiveRowInput<T = unknown> {
  id: number;
  ra: number;
  dec: number;
  data?: T;
}

export interface LiveRow<T = unknown> {
  id: number;
  ra: number;
  dec: number;
  data: T;
}

interface StoredRow {
  ra: number;
  dec: number;
  data?: unknown;
}

/** Pairs from a live crossmatch: probe index, row id (up to 2^53), separation. */
export interface LiveMatches {
  probe: Uint32Array;
  id: Float64Array;
  sepArcsec: Float64Array;
  length: number;
}

/** Decodes index keys straight into scratch: readKey returns the row id. */
class IdxKeyCodec {
  readonly xyz = new Float64Array(3);
  writeKey = (key: Uint8Array, target: Uint8Array, start: number): number => {
    target.set(key, start);
    return start + key.length;
  };
  readKey = (target: Uint8Array, start: number, end: number): number => {
    if (end - start !== KEY_BYTES) return -1;
    const dv = new DataView(target.buffer, target.byteOffset + start, KEY_BYTES);
    this.xyz[0] = dv.getFloat64(20, true);
    this.xyz[1] = dv.getFloat64(28, true);
    this.xyz[2] = dv.getFloat64(36, true);
    return dv.getUint32(12) * TWO32 + dv.getUint32(16);
  };
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`row id must be an integer in [0, 2^53), got ${String(id)}`);
  }
}

/** The shared databases of the live catalogs in one LMDB environment. */
interface LiveDbs {
  idx: Database<unknown, Uint8Array>;
  rows: Database<StoredRow, [number, number]>;
  meta: Database<unknown, Key>;
  codec: IdxKeyCodec;
}

const dbsByEnv = new WeakMap<RootDatabase, LiveDbs>();

function liveDbs(env: RootDatabase): LiveDbs {
  let dbs = dbsByEnv.get(env);
  if (!dbs) {
    const codec = new IdxKeyCodec();
    dbs = {
      idx: env.openDB<unknown, Uint8Array>('live.idx', { keyEncoder: codec, encoding: 'binary' } as never),
      rows: env.openDB<StoredRow, [number, number]>('live.rows', {}),
      meta: env.openDB<unknown, Key>('live.meta', {}),
      codec,
    };
    dbsByEnv.set(env, dbs);
  }
  return dbs;
}

interface CatalogEntry {
  no: number;
  scheme: IndexScheme;
}

export class LiveCatalog<T = unknown> {
  readonly name: string;
  readonly scheme: IndexScheme;
  /** This catalog's number: the first 4 bytes of its index keys. */
  readonly no: number;
  private readonly keys: KeyScheme;
  private readonly idx: Database<unknown, Uint8Array>;
  private readonly rows: Database<StoredRow, [number, number]>;
  private readonly meta: Database<unknown, Key>;
  private readonly codec: IdxKeyCodec;
  private readonly ranges = new RangeList(32);
  private readonly keyBuf = new Uint8Array(KEY_BYTES);
  private readonly keyView = new DataView(this.keyBuf.buffer);
  private readonly lo12 = new Uint8Array(12);
  private readonly hi12 = new Uint8Array(12);

  private constructor(readonly env: RootDatabase, name: string, entry: CatalogEntry) {
    this.name = name;
    this.scheme = entry.scheme;
    this.no = entry.no;
    this.keys = makeKeyScheme(entry.scheme);
    const dbs = liveDbs(env);
    this.idx = dbs.idx;
    this.rows = dbs.rows;
    this.meta = dbs.meta;
    this.codec = dbs.codec;
    new DataView(this.keyBuf.buffer).setUint32(0, this.no);
    new DataView(this.lo12.buffer).setUint32(0, this.no);
    new DataView(this.hi12.buffer).setUint32(0, this.no);
  }

  /**
   * Opens (or creates) the live catalog NAME in an LMDB environment. The scheme
   * is fixed when the catalog is created; a different one given later is an error.
   */
  static open<T = unknown>(env: RootDatabase, name: string, opts: { scheme?: IndexScheme } = {}): LiveCatalog<T> {
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
      throw new RangeError(`live catalog name must be 1-200 characters, got '${String(name)}'`);
    }
    const { meta } = liveDbs(env);
    let entry = meta.get(['catalog', name]) as CatalogEntry | undefined;
    if (!entry) {
      const scheme = opts.scheme ?? DEFAULT_LIVE_SCHEME;
      makeKeyScheme(scheme); // validates
      entry = env.transactionSync(() => {
        const again = meta.get(['catalog', name]) as CatalogEntry | undefined;
        if (again) return again;
        const no = ((meta.get(['nextCatalogNo']) as number | undefined) ?? 1);
        const e = { no, scheme };
        meta.put(['nextCatalogNo'], no + 1);
        meta.put(['catalog', name], e);
        return e;
      });
    }
    if (opts.scheme && JSON.stringify(opts.scheme) !== JSON.stringify(entry.scheme)) {
      throw new RangeError(`live catalog '${name}' was created with scheme ${JSON.stringify(entry.scheme)}, not ${JSON.stringify(opts.scheme)}`);
    }
    return new LiveCatalog<T>(env, name, entry);
  }

  /** Whether a live catalog of that name exists in the environment. */
  static exists(env: RootDatabase, name: string): boolean {
    return liveDbs(env).meta.get(['catalog', name]) !== undefined;
  }

  /** Rows held. */
  count(): number {
    return (this.meta.get(['count', this.no]) as number | undefined) ?? 0;
  }

  get(id: number): LiveRow<T> | undefined {
    const r = this.rows.get([this.no, id]);
    return r ? { id, ra: r.ra, dec: r.dec, data: r.data as T } : undefined;
  }

  /** A fresh row id, unique in this catalog (call inside a write transaction). */
  nextIdInTxn(): number {
    const next = (this.meta.get(['nextId', this.no]) as number | undefined) ?? 1;
    this.meta.put(['nextId', this.no], next + 1);
    return next;
  }

  private indexKey(id: number, ra: number, dec: number): Uint8Array {
    const a = ra * RAD_PER_DEG, d = dec * RAD_PER_DEG;
    const c = Math.cos(d);
    const x = c * Math.cos(a), y = c * Math.sin(a), z = Math.sin(d);
    const k = this.keys.keyOf(ra, dec, x, y, z);
    const v = this.keyView;
    v.setUint32(4, Math.floor(k / TWO32));
    v.setUint32(8, k >>> 0);
    v.setUint32(12, Math.floor(id / TWO32));
    v.setUint32(16, id >>> 0);
    v.setFloat64(20, x, true);
    v.setFloat64(28, y, true);
    v.setFloat64(36, z, true);
    return this.keyBuf;
  }

  /** Writes one row; returns 1 when it is new (the caller keeps the count). */
  private putRow(row: LiveRowInput<T>): number {
    checkId(row.id);
    checkRa(row.ra);
    checkDec(row.dec);
    const ra = normalizeRa(row.ra);
    const old = this.rows.get([this.no, row.id]);
    const moved = !old || old.ra !== ra || old.dec !== row.dec;
    // lmdb copies keys into its write buffer at once: the scratch key is reused.
    if (old && moved) this.idx.remove(this.indexKey(row.id, old.ra, old.dec));
    if (moved) this.idx.put(this.indexKey(row.id, ra, row.dec), EMPTY);
    this.rows.put([this.no, row.id], { ra, dec: row.dec, data: row.data });
    return old ? 0 : 1;
  }

  /** Inserts or moves one row; must run inside a write transaction of env. */
  upsertInTxn(row: LiveRowInput<T>): void {
    if (this.putRow(row)) this.meta.put(['count', this.no], this.count() + 1);
  }

  /** Inserts or moves many rows inside the caller's write transaction (one count update). */
  upsertManyInTxn(rows: readonly LiveRowInput<T>[]): void {
    let added = 0;
    for (const r of rows) added += this.putRow(r);
    if (added) this.meta.put(['count', this.no], this.count() + added);
  }

  /** Removes one row; must run inside a write transaction. Returns whether it existed. */
  deleteInTxn(id: number): boolean {
    const old = this.rows.get([this.no, id]);
    if (!old) return false;
    this.idx.remove(this.indexKey(id, old.ra, old.dec));
    this.rows.remove([this.no, id]);
    this.meta.put(['count', this.no], this.count() - 1);
    return true;
  }

  /** Upserts many rows in one transaction; resolves once it is committed to disk. */
  async upsertMany(rows: readonly LiveRowInput<T>[]): Promise<void> {
    await this.env.transaction(() => this.upsertManyInTxn(rows));
  }

  async deleteMany(ids: readonly number[]): Promise<number> {
    let n = 0;
    await this.env.transaction(() => {
      for (const id of ids) if (this.deleteInTxn(id)) n++;
    });
    return n;
  }

  /** The 12-byte prefix (catalog number, index key) where key range bound k starts. */
  private bound(out: Uint8Array, k: number): Uint8Array {
    const v = new DataView(out.buffer);
    v.setUint32(4, Math.floor(k / TWO32));
    v.setUint32(8, k >>> 0);
    return out;
  }

  /**
   * Row ids within radiusArcsec of (ra, dec) into outIds (and squared chords
   * into outChord2 when given); returns how many there are (writes at most the
   * buffers' length).
   */
  coneInto(raDeg: number, decDeg: number, radiusArcsec: number, outIds: Float64Array, outChord2?: Float64Array): number {
    checkRa(raDeg);
    checkDec(decDeg);
    checkRadius(radiusArcsec, 'radiusArcsec');
    const ra = normalizeRa(raDeg);
    const a = ra * RAD_PER_DEG, d = decDeg * RAD_PER_DEG;
    const c = Math.cos(d);
    return this.scan(ra, decDeg, c * Math.cos(a), c * Math.sin(a), Math.sin(d), radiusArcsec / 3600,
      chord2FromArcsec(radiusArcsec), outIds, outChord2, 0, -1);
  }

  private scan(
    ra: number, dec: number, qx: number, qy: number, qz: number, radiusDeg: number, maxC2: number,
    outIds: Float64Array, outC2: Float64Array | undefined, n: number, cap: number,
  ): number {
    const limit = cap < 0 ? outIds.length : cap;
    this.keys.cover(ra, dec, qx, qy, qz, radiusDeg, this.ranges);
    const xyz = this.codec.xyz;
    for (let r = 0; r < this.ranges.length; r++) {
      const start = this.bound(this.lo12, this.ranges.data[2 * r]);
      const end = this.bound(this.hi12, this.ranges.data[2 * r + 1]);
      for (const id of this.idx.getKeys({ start, end }) as Iterable<number>) {
        const dx = xyz[0] - qx, dy = xyz[1] - qy, dz = xyz[2] - qz;
        const c2 = dx * dx + dy * dy + dz * dz;
        if (c2 <= maxC2) {
          if (n < limit) {
            outIds[n] = id;
            if (outC2) outC2[n] = c2;
          }
          n++;
        }
      }
    }
    return n;
  }

  /** Rows within the radius, nearest first (ties: lower id), with their separations. */
  cone(raDeg: number, decDeg: number, radiusArcsec: number): Array<{ id: number; sepArcsec: number }> {
    let ids = new Float64Array(64), c2 = new Float64Array(64);
    let n = this.coneInto(raDeg, decDeg, radiusArcsec, ids, c2);
    if (n > ids.length) {
      ids = new Float64Array(n); c2 = new Float64Array(n);
      n = this.coneInto(raDeg, decDeg, radiusArcsec, ids, c2);
    }
    const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => c2[p] - c2[q] || ids[p] - ids[q]);
    return order.map((i) => ({ id: ids[i], sepArcsec: arcsecFromChord2(c2[i]) }));
  }

  /**
   * Crossmatch of many probes: probes sorted by the index key, so the cursor
   * ranges are visited in key order. Mode 'all' or 'best' (closest per probe;
   * ties: lower id). Results sorted by probe, then separation, then id.
   */
  crossmatch(ra: Float64Array, dec: Float64Array, opts: { radiusArcsec: number | Float64Array; mode?: 'all' | 'best' }): LiveMatches {
    checkPositions(ra, dec);
    const n = ra.length;
    const mode = opts.mode ?? 'all';
    const radii = opts.radiusArcsec;
    if (typeof radii === 'number') checkRadius(radii, 'radiusArcsec');
    else {
      if (!(radii instanceof Float64Array) || radii.length !== n) throw new RangeError(`radiusArcsec must be a number or a Float64Array of ${n} radii`);
      radii.forEach((r, i) => checkRadius(r, `radiusArcsec[${i}]`));
    }
    const raN = foldRa(ra);
    const keys = new Float64Array(n);
    this.keys.keysInto(raN, dec, keys);
    const order = new Uint32Array(n);
    sortRowsByKey(keys, [], new Float64Array(n), order, []);
    let ids = new Float64Array(64), c2 = new Float64Array(64);
    const outP: number[] = [], outId: number[] = [], outC2: number[] = [];
    for (let j = 0; j < n; j++) {
      const p = order[j];
      const r = typeof radii === 'number' ? radii : radii[p];
      const a = raN[p] * RAD_PER_DEG, d = dec[p] * RAD_PER_DEG;
      const c = Math.cos(d);
      const qx = c * Math.cos(a), qy = c * Math.sin(a), qz = Math.sin(d);
      const maxC2 = chord2FromArcsec(r);
      let m = this.scan(raN[p], dec[p], qx, qy, qz, r / 3600, maxC2, ids, c2, 0, -1);
      if (m > ids.length) {
        ids = new Float64Array(m * 2); c2 = new Float64Array(m * 2);
        m = this.scan(raN[p], dec[p], qx, qy, qz, r / 3600, maxC2, ids, c2, 0, -1);
      }
      if (m === 0) continue;
      const sel = Array.from({ length: m }, (_, i) => i).sort((u, v) => c2[u] - c2[v] || ids[u] - ids[v]);
      const take = mode === 'best' ? 1 : m;
      for (let t = 0; t < take; t++) {
        outP.push(p);
        outId.push(ids[sel[t]]);
        outC2.push(c2[sel[t]]);
      }
    }
    // Pairs are grouped by probe in key order: regroup by probe index.
    const idx = Array.from({ length: outP.length }, (_, i) => i).sort((u, v) => outP[u] - outP[v] || outC2[u] - outC2[v] || outId[u] - outId[v]);
    return {
      probe: Uint32Array.from(idx, (i) => outP[i]),
      id: Float64Array.from(idx, (i) => outId[i]),
      sepArcsec: Float64Array.from(idx, (i) => arcsecFromChord2(outC2[i])),
      length: idx.length,
    };
  }

  /** Every row, in id order (for exports and tests). */
  *entries(): IterableIterator<LiveRow<T>> {
    for (const { key, value } of this.rows.getRange({ start: [this.no], end: [this.no + 1] })) {
      yield { id: key[1], ra: value.ra, dec: value.dec, data: value.data as T };
    }
  }
}
