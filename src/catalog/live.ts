// A live catalog in LMDB: rows that move, appear and disappear (the stream's
// known objects, the service's watch-list targets), indexed by the same keys
// as the static engine.
//
// Any number of live catalogs share three databases of one LMDB environment
// (LMDB limits the number of named databases), each catalog under its number:
//   live2.idx   key = catalog number (4 bytes) + index key (8 bytes) + row id
//               (8 bytes), all big-endian, no value: a cover range is one
//               ordered cursor range.
//   live2.rows  key = catalog number (4 bytes) + row id (8 bytes), big-endian;
//               value = ra, dec (float64 little-endian) then the row's data in
//               msgpack (absent when the data is undefined).
//   live2.meta  catalog names, numbers and schemes, row counts, id sequences
//
// Why this layout (format 2; format 1 kept x, y, z in 44-byte index keys and
// msgpack rows in live.idx / live.rows, which format 2 neither reads nor
// removes): a commit writes every B-tree page the transaction dirtied, and
// random sky positions dirty about one index page per row until the batch
// outgrows the tree. 20-byte index keys (30 bytes a node with LMDB's header)
// make the tree 44% smaller than 44-byte ones, so fewer pages are dirtied, copied and fsynced per batch. The
// exact test of a candidate then reads its position from live2.rows (a
// lookup without allocation) and recomputes its unit vector with the same
// arithmetic the probe uses. A 2" cone at 10^6 rows meets about 10^-3 candidates
// (the index key holds RA to 0.3 mas), so cones cost the same; a crossmatch pays
// one lookup per candidate.
//
// Batched upserts read each row's old position once, then apply the index
// removals and insertions in key order and the row writes in id order: LMDB
// then walks the B-tree along a path that stays in cache.
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
const IDX_KEY_BYTES = 20;
const ROW_KEY_BYTES = 12;
const POS_BYTES = 16;
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

/** Pairs from a live crossmatch: probe index, row id (up to 2^53), separation. */
export interface LiveMatches {
  probe: Uint32Array;
  id: Float64Array;
  sepArcsec: Float64Array;
  length: number;
}

/**
 * Binary keys of KEY_BYTES ending in a big-endian row id: written from a
 * caller's Uint8Array, read back as the row id (a number, no allocation).
 */
class IdKeyCodec {
  constructor(private readonly bytes: number) {}
  writeKey = (key: Uint8Array, target: Uint8Array, start: number): number => {
    target.set(key, start);
    return start + key.length;
  };
  readKey = (target: Uint8Array, start: number, end: number): number => {
    if (end - start !== this.bytes) return -1;
    const o = end - 8;
    const hi = ((target[o] << 24) | (target[o + 1] << 16) | (target[o + 2] << 8) | target[o + 3]) >>> 0;
    const lo = ((target[o + 4] << 24) | (target[o + 5] << 16) | (target[o + 6] << 8) | target[o + 7]) >>> 0;
    return hi * TWO32 + lo;
  };
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`row id must be an integer in [0, 2^53), got ${String(id)}`);
  }
}

interface Msgpack {
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

/** The shared databases of the live catalogs in one LMDB environment. */
interface LiveDbs {
  idx: Database<unknown, Uint8Array>;
  rows: Database<Buffer, Uint8Array>;
  meta: Database<unknown, Key>;
  /** lmdb's own msgpack coder (that of live2.meta): row data keep the round trip they had. */
  msgpack: Msgpack;
}

const dbsByEnv = new WeakMap<RootDatabase, LiveDbs>();

function liveDbs(env: RootDatabase): LiveDbs {
  let dbs = dbsByEnv.get(env);
  if (!dbs) {
    const meta = env.openDB<unknown, Key>('live2.meta', {});
    const coder = meta as unknown as { encoder: { encode(v: unknown): Uint8Array }; decoder: { decode(b: Uint8Array, end?: number): unknown } };
    dbs = {
      idx: env.openDB<unknown, Uint8Array>('live2.idx', { keyEncoder: new IdKeyCodec(IDX_KEY_BYTES), encoding: 'binary' } as never),
      rows: env.openDB<Buffer, Uint8Array>('live2.rows', { keyEncoder: new IdKeyCodec(ROW_KEY_BYTES), encoding: 'binary' } as never),
      meta,
      msgpack: {
        encode: (v) => coder.encoder.encode(v),
        decode: (b) => coder.decoder.decode(b, b.length),
      },
    };
    dbsByEnv.set(env, dbs);
  }
  return dbs;
}

interface CatalogEntry {
  no: number;
  scheme: IndexScheme;
}

/** Scratch of a batched upsert, grown to the largest batch seen. */
class BatchScratch {
  order = new Uint32Array(0);
  newKey = new Float64Array(0);
  oldKey = new Float64Array(0);
  ra = new Float64Array(0);
  flags = new Uint8Array(0);
  ops = new Uint32Array(0);
  sortIn = new Float64Array(0);
  sortOut = new Float64Array(0);
  perm = new Uint32Array(0);

