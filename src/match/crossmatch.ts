// Bulk crossmatch. Probes are keyed with the index's own scheme and sorted, so
// they visit the catalog in key order: for zones the rows of each catalog zone
// are merged against the probes of each nearby zone with advancing pointers
// (Gray et al. 2007); for the other schemes each probe's cover ranges fall
// next to the previous probe's, so the catalog is read in order too.
// Probe attributes travel with the sort, so the merge reads them in order.

import { normalizeRa } from '../sky/angles.js';
import { RangeList } from '../sky/ranges.js';
import { chord2FromArcsec } from '../sky/vector.js';
import { RA_STEPS, RA_STEPS_PER_DEG, WINDOW_MARGIN_DEG, quantizeRa, raHalfWidthDeg, zoneOf } from '../zones/zones.js';
import { BestBuilder, MatchBuilder, emptyMatches, type Matches } from './matches.js';
import type { RowMotion } from './motion.js';
import { MotionTest, motionRadii } from './motion-test.js';
import { nearestMatch } from './nearest.js';
import { prepareProbes, sortProbes, vectorInto, type Probes, type SortedProbes } from './probes.js';
import type { ZonesScheme } from './scheme-zones.js';
import type { SkyIndex } from './sky-index.js';

export interface CrossmatchOptions {
  /** Match radius in arcsec: one for all probes, or one per probe. Required. */
  radiusArcsec: number | Float64Array;
  /** 'all' pairs within the radius (default), the 'best' (closest) row per probe, or the 'nearest' k. */
  mode?: 'all' | 'best' | 'nearest';
  /** For mode 'nearest': how many rows per probe (default 1), all within radiusArcsec. */
  k?: number;
  /** Self-match: skip the pair (i, i). */
  excludeSelf?: boolean;
  /**
   * The rows' proper motions (RowMotion.prepare over the rows in the order
   * the index reports them): each row is moved to its probe's epoch before
   * the exact test, and separations are at that epoch.
   */
  motion?: RowMotion;
  /** The probes' epoch, Julian years (J2026.5 = 2026.5): one for all, or one per probe. Required with motion. */
  epochYear?: number | Float64Array;
}

const TWO32 = 4294967296;

/** Accumulates pairs: all of them, or the best per probe. */
interface Sink {
  all: MatchBuilder | null;
  best: BestBuilder | null;
  excludeSelf: boolean;
  /** Moving rows: the exact test on propagated positions (null: rows do not move, no extra work). */
  motion: MotionTest | null;
}

