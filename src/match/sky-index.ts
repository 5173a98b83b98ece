// SkyIndex: rows sorted by a scheme key, their unit vectors, and a run-offsets
// table. Every query is: cover the circle with key ranges, turn each range into
// a row range (table, then binary search), scan those rows with the exact
// chord test. The same code serves all four schemes.

import { RAD_PER_DEG, checkDec, checkRa, normalizeRa } from '../sky/angles.js';
import { RangeList } from '../sky/ranges.js';
import { arcsecFromChord2, chord2FromArcsec } from '../sky/vector.js';
import { crossmatch, type CrossmatchOptions } from './crossmatch.js';
import { allocateParts, indexByteLength, viewParts, type IndexParts } from './layout.js';
import type { Matches } from './matches.js';
import { checkPositions, checkRadius, foldRa } from './probes.js';
import type { IndexScheme, KeyScheme, RunTable, SchemeRequest } from './scheme.js';
import { makeKeyScheme, resolveScheme } from './schemes.js';
import { sortRowsByKey } from './sort.js';

export interface BuildOptions {
  /** Radius (arcsec) the planner tunes the scheme for, when parameters are left out. Default 2. */
  radiusArcsec?: number;
  /** Sky area (deg^2) the rows cover, for the planner. Default: whole sky. */
  areaDeg2?: number;
  /** Tune for single cone searches or for bulk crossmatch (default). */
  workload?: 'cone' | 'merge';
  /**
   * Keep the input row of every sorted row (default true). Without them,
   * results are positions in key order: for tables already stored sorted.
   */
  rowIds?: boolean;
}

export interface ConeHit {
  row: number;
  sepArcsec: number;
}

export class SkyIndex {
  readonly scheme: IndexScheme;
  readonly keyScheme: KeyScheme;
  readonly runTable: RunTable;
  readonly length: number;
  /** The whole index: header, keys, vectors, table, row ids. */
  readonly buffer: ArrayBufferLike;
  readonly byteOffset: number;
  readonly byteLength: number;
  readonly keys: Float64Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly z: Float64Array;
  readonly table: Uint32Array;
  readonly rowIds: Uint32Array | null;
  private readonly div: number;
  /** Built or opened as one contiguous buffer (else assembled from parts). */
  private readonly whole: boolean;
  private readonly ranges = new RangeList(64);
  private scratch = new Uint32Array(256);

  private constructor(buffer: ArrayBufferLike | null, byteOffset: number, parts: IndexParts) {
    this.whole = buffer !== null;
    this.buffer = buffer ?? parts.keys.buffer;
    this.byteOffset = byteOffset;
    this.byteLength = buffer ? indexByteLength(buffer, byteOffset) : partsByteLength(parts);
    this.scheme = parts.scheme;
    this.keyScheme = makeKeyScheme(parts.scheme);
    this.runTable = parts.runTable;
    this.length = parts.keys.length;
    this.keys = parts.keys;
    this.x = parts.x;
    this.y = parts.y;
    this.z = parts.z;
    this.table = parts.table;
    this.rowIds = parts.rowIds;
    this.div = 2 ** parts.runTable.shift;
  }

  /**
   * Builds an index of the rows (ra, dec in degrees). A scheme given by kind
   * alone ('zones', 'rowcol', 'htm', 'healpix') gets its parameters from the
   * planner. Throws a RangeError naming the first bad row.
   */
  static build(
    ra: Float64Array, dec: Float64Array, scheme: SchemeRequest = 'zones', opts: BuildOptions = {},
  ): SkyIndex {
    checkPositions(ra, dec);
    const n = ra.length;
    if (n >= 2 ** 32 - 1) throw new RangeError(`an index holds fewer than 2^32 - 1 rows, got ${n}`);
    const spec = resolveScheme(scheme, {
      rows: n,
      radiusArcsec: opts.radiusArcsec ?? 2,
      areaDeg2: opts.areaDeg2,
      workload: opts.workload ?? 'merge',
    });
    const ks = makeKeyScheme(spec);
    const raN = foldRa(ra);
    const keys = new Float64Array(n);
    ks.keysInto(raN, dec, keys);
    const rt = ks.runTable(n);
    const withIds = opts.rowIds !== false;
    const { buffer, parts } = allocateParts(spec, rt, n, withIds);
    const perm = parts.rowIds ?? new Uint32Array(n);
    // x and y first receive the sorted ra and dec, then become the vectors.
    const { x, y, z } = parts;
    sortRowsByKey(keys, [raN, dec], parts.keys, perm, [x, y]);
    for (let i = 0; i < n; i++) {
      const a = x[i] * RAD_PER_DEG;
      const d = y[i] * RAD_PER_DEG;
      const c = Math.cos(d);
      x[i] = c * Math.cos(a);
      y[i] = c * Math.sin(a);
      z[i] = Math.sin(d);
    }
    fillRunTable(parts.keys, rt, parts.table);
    return new SkyIndex(buffer, 0, parts);
  }

