// Zones (1D) and row/col zones (2D) as key schemes.
// zones:  key = zone * 2^32 + quantised RA; a circle is one RA window per zone,
//         found by binary search.
// rowcol: key = cell * 2^32 + quantised RA, cells numbered zone by zone, so the
//         row order is the same as for zones; a circle is a list of whole cells,
//         found through the offsets table alone (no search, more rows scanned).

import { RAD_PER_DEG } from '../sky/angles.js';
import type { RangeList } from '../sky/ranges.js';
import {
  RA_STEPS, RA_STEPS_PER_DEG, WINDOW_MARGIN_DEG, checkZoneHeight, quantizeRa, raHalfWidthDeg,
  zoneCount, zoneOf,
} from '../zones/zones.js';
import type { IndexScheme, KeyScheme, RunTable } from './scheme.js';

const TWO32 = 4294967296;

export class ZonesScheme implements KeyScheme {
  readonly spec: IndexScheme;
  readonly h: number;
  readonly nZones: number;

  constructor(zoneHeightDeg: number) {
    checkZoneHeight(zoneHeightDeg);
    this.h = zoneHeightDeg;
    this.nZones = zoneCount(zoneHeightDeg);
    this.spec = { kind: 'zones', zoneHeightDeg };
  }

  runTable(): RunTable {
    return { shift: 32, base: 0, size: this.nZones };
  }

  keysInto(ra: Float64Array, dec: Float64Array, out: Float64Array): void {
    const h = this.h, nz = this.nZones;
    for (let i = 0; i < ra.length; i++) {
      let z = Math.floor((dec[i] + 90) / h);
      if (z >= nz) z = nz - 1;
      let q = Math.floor(ra[i] * RA_STEPS_PER_DEG);
      if (q >= RA_STEPS) q = RA_STEPS - 1;
      out[i] = z * TWO32 + q;
    }
  }

  keyOf(ra: number, dec: number): number {
    return zoneOf(dec, this.h, this.nZones) * TWO32 + quantizeRa(ra);
  }

  cover(ra: number, dec: number, _x: number, _y: number, _z: number, radiusDeg: number, out: RangeList): void {
    out.clear();
    const r = radiusDeg + WINDOW_MARGIN_DEG;
    const z0 = zoneOf(Math.max(-90, dec - r), this.h, this.nZones);
    const z1 = zoneOf(Math.min(90, dec + r), this.h, this.nZones);
    const alpha = raHalfWidthDeg(radiusDeg, dec);
    for (let z = z0; z <= z1; z++) pushRaWindow(out, z * TWO32, ra, alpha);
  }
}

/** Appends the key ranges of [ra - alpha, ra + alpha] inside one zone starting at key base. */
function pushRaWindow(out: RangeList, base: number, ra: number, alpha: number): void {
  if (alpha >= 179.9) {
    out.push(base, base + TWO32);
    return;
  }
  const lo = ra - alpha;
  const hi = ra + alpha;
  if (lo < 0) {
    out.push(base, base + quantizeRa(hi) + 1);
    out.push(base + quantizeRa(lo + 360), base + TWO32);
  } else if (hi >= 360) {
    out.push(base, base + quantizeRa(hi - 360) + 1);
    out.push(base + quantizeRa(lo), base + TWO32);
  } else {
    out.push(base + quantizeRa(lo), base + quantizeRa(hi) + 1);
  }
}

export class RowColScheme implements KeyScheme {
  readonly spec: IndexScheme;
  readonly h: number;
  readonly w: number;
  readonly nZones: number;
  /** Columns in each zone, and the number of the first cell of each zone. */
  readonly cols: Uint32Array;
  readonly cellStart: Float64Array;
  readonly nCells: number;

  constructor(zoneHeightDeg: number, colWidthDeg: number) {
    checkZoneHeight(zoneHeightDeg);
    if (!(colWidthDeg > 0 && colWidthDeg <= 360)) {
      throw new RangeError(`colWidthDeg must be in (0, 360], got ${String(colWidthDeg)}`);
    }
    this.h = zoneHeightDeg;
    this.w = colWidthDeg;
    this.nZones = zoneCount(zoneHeightDeg);
    this.cols = new Uint32Array(this.nZones);
    this.cellStart = new Float64Array(this.nZones + 1);
    for (let z = 0; z < this.nZones; z++) {
      // Cells about w wide on the sky: RA columns widen as cos(dec) shrinks.
      const mid = Math.min(90, -90 + (z + 0.5) * zoneHeightDeg);
      const n = Math.floor((360 * Math.cos(mid * RAD_PER_DEG)) / colWidthDeg);
      this.cols[z] = Math.max(1, Math.min(n, 1 << 20));
      this.cellStart[z + 1] = this.cellStart[z] + this.cols[z];
    }
    this.nCells = this.cellStart[this.nZones];
    if (this.nCells >= 2 ** 21) {
      throw new RangeError(
        `rowcol grid of ${this.nCells} cells is too fine (at most 2^21): widen zoneHeightDeg or colWidthDeg`,
      );
    }
    this.spec = { kind: 'rowcol', zoneHeightDeg, colWidthDeg };
  }

  runTable(): RunTable {
    return { shift: 32, base: 0, size: this.nCells };
  }

  keysInto(ra: Float64Array, dec: Float64Array, out: Float64Array): void {
    const h = this.h, nz = this.nZones, cols = this.cols, cellStart = this.cellStart;
    for (let i = 0; i < ra.length; i++) {
      let z = Math.floor((dec[i] + 90) / h);
      if (z >= nz) z = nz - 1;
      let q = Math.floor(ra[i] * RA_STEPS_PER_DEG);
      if (q >= RA_STEPS) q = RA_STEPS - 1;
      const col = Math.floor((q * cols[z]) / RA_STEPS);
      out[i] = (cellStart[z] + col) * TWO32 + q;
    }
  }

  keyOf(ra: number, dec: number): number {
    const z = zoneOf(dec, this.h, this.nZones);
    const q = quantizeRa(ra);
    return (this.cellStart[z] + Math.floor((q * this.cols[z]) / RA_STEPS)) * TWO32 + q;
  }

  cover(ra: number, dec: number, _x: number, _y: number, _z: number, radiusDeg: number, out: RangeList): void {
    out.clear();
    const r = radiusDeg + WINDOW_MARGIN_DEG;
    const z0 = zoneOf(Math.max(-90, dec - r), this.h, this.nZones);
    const z1 = zoneOf(Math.min(90, dec + r), this.h, this.nZones);
    const alpha = raHalfWidthDeg(radiusDeg, dec);
    for (let z = z0; z <= z1; z++) {
      const first = this.cellStart[z];
      const n = this.cols[z];
      if (alpha >= 179.9) {
        out.push(first * TWO32, (first + n) * TWO32);
        continue;
      }
      const lo = ra - alpha;
      const hi = ra + alpha;
      if (lo < 0) {
        this.pushCols(out, first, n, 0, hi);
        this.pushCols(out, first, n, lo + 360, 360);
      } else if (hi >= 360) {
        this.pushCols(out, first, n, 0, hi - 360);
        this.pushCols(out, first, n, lo, 360);
      } else {
        this.pushCols(out, first, n, lo, hi);
      }
    }
  }

  private pushCols(out: RangeList, first: number, n: number, lo: number, hi: number): void {
    const c0 = Math.floor((quantizeRa(lo) * n) / RA_STEPS);
    const c1 = hi >= 360 ? n - 1 : Math.floor((quantizeRa(hi) * n) / RA_STEPS);
    out.push((first + c0) * TWO32, (first + c1 + 1) * TWO32);
  }
}
