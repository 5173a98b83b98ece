// One catalog's matches for a batch of alert positions, in bulk.
//
// Point catalogs: one library crossmatch on the catalog's own index, mode
// 'best', or 'all' cut to the k closest (pairs come sorted by probe, then
// separation, then row).
//
// Ellipse catalogs, in two stages so a handful of huge objects (OpenNGC holds
// 150' semi-major axes, 99% are below 8') does not widen every alert's search:
//   1. the catalog's index at R = max(point radius, the 99th-percentile scaled
//      semi-major axis), keeping rows whose own ellipse (or, without a size,
//      the point radius) holds the alert;
//   2. a small in-memory index of the rows larger than R, searched at their
//      largest semi-major axis, same test.
// Matches are ranked by distance in units of the ellipse (rows without a size:
// separation / point radius), then row.

import type { ArrowCatalog } from '../../catalog/arrow-catalog.js';
import type { Ellipse } from '../../catalog/set.js';
import { crossmatch } from '../../match/crossmatch.js';
import type { Matches } from '../../match/matches.js';
import { SkyIndex } from '../../match/sky-index.js';
import { positionAngleDeg } from '../../sky/vector.js';
import { ellipseDistance, ellipseTable, semiMajorQuantile, type EllipseTable } from './ellipse.js';

/** Columnar matches: pairs grouped by probe (ascending), best first within a probe. */
export interface CatalogHits {
  probe: Uint32Array;
  row: Uint32Array;
  sepArcsec: Float64Array;
  /** Position angle of the alert seen from the catalog row, deg east of north. */
  paDeg: Float64Array;
  /** Ellipse catalogs only: distance in units of the scaled ellipse. */
  ellipseDistance: Float64Array | null;
  length: number;
}

export interface MatcherOptions {
  radiusArcsec: number;
  mode: 'best' | 'all';
  k: number;
}

/** Share of sized rows searched through the catalog's own index (the rest are "large"). */
const SMALL_SHARE = 0.99;

export class PointMatcher {
  constructor(readonly catalog: ArrowCatalog, readonly opts: MatcherOptions) {}

  /**
   * With the alerts' epochs (Julian years), a catalog with proper motions is
   * moved to each alert's time before the test; separations and position
   * angles are then from where the row is at that time.
   */
  match(ra: Float64Array, dec: Float64Array, epochYear?: Float64Array): CatalogHits {
    const cat = this.catalog;
    const motion = epochYear ? cat.motion : null;
    const m = crossmatch(cat.index, ra, dec, {
      radiusArcsec: this.opts.radiusArcsec, mode: this.opts.mode, ...(motion ? { motion, epochYear } : {}),
    });
    const keep = this.opts.mode === 'all' ? firstKPerProbe(m, this.opts.k) : null;
    const n = keep ? keep.length : m.length;
    const probe = new Uint32Array(n), row = new Uint32Array(n), sep = new Float64Array(n), pa = new Float64Array(n);
    const cRa = cat.ra, cDec = cat.dec;
    for (let j = 0; j < n; j++) {
      const i = keep ? keep[j] : j;
      const p = m.probe[i], r = m.row[i];
      probe[j] = p; row[j] = r; sep[j] = m.sepArcsec[i];
      const at = motion ? motion.positionAt(r, epochYear![p]) : null;
      pa[j] = at ? positionAngleDeg(at.raDeg, at.decDeg, ra[p], dec[p]) : positionAngleDeg(cRa[r], cDec[r], ra[p], dec[p]);
    }
    return { probe, row, sepArcsec: sep, paDeg: pa, ellipseDistance: null, length: n };
  }
}

/** Indices of the first k pairs of each probe (pairs sorted by probe). */
function firstKPerProbe(m: Matches, k: number): Uint32Array {
  const out = new Uint32Array(m.length);
  let n = 0, run = 0;
  for (let i = 0; i < m.length; i++) {
    run = i > 0 && m.probe[i] === m.probe[i - 1] ? run + 1 : 0;
    if (run < k) out[n++] = i;
  }
  return out.subarray(0, n);
}