  /** Reopens an index from its buffer (as written by build) without copying. */
  static open(buffer: ArrayBufferLike, byteOffset = 0): SkyIndex {
    return new SkyIndex(buffer, byteOffset, viewParts(buffer, byteOffset));
  }

  /**
   * An index over columns held elsewhere (an Arrow file, a shared buffer):
   * keys, vectors and run table are used as given, not copied.
   */
  static fromParts(parts: IndexParts): SkyIndex {
    const n = parts.keys.length;
    if (parts.x.length !== n || parts.y.length !== n || parts.z.length !== n || (parts.rowIds && parts.rowIds.length !== n)) {
      throw new RangeError('index parts differ in length');
    }
    if (parts.table.length !== parts.runTable.size + 1) {
      throw new RangeError(`run table has ${parts.table.length} entries, expected ${parts.runTable.size + 1}`);
    }
    return new SkyIndex(null, 0, parts);
  }

  /** The parts of an index (views, no copy): what fromParts takes back. */
  parts(): IndexParts {
    return {
      scheme: this.scheme, runTable: this.runTable, keys: this.keys, x: this.x, y: this.y, z: this.z,
      table: this.table, rowIds: this.rowIds,
    };
  }

  /** The index bytes, as a view (no copy); only for indexes built or opened as one buffer. */
  bytes(): Uint8Array {
    if (!this.whole) {
      throw new TypeError('this index is assembled from parts: it has no single buffer');
    }
    return new Uint8Array(this.buffer, this.byteOffset, this.byteLength);
  }

  /** Input row of the row at sorted position i. */
  rowId(i: number): number {
    return this.rowIds ? this.rowIds[i] : i;
  }