  ensure(n: number): void {
    if (this.order.length >= n) return;
    const m = Math.max(n, 2 * this.order.length);
    this.order = new Uint32Array(m);
    this.newKey = new Float64Array(m);
    this.oldKey = new Float64Array(m);
    this.ra = new Float64Array(m);
    this.flags = new Uint8Array(m);
    this.ops = new Uint32Array(m);
    this.sortIn = new Float64Array(m);
    this.sortOut = new Float64Array(m);
    this.perm = new Uint32Array(m);
  }

  /** Sorts ops[0, k) by key[ops[i]] (a radix sort: keys and ids are integers below 2^53). */
  sortOps(k: number, key: Float64Array): void {
    const { ops, sortIn, perm } = this;
    for (let i = 0; i < k; i++) sortIn[i] = key[ops[i]];
    sortRowsByKey(sortIn.subarray(0, k), [], this.sortOut.subarray(0, k), perm.subarray(0, k), []);
    for (let i = 0; i < k; i++) sortIn[i] = ops[perm[i]];
    for (let i = 0; i < k; i++) ops[i] = sortIn[i];
  }
}

const NEW = 1;
const MOVED = 2;

export class LiveCatalog<T = unknown> {
  readonly name: string;
  readonly scheme: IndexScheme;
  /** This catalog's number: the first 4 bytes of its keys. */
  readonly no: number;
  private readonly keys: KeyScheme;
  private readonly idx: Database<unknown, Uint8Array>;
  private readonly rows: Database<Buffer, Uint8Array>;
  private readonly meta: Database<unknown, Key>;
  private readonly msgpack: Msgpack;
  private readonly ranges = new RangeList(32);
  private readonly idxKey = new Uint8Array(IDX_KEY_BYTES);
  private readonly idxView = new DataView(this.idxKey.buffer);
  private readonly rowKey = new Uint8Array(ROW_KEY_BYTES);
  private readonly rowView = new DataView(this.rowKey.buffer);
  private readonly rowStart = new Uint8Array(4);
  private readonly rowEnd = new Uint8Array(4);
  private readonly lo12 = new Uint8Array(12);
  private readonly hi12 = new Uint8Array(12);
  private readonly loView = new DataView(this.lo12.buffer);
  private readonly hiView = new DataView(this.hi12.buffer);
  private readonly batch = new BatchScratch();

  private constructor(readonly env: RootDatabase, name: string, entry: CatalogEntry) {
    this.name = name;
    this.scheme = entry.scheme;
    this.no = entry.no;
    this.keys = makeKeyScheme(entry.scheme);
    const dbs = liveDbs(env);
    this.idx = dbs.idx;
    this.rows = dbs.rows;
    this.meta = dbs.meta;
    this.msgpack = dbs.msgpack;
    for (const b of [this.idxKey, this.rowKey, this.rowStart, this.lo12, this.hi12]) new DataView(b.buffer).setUint32(0, this.no);
    new DataView(this.rowEnd.buffer).setUint32(0, this.no + 1);
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
    if (!Number.isSafeInteger(id) || id < 0) return undefined;
    const v = this.rows.getBinaryFast(this.rowKeyOf(id));
    if (!v) return undefined;
    return { id, ra: v.readDoubleLE(0), dec: v.readDoubleLE(8), data: this.decodeData(v) };
  }

