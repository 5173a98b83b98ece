// Where a catalog has rows: declination range, RA range (or the full circle),
// and the area of the occupied cells of a 1-degree grid of roughly equal-area
// cells (zones of 1 deg, RA columns widened by 1/cos(dec)).

import { RowColScheme } from '../match/scheme-zones.js';

export interface Coverage {
  /** Rows covered. */
  rows: number;
  decMinDeg: number;
  decMaxDeg: number;
  /** Smallest RA interval holding every row, [raMinDeg, raMaxDeg], possibly wrapping through 0 (raMinDeg > raMaxDeg). */
  raMinDeg: number;
  raMaxDeg: number;
  /** Sky area (deg^2) of the occupied cells of the 1-degree grid, an upper bound on the area covered. */
  areaDeg2: number;
  /** Fraction of the whole sky. */
  skyFraction: number;
}

const SKY_DEG2 = 41252.96124941927;

export function computeCoverage(ra: Float64Array, dec: Float64Array): Coverage {
  const n = ra.length;
  if (n === 0) return { rows: 0, decMinDeg: NaN, decMaxDeg: NaN, raMinDeg: NaN, raMaxDeg: NaN, areaDeg2: 0, skyFraction: 0 };
  let dmin = Infinity, dmax = -Infinity;
  const grid = new RowColScheme(1, 1);
  const used = new Uint8Array(grid.nCells);
  const raDeg = new Uint8Array(360);
  for (let i = 0; i < n; i++) {
    const d = dec[i];
    if (d < dmin) dmin = d;
    if (d > dmax) dmax = d;
    used[Math.floor(grid.keyOf(ra[i], d) / 4294967296)] = 1;
    raDeg[Math.min(359, Math.floor(ra[i]))] = 1;
  }
  let area = 0;
  for (let z = 0; z < grid.nZones; z++) {
    const lo = (-90 + z) * (Math.PI / 180), hi = Math.min(90, -90 + z + 1) * (Math.PI / 180);
    const zoneArea = (Math.sin(hi) - Math.sin(lo)) * 360 * (180 / Math.PI);
    const cols = grid.cols[z];
    let k = 0;
    for (let c = 0; c < cols; c++) k += used[grid.cellStart[z] + c];
    area += (zoneArea * k) / cols;
  }
  // The largest run of empty 1-degree RA bins (circularly) bounds the RA range.
  let bestLen = 0, bestStart = 0;
  for (let s = 0; s < 360; s++) {
    if (raDeg[s] || raDeg[(s + 359) % 360] === 0) continue;
    let len = 0;
    while (len < 360 && raDeg[(s + len) % 360] === 0) len++;
    if (len > bestLen) { bestLen = len; bestStart = s; }
  }
  let raMin = 0, raMax = 360;
  if (bestLen > 0) {
    // Exact bounds from the rows, just outside the empty run.
    const gapLo = bestStart, gapHi = (bestStart + bestLen) % 360;
    let lo = Infinity, hi = -Infinity, loW = Infinity, hiW = -Infinity;
    for (let i = 0; i < n; i++) {
      const r = ra[i];
      // Shift RA so that the gap end is 0: the covered arc is then [lo, hi] without wrap.
      const s = (r - gapHi + 360) % 360;
      if (s < lo) { lo = s; loW = r; }
      if (s > hi) { hi = s; hiW = r; }
    }
    raMin = loW; raMax = hiW;
    void gapLo;
  }
  return {
    rows: n, decMinDeg: dmin, decMaxDeg: dmax, raMinDeg: raMin, raMaxDeg: raMax,
    areaDeg2: +area.toFixed(3), skyFraction: +(area / SKY_DEG2).toFixed(6),
  };
}