export class EllipseMatcher {
  readonly table: EllipseTable;
  /** Search radius of stage 1 (arcsec), and of stage 2 (0 when there are no large rows). */
  readonly smallRadiusArcsec: number;
  readonly largeRadiusArcsec: number;
  /** Catalog rows of the large-row index, in that index's input order. */
  private readonly largeRows: Uint32Array;
  private readonly largeIndex: SkyIndex | null;
  private readonly isLarge: Uint8Array;

  constructor(readonly catalog: ArrowCatalog, readonly opts: MatcherOptions, ellipse: Ellipse, scale: number) {
    const t = ellipseTable(catalog, ellipse, scale);
    this.table = t;
    this.smallRadiusArcsec = Math.max(opts.radiusArcsec, semiMajorQuantile(t, SMALL_SHARE));
    const n = catalog.length;
    this.isLarge = new Uint8Array(n);
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      if (t.semiMajor[i] > this.smallRadiusArcsec) { this.isLarge[i] = 1; large.push(i); }
    }
    this.largeRows = Uint32Array.from(large);
    this.largeRadiusArcsec = large.length ? t.maxSemiMajor : 0;
    if (large.length) {
      const cRa = catalog.ra, cDec = catalog.dec;
      const lra = Float64Array.from(large, (r) => cRa[r]), ldec = Float64Array.from(large, (r) => cDec[r]);
      this.largeIndex = SkyIndex.build(lra, ldec, 'zones', { radiusArcsec: this.largeRadiusArcsec });
    } else {
      this.largeIndex = null;
    }
  }

  match(ra: Float64Array, dec: Float64Array): CatalogHits {
    const cand = new Candidates();
    const small = crossmatch(this.catalog.index, ra, dec, { radiusArcsec: this.smallRadiusArcsec, mode: 'all' });
    for (let i = 0; i < small.length; i++) {
      const r = small.row[i];
      if (this.isLarge[r] === 0) this.test(cand, small.probe[i], r, small.sepArcsec[i], ra, dec);
    }
    if (this.largeIndex) {
      const big = crossmatch(this.largeIndex, ra, dec, { radiusArcsec: this.largeRadiusArcsec, mode: 'all' });
      for (let i = 0; i < big.length; i++) this.test(cand, big.probe[i], this.largeRows[big.row[i]], big.sepArcsec[i], ra, dec);
    }
    return cand.finish(this.opts.mode === 'best' ? 1 : this.opts.k);
  }

  private test(c: Candidates, p: number, r: number, sep: number, ra: Float64Array, dec: Float64Array): void {
    const t = this.table;
    const a = t.semiMajor[r];
    const pa = positionAngleDeg(this.catalog.ra[r], this.catalog.dec[r], ra[p], dec[p]);
    let d: number;
    if (a > 0) d = ellipseDistance(sep, pa, a, t.semiMinor[r], t.paDeg[r]);
    else d = sep / this.opts.radiusArcsec;
    if (d <= 1) c.push(p, r, sep, pa, d);
  }
}

/** Kept pairs of a batch, ranked per probe by (ellipse distance, row). Few: plain arrays. */
class Candidates {
  private readonly probe: number[] = [];
  private readonly row: number[] = [];
  private readonly sep: number[] = [];
  private readonly pa: number[] = [];
  private readonly d: number[] = [];

  push(p: number, r: number, sep: number, pa: number, d: number): void {
    this.probe.push(p); this.row.push(r); this.sep.push(sep); this.pa.push(pa); this.d.push(d);
  }

  finish(k: number): CatalogHits {
    const P = this.probe, R = this.row, D = this.d;
    const order = Array.from(P, (_, i) => i).sort((x, y) => P[x] - P[y] || D[x] - D[y] || R[x] - R[y]);
    const keep: number[] = [];
    let run = 0;
    for (let j = 0; j < order.length; j++) {
      run = j > 0 && P[order[j]] === P[order[j - 1]] ? run + 1 : 0;
      if (run < k) keep.push(order[j]);
    }
    const n = keep.length;
    return {
      probe: Uint32Array.from(keep, (i) => P[i]),
      row: Uint32Array.from(keep, (i) => R[i]),
      sepArcsec: Float64Array.from(keep, (i) => this.sep[i]),
      paDeg: Float64Array.from(keep, (i) => this.pa[i]),
      ellipseDistance: Float64Array.from(keep, (i) => D[i]),
      length: n,
    };
  }
}