  /** A fresh row id, unique in this catalog (call inside a write transaction). */
  nextIdInTxn(): number {
    const next = (this.meta.get(['nextId', this.no]) as number | undefined) ?? 1;
    this.meta.put(['nextId', this.no], next + 1);
    return next;
  }

  private decodeData(v: Uint8Array): T {
    return (v.length > POS_BYTES ? this.msgpack.decode(v.subarray(POS_BYTES)) : undefined) as T;
  }

  /** The scratch rows key of a row id. */
  private rowKeyOf(id: number): Uint8Array {
    this.rowView.setUint32(4, Math.floor(id / TWO32));
    this.rowView.setUint32(8, id >>> 0);
    return this.rowKey;
  }

  /** The scratch index key of a row (index key already computed). */
  private idxKeyOf(key: number, id: number): Uint8Array {
    const v = this.idxView;
    v.setUint32(4, Math.floor(key / TWO32));
    v.setUint32(8, key >>> 0);
    v.setUint32(12, Math.floor(id / TWO32));
    v.setUint32(16, id >>> 0);
    return this.idxKey;
  }

  /** Index key of a normalised position (the unit vector as the engine computes it). */
  private keyOf(ra: number, dec: number): number {
    const a = ra * RAD_PER_DEG, d = dec * RAD_PER_DEG;
    const c = Math.cos(d);
    return this.keys.keyOf(ra, dec, c * Math.cos(a), c * Math.sin(a), Math.sin(d));
  }

  /** The rows value: position, then the data's msgpack (a fresh buffer: lmdb may hold it until commit). */
  private rowValue(ra: number, dec: number, data: unknown): Buffer {
    const packed = data === undefined ? EMPTY : this.msgpack.encode(data);
    const v = Buffer.allocUnsafe(POS_BYTES + packed.length);
    v.writeDoubleLE(ra, 0);
    v.writeDoubleLE(dec, 8);
    v.set(packed, POS_BYTES);
    return v;
  }

  /** Inserts or moves one row; must run inside a write transaction of env. */
  upsertInTxn(row: LiveRowInput<T>): void {
    if (this.upsertSorted([row], 1, false)) this.meta.put(['count', this.no], this.count() + 1);
  }

  /** Inserts or moves many rows inside the caller's write transaction (one count update). */
  upsertManyInTxn(rows: readonly LiveRowInput<T>[]): void {
    const added = this.upsertSorted(rows, rows.length, true);
    if (added) this.meta.put(['count', this.no], this.count() + added);
  }