export function crossmatch(
  index: SkyIndex, ra: Float64Array, dec: Float64Array, opts: CrossmatchOptions,
): Matches {
  if (!opts || typeof opts !== 'object') throw new TypeError('crossmatch options with radiusArcsec are required');
  const mode = opts.mode ?? 'all';
  if (mode !== 'all' && mode !== 'best' && mode !== 'nearest') {
    throw new RangeError(`mode must be all|best|nearest, got '${String(mode)}'`);
  }
  if (opts.motion !== undefined) return crossmatchMoving(index, ra, dec, opts, mode);
  const probes = prepareProbes(ra, dec, opts.radiusArcsec);
  const excludeSelf = opts.excludeSelf === true;
  if (mode === 'nearest') {
    const k = opts.k ?? 1;
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be an integer >= 1, got ${String(k)}`);
    return nearestMatch(index, probes, k, excludeSelf);
  }
  if (probes.n === 0 || index.length === 0) return emptyMatches();
  const sink: Sink = {
    all: mode === 'all' ? new MatchBuilder(Math.max(1024, probes.n >>> 2)) : null,
    best: mode === 'best' ? new BestBuilder(probes.n) : null,
    excludeSelf,
    motion: null,
  };
  const sorted = sortProbes(probes, index.keyScheme);
  merge(index, probes, sorted, sink);
  return sink.all ? sink.all.finish(probes.n) : sink.best!.finish();
}

function merge(index: SkyIndex, probes: Probes, sorted: SortedProbes, sink: Sink): void {
  if (index.scheme.kind === 'zones') zoneMerge(index, probes, sorted, sink);
  else coverMerge(index, probes, sorted, sink);
}

/**
 * Rows with proper motions: the index (on reference-epoch positions) is
 * searched at each probe's radius widened by the farthest a row moves by the
 * probe's epoch; candidates are tested on their propagated positions. The
 * few fastest rows (motion.ts) are left out of that search and found the
 * other way round: each one's circle (the largest radius plus its reach) is
 * covered with the index's key ranges and the probes, already sorted by the
 * same keys, are read in those ranges. So one 10"/yr star costs one cover,
 * not a wider search for every probe.
 * 'nearest' gathers all pairs within the radius and keeps the k closest.
 */
function crossmatchMoving(index: SkyIndex, ra: Float64Array, dec: Float64Array, opts: CrossmatchOptions, mode: 'all' | 'best' | 'nearest'): Matches {
  const motion = opts.motion!;
  if (motion.length !== index.length) {
    throw new RangeError(`motion has ${motion.length} rows, the index ${index.length}`);
  }
  const k = opts.k ?? 1;
  if (mode === 'nearest' && (!Number.isInteger(k) || k < 1)) throw new RangeError(`k must be an integer >= 1, got ${String(k)}`);
  const test = MotionTest.create(motion, ra, dec, opts.radiusArcsec, opts.epochYear);
  const n = ra.length;
  const split = motion.fastRows.length > 0;
  const probes = prepareProbes(ra, dec, motionRadii(test, split));
  if (n === 0 || index.length === 0) return emptyMatches();
  const sink: Sink = {
    all: mode === 'best' ? null : new MatchBuilder(Math.max(1024, n >>> 2)),
    best: mode === 'best' ? new BestBuilder(n) : null,
    excludeSelf: opts.excludeSelf === true,
    motion: test,
  };
  const sorted = sortProbes(probes, index.keyScheme);
  merge(index, probes, sorted, sink);
  if (split) {
    test.beginFastPass();
    fastRowsPass(index, test, sorted, sink);
  }
  if (sink.best) return sink.best.finish();
  const all = sink.all!.finish(n);
  return mode === 'nearest' ? firstPerProbe(all, k) : all;
}

/** Each fast row against the sorted probes in its circle's key ranges. */
function fastRowsPass(index: SkyIndex, test: MotionTest, S: SortedProbes, sink: Sink): void {
  const m = test.motion, ks = index.keyScheme;
  const reachDeg = Math.min(180, (test.maxRadius() + test.maxReach(false)) / 3600);
  const ranges = new RangeList(64);
  const keys = S.keys, order = S.order, nP = S.n;
  for (let f = 0; f < m.fastRows.length; f++) {
    const row = m.fastRows[f];
    ks.cover(normalizeRa(m.ra[row]), m.dec[row], m.x0[row], m.y0[row], m.z0[row], reachDeg, ranges);
    for (let r = 0; r < ranges.length; r++) {
      const j1 = lowerBoundKeys(keys, nP, ranges.data[2 * r + 1]);
      for (let j = lowerBoundKeys(keys, nP, ranges.data[2 * r]); j < j1; j++) emit(sink, order[j], row, 0);
    }
  }
}

function lowerBoundKeys(keys: Float64Array, n: number, k: number): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >>> 1);
    if (keys[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first k pairs of each probe (pairs come grouped by probe, closest first). */
function firstPerProbe(m: Matches, k: number): Matches {
  let n = 0, run = 0;
  const keep = new Uint32Array(m.length);
  for (let i = 0; i < m.length; i++) {
    run = i > 0 && m.probe[i] === m.probe[i - 1] ? run + 1 : 0;
    if (run < k) keep[n++] = i;
  }
  if (n === m.length) return m;
  const out = { probe: new Uint32Array(n), row: new Uint32Array(n), sepArcsec: new Float64Array(n), length: n };
  for (let j = 0; j < n; j++) {
    const i = keep[j];
    out.probe[j] = m.probe[i]; out.row[j] = m.row[i]; out.sepArcsec[j] = m.sepArcsec[i];
  }
  return out;
}

function emit(sink: Sink, probe: number, row: number, chord2: number): void {
  const mt = sink.motion;
  if (mt !== null) {
    // A candidate of the widened search: keep it only if the row, moved to
    // the probe's epoch, is within the probe's own radius.
    row = mt.rowOf(row);
    if (row < 0) return;
    chord2 = mt.chord2(probe, row);
    if (!(chord2 <= mt.limit(probe))) return;
  }
  if (sink.excludeSelf && row === probe) return;
  if (sink.all) sink.all.push(probe, row, chord2);
  else sink.best!.offer(probe, row, chord2);
}

/** First position in [lo, hi) with keys[pos] >= k, galloping from lo. */
function gallop(keys: Float64Array, lo: number, hi: number, k: number): number {
  let step = 1;
  let prev = lo;
  let at = lo;
  while (at < hi && keys[at] < k) {
    prev = at;
    at += step;
    step *= 2;
  }
  let a = prev, b = Math.min(at, hi);
  while (a < b) {
    const mid = a + ((b - a) >>> 1);
    if (keys[mid] < k) a = mid + 1;
    else b = mid;
  }
  return a;
}

function chord2Of(P: Probes, S: SortedProbes, j: number): number {
  return S.radii ? chord2FromArcsec(S.radii[j]) : P.chord2;
}

function zoneMerge(index: SkyIndex, P: Probes, S: SortedProbes, sink: Sink): void {
  const zs = index.keyScheme as ZonesScheme;
  const h = zs.h, nz = zs.nZones;
  const keys = index.keys, X = index.x, Y = index.y, Z = index.z, table = index.table, ids = index.rowIds;
  const pk = S.keys, order = S.order, sRa = S.ra, sDec = S.dec, sR = S.radii;
  const ptr = new Float64Array(nz);
  const v = new Float64Array(3);
  const m = S.n;
  let j = 0;
  while (j < m) {
    const zp = Math.floor(pk[j] / TWO32);
    const runEndKey = (zp + 1) * TWO32;
    let j1 = j + 1;
    while (j1 < m && pk[j1] < runEndKey) j1++;
    let rmax = P.radiusDeg;
    if (sR) {
      rmax = 0;
      for (let jj = j; jj < j1; jj++) if (sR[jj] > rmax) rmax = sR[jj];
      rmax /= 3600;
    }
    const bandLo = -90 + zp * h;
    const bandHi = Math.min(90, bandLo + h);
    const reach = rmax + WINDOW_MARGIN_DEG;
    const zc0 = zoneOf(Math.max(-90, bandLo - reach), h, nz);
    const zc1 = zoneOf(Math.min(90, bandHi + reach), h, nz);
    // The widest RA window of any probe in the band: one alpha for the run keeps
    // the window's lower edge monotone, so zone pointers only move forward.
    const alpha = raHalfWidthDeg(rmax, Math.min(90, Math.max(Math.abs(bandLo), Math.abs(bandHi))));
    if (alpha >= 179.9) {
      for (let jj = j; jj < j1; jj++) {
        const p = order[jj];
        vectorInto(sRa[jj], sDec[jj], v);
        const px = v[0], py = v[1], pz = v[2];
        const c2 = chord2Of(P, S, jj);
        for (let i = table[zc0], end = table[zc1 + 1]; i < end; i++) {
          const dx = X[i] - px, dy = Y[i] - py, dz = Z[i] - pz;
          const c = dx * dx + dy * dy + dz * dz;
          if (c <= c2) emit(sink, p, ids ? ids[i] : i, c);
        }
      }
      j = j1;
      continue;
    }
    for (let zc = zc0; zc <= zc1; zc++) ptr[zc] = table[zc];
    const zoneBase = zp * TWO32;
    for (let jj = j; jj < j1; jj++) {
      const q = pk[jj] - zoneBase;
      // This probe's own zones: usually just its own.
      const reachP = (sR ? sR[jj] / 3600 : rmax) + WINDOW_MARGIN_DEG;
      const decP = sDec[jj];
      const za = decP - reachP <= bandLo ? zc0 : zp;
      const zb = decP + reachP >= bandHi ? zc1 : zp;
      // Window from the quantised RA (monotone along the run), one step wider.
      const lo = (q - 1) / RA_STEPS_PER_DEG - alpha;
      const hi = (q + 2) / RA_STEPS_PER_DEG + alpha;
      let qlo = 0, qhi = RA_STEPS - 1, wrapLo = -1, wrapHi = -1;
      if (lo < 0) wrapLo = quantizeRa(lo + 360);
      else qlo = Math.floor(lo * RA_STEPS_PER_DEG);
      if (hi >= 360) wrapHi = quantizeRa(hi - 360);
      else qhi = Math.floor(hi * RA_STEPS_PER_DEG);
      // The probe's vector and chord are computed at its first candidate: most probes have none.
      let px = NaN, py = 0, pz = 0, c2 = 0;
      for (let zc = za; zc <= zb; zc++) {
        const base = zc * TWO32;
        const end = table[zc + 1];
        let i = ptr[zc];
        const kLo = base + qlo;
        if (i < end && keys[i] < kLo) i = gallop(keys, i, end, kLo);
        ptr[zc] = i;
        const kHi = base + qhi;
        for (; i < end && keys[i] <= kHi; i++) {
          if (px !== px) {
            vectorInto(sRa[jj], decP, v);
            px = v[0]; py = v[1]; pz = v[2];
            c2 = chord2Of(P, S, jj);
          }
          const dx = X[i] - px, dy = Y[i] - py, dz = Z[i] - pz;
          const c = dx * dx + dy * dy + dz * dz;
          if (c <= c2) emit(sink, order[jj], ids ? ids[i] : i, c);
        }
        if (wrapLo < 0 && wrapHi < 0) continue;
        if (px !== px) {
          vectorInto(sRa[jj], decP, v);
          px = v[0]; py = v[1]; pz = v[2];
          c2 = chord2Of(P, S, jj);
        }
        if (wrapLo >= 0) {
          for (i = gallop(keys, table[zc], end, base + wrapLo); i < end; i++) {
            const dx = X[i] - px, dy = Y[i] - py, dz = Z[i] - pz;
            const c = dx * dx + dy * dy + dz * dz;
            if (c <= c2) emit(sink, order[jj], ids ? ids[i] : i, c);
          }
        }
        if (wrapHi >= 0) {
          const kw = base + wrapHi;
          for (i = table[zc]; i < end && keys[i] <= kw; i++) {
            const dx = X[i] - px, dy = Y[i] - py, dz = Z[i] - pz;
            const c = dx * dx + dy * dy + dz * dz;
            if (c <= c2) emit(sink, order[jj], ids ? ids[i] : i, c);
          }
        }
      }
    }
    j = j1;
  }
}

function coverMerge(index: SkyIndex, P: Probes, S: SortedProbes, sink: Sink): void {
  const ks = index.keyScheme;
  const X = index.x, Y = index.y, Z = index.z, ids = index.rowIds;
  const order = S.order, sRa = S.ra, sDec = S.dec, sR = S.radii;
  const ranges = new RangeList(64);
  const v = new Float64Array(3);
  // Consecutive probes often share a one-range cover (same pixel): reuse its rows.
  let lastS = -1, lastE = -1, lastI0 = 0, lastI1 = 0;
  for (let jj = 0; jj < S.n; jj++) {
    const p = order[jj];
    vectorInto(sRa[jj], sDec[jj], v);
    const px = v[0], py = v[1], pz = v[2];
    const c2 = chord2Of(P, S, jj);
    ks.cover(sRa[jj], sDec[jj], px, py, pz, sR ? sR[jj] / 3600 : P.radiusDeg, ranges);
    for (let r = 0; r < ranges.length; r++) {
      const s = ranges.data[2 * r], e = ranges.data[2 * r + 1];
      let i0: number, i1: number;
      if (s === lastS && e === lastE) {
        i0 = lastI0; i1 = lastI1;
      } else {
        i0 = index.lowerBound(s);
        i1 = index.lowerBound(e);
        lastS = s; lastE = e; lastI0 = i0; lastI1 = i1;
      }
      for (let i = i0; i < i1; i++) {
        const dx = X[i] - px, dy = Y[i] - py, dz = Z[i] - pz;
        const c = dx * dx + dy * dy + dz * dz;
        if (c <= c2) emit(sink, p, ids ? ids[i] : i, c);
      }
    }
  }
}