  /** First sorted position whose key is >= k. */
  lowerBound(k: number): number {
    const keys = this.keys;
    const rt = this.runTable;
    const run = Math.floor(k / this.div) - rt.base;
    if (run < 0) return 0;
    if (run >= rt.size) return this.length;
    let lo = this.table[run];
    let hi = this.table[run + 1];
    if (lo === hi || keys[lo] >= k) return lo;
    while (lo < hi) {
      const mid = lo + ((hi - lo) >>> 1);
      if (keys[mid] < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Rows within radiusArcsec of (ra, dec), written to out; returns how many
   * there are. When that exceeds out.length only the first out.length are
   * written: call again with a larger buffer. Rows come in index order.
   */
  coneInto(raDeg: number, decDeg: number, radiusArcsec: number, out: Uint32Array): number {
    checkRa(raDeg);
    checkDec(decDeg);
    checkRadius(radiusArcsec, 'radiusArcsec');
    const ra = normalizeRa(raDeg);
    const a = ra * RAD_PER_DEG, d = decDeg * RAD_PER_DEG;
    const c = Math.cos(d);
    const qx = c * Math.cos(a), qy = c * Math.sin(a), qz = Math.sin(d);
    const maxC2 = chord2FromArcsec(radiusArcsec);
    const ranges = this.ranges;
    this.keyScheme.cover(ra, decDeg, qx, qy, qz, radiusArcsec / 3600, ranges);
    const X = this.x, Y = this.y, Z = this.z, ids = this.rowIds, cap = out.length;
    let n = 0;
    for (let r = 0; r < ranges.length; r++) {
      const i0 = this.lowerBound(ranges.data[2 * r]);
      const i1 = this.lowerBound(ranges.data[2 * r + 1]);
      for (let i = i0; i < i1; i++) {
        const dx = X[i] - qx, dy = Y[i] - qy, dz = Z[i] - qz;
        if (dx * dx + dy * dy + dz * dz <= maxC2) {
          if (n < cap) out[n] = ids ? ids[i] : i;
          n++;
        }
      }
    }
    return n;
  }

  /** Rows within radiusArcsec of (ra, dec), in index order. */
  cone(raDeg: number, decDeg: number, radiusArcsec: number): Uint32Array {
    let n = this.coneInto(raDeg, decDeg, radiusArcsec, this.scratch);
    if (n > this.scratch.length) {
      this.scratch = new Uint32Array(Math.max(n, this.scratch.length * 2));
      n = this.coneInto(raDeg, decDeg, radiusArcsec, this.scratch);
    }
    return this.scratch.slice(0, n);
  }

  /** Rows within the radius with their separations, nearest first (ties: lower row). */
  coneSorted(raDeg: number, decDeg: number, radiusArcsec: number): ConeHit[] {
    const rows = this.cone(raDeg, decDeg, radiusArcsec);
    if (rows.length === 0) return []; // the common answer of a service's cone search: no work, no garbage
    const ra = normalizeRa(raDeg) * RAD_PER_DEG, d = decDeg * RAD_PER_DEG;
    const c = Math.cos(d);
    const qx = c * Math.cos(ra), qy = c * Math.sin(ra), qz = Math.sin(d);
    const pos = this.positionsOf(rows);
    const hits = Array.from(rows, (row, k) => {
      const i = pos[k];
      const dx = this.x[i] - qx, dy = this.y[i] - qy, dz = this.z[i] - qz;
      return { row, c2: dx * dx + dy * dy + dz * dz };
    });
    hits.sort((p, q) => p.c2 - q.c2 || p.row - q.row);
    return hits.map((h) => ({ row: h.row, sepArcsec: arcsecFromChord2(h.c2) }));
  }

  /** Sorted positions of input rows (inverse of rowIds), for a few rows. */
  private positionsOf(rows: Uint32Array): Uint32Array {
    if (!this.rowIds) return rows;
    const want = new Map<number, number>();
    rows.forEach((r, k) => want.set(r, k));
    const pos = new Uint32Array(rows.length);
    const ids = this.rowIds;
    // Rows came from one cone: find them near each other by scanning the covered ranges again.
    for (let r = 0; r < this.ranges.length && want.size > 0; r++) {
      const i0 = this.lowerBound(this.ranges.data[2 * r]);
      const i1 = this.lowerBound(this.ranges.data[2 * r + 1]);
      for (let i = i0; i < i1; i++) {
        const k = want.get(ids[i]);
        if (k !== undefined) { pos[k] = i; want.delete(ids[i]); }
      }
    }
    return pos;
  }

  /**
   * Bulk crossmatch of many probes against the index: probes are sorted by the
   * same key and merged against the rows, not searched one cone at a time.
   */
  crossmatch(ra: Float64Array, dec: Float64Array, opts: CrossmatchOptions): Matches {
    return crossmatch(this, ra, dec, opts);
  }

  /** Pairs within the radius among the rows themselves, i vs i excluded. */
  selfMatch(ra: Float64Array, dec: Float64Array, opts: Omit<CrossmatchOptions, 'excludeSelf'>): Matches {
    if (ra.length !== this.length) {
      throw new RangeError(`selfMatch needs the ${this.length} rows the index was built from, got ${ra.length}`);
    }
    return crossmatch(this, ra, dec, { ...opts, excludeSelf: true });
  }
}

function partsByteLength(p: IndexParts): number {
  return p.keys.byteLength * 4 + p.table.byteLength + (p.rowIds ? p.rowIds.byteLength : 0);
}

/** table[r] = first sorted row whose run is >= r; table[size] = n. */
export function fillRunTable(keys: Float64Array, rt: RunTable, table: Uint32Array): void {
  const div = 2 ** rt.shift;
  const n = keys.length;
  let r = 0;
  for (let i = 0; i < n; i++) {
    const run = Math.floor(keys[i] / div) - rt.base;
    while (r <= run) table[r++] = i;
  }
  while (r <= rt.size) table[r++] = n;
}
