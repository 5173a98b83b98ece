// A catalog's density on the sky, per HEALPix cell, for the prior of the
// probabilistic match: cells hold ~100 rows on average, so the density is
// local (a survey footprint, the Galactic plane) but not noisy.

import { ang2pixNest } from '../healpix/index.js';

const ROWS_PER_CELL = 100;
const MAX_ORDER = 10;

export class DensityMap {
  private constructor(readonly order: number, private readonly counts: Uint32Array, readonly rows: number) {}

  /** Counts the rows (degrees) per NESTED cell at the order giving ~100 rows per cell (at most order 10). */
  static build(ra: Float64Array, dec: Float64Array): DensityMap {
    const n = ra.length;
    let order = 0;
    while (order < MAX_ORDER && n / (12 * 4 ** (order + 1)) >= ROWS_PER_CELL) order++;
    const counts = new Uint32Array(12 * 4 ** order);
    for (let i = 0; i < n; i++) counts[ang2pixNest(order, ra[i], dec[i])]++;
    return new DensityMap(order, counts, n);
  }

  /** Rows per steradian around (ra, dec); an empty cell counts as one row, so the density is never 0. */
  perSteradian(raDeg: number, decDeg: number): number {
    const cellSr = (4 * Math.PI) / this.counts.length;
    return Math.max(1, this.counts[ang2pixNest(this.order, raDeg, decDeg)]) / cellSr;
  }
}