  /**
   * Writes rows (the last of equal ids wins, as if written one by one) and
   * returns how many were new. Every row is checked before anything is written.
   */
  private upsertSorted(rows: readonly LiveRowInput<T>[], n: number, sortKeys: boolean): number {
    const b = this.batch;
    b.ensure(n);
    const { order, newKey, oldKey, ra, flags, ops } = b;
    let ascending = true;
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      checkId(r.id);
      checkRa(r.ra);
      checkDec(r.dec);
      if (i > 0 && !(r.id > rows[i - 1].id)) ascending = false;
      order[i] = i;
    }
    // Rows in id order, one per id (the last given): row writes then append
    // to or sweep live2.rows, and a repeated id cannot see a stale position.
    let m = n;
    if (!ascending) {
      for (let i = 0; i < n; i++) {
        ops[i] = i;
        oldKey[i] = rows[i].id;
      }
      b.sortOps(n, oldKey); // stable: equal ids keep their input order
      m = 0;
      for (let i = 0; i < n; i++) {
        if (i + 1 < n && oldKey[ops[i + 1]] === oldKey[ops[i]]) continue;
        order[m++] = ops[i];
      }
    }
    // Ids above the catalog's largest are new without a lookup (ids from
    // nextIdInTxn, bulk loads): one cursor step instead of a get per row.
    const maxId = m >= 64 ? this.maxId() : Infinity;
    let added = 0, nRemove = 0, nPut = 0;
    for (let j = 0; j < m; j++) {
      const r = rows[order[j]];
      const a = normalizeRa(r.ra);
      ra[j] = a;
      const old = r.id > maxId ? undefined : this.rows.getBinaryFast(this.rowKeyOf(r.id));
      let f = 0;
      if (!old) {
        f = NEW;
        added++;
      } else {
        const oa = old.readDoubleLE(0), od = old.readDoubleLE(8);
        // A move within the same index key (RA to 0.3 mas in zones) keeps its entry.
        if (oa !== a || od !== r.dec) {
          oldKey[j] = this.keyOf(oa, od);
          newKey[j] = this.keyOf(a, r.dec);
          if (oldKey[j] !== newKey[j]) f = MOVED;
        }
      }
      if (f === NEW) newKey[j] = this.keyOf(a, r.dec);
      if (f === MOVED) nRemove++;
      if (f) nPut++;
      flags[j] = f;
    }
    // Index writes in key order (ties: id): each put descends next to the last.
    if (nRemove) {
      const k = this.keyOrder(flags, oldKey, MOVED, m, sortKeys);
      for (let t = 0; t < k; t++) this.idx.remove(this.idxKeyOf(oldKey[ops[t]], rows[order[ops[t]]].id));
    }
    if (nPut) {
      const k = this.keyOrder(flags, newKey, NEW | MOVED, m, sortKeys);
      for (let t = 0; t < k; t++) this.idx.put(this.idxKeyOf(newKey[ops[t]], rows[order[ops[t]]].id), EMPTY);
    }
    for (let j = 0; j < m; j++) {
      const r = rows[order[j]];
      this.rows.put(this.rowKeyOf(r.id), this.rowValue(ra[j], r.dec, r.data));
    }
    return added;
  }

  /** The largest row id held (-1 when empty). */
  private maxId(): number {
    for (const id of this.rows.getKeys({ start: this.rowEnd, end: this.rowStart, reverse: true, limit: 1 }) as Iterable<number>) return id;
    return -1;
  }

  /** Positions j < m whose flags meet mask into ops, in key order; returns how many. */
  private keyOrder(flags: Uint8Array, key: Float64Array, mask: number, m: number, sortKeys: boolean): number {
    const ops = this.batch.ops;
    let k = 0;
    for (let j = 0; j < m; j++) if (flags[j] & mask) ops[k++] = j;
    if (sortKeys && k > 1) this.batch.sortOps(k, key);
    return k;
  }

  /** Removes one row; must run inside a write transaction. Returns whether it existed. */
  deleteInTxn(id: number): boolean {
    if (!Number.isSafeInteger(id) || id < 0) return false;
    const old = this.rows.getBinaryFast(this.rowKeyOf(id));
    if (!old) return false;
    this.idx.remove(this.idxKeyOf(this.keyOf(old.readDoubleLE(0), old.readDoubleLE(8)), id));
    this.rows.remove(this.rowKeyOf(id));
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
  private bound(out: Uint8Array, v: DataView, k: number): Uint8Array {
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
    for (let r = 0; r < this.ranges.length; r++) {
      const start = this.bound(this.lo12, this.loView, this.ranges.data[2 * r]);
      const end = this.bound(this.hi12, this.hiView, this.ranges.data[2 * r + 1]);
      for (const id of this.idx.getKeys({ start, end }) as Iterable<number>) {
        // The candidate's position, and its unit vector computed as for the probe.
        const v = this.rows.getBinaryFast(this.rowKeyOf(id));
        if (!v) continue;
        const a = v.readDoubleLE(0) * RAD_PER_DEG, d = v.readDoubleLE(8) * RAD_PER_DEG;
        const c = Math.cos(d);
        const dx = c * Math.cos(a) - qx, dy = c * Math.sin(a) - qy, dz = Math.sin(d) - qz;
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
    for (const { key, value } of this.rows.getRange({ start: this.rowStart, end: this.rowEnd }) as Iterable<{ key: number; value: Buffer }>) {
      yield { id: key, ra: value.readDoubleLE(0), dec: value.readDoubleLE(8), data: this.decodeData(value) };
    }
  }
}
