// A coarse bitmap of the sky, 2048 declination zones by 4096 RA columns
// (1 MiB), marking every cell that the circle of radius r around one of a set
// of points reaches. A position in an unmarked cell is farther than r from
// every point: a large file streamed against a small set can drop most of its
// rows before the exact crossmatch (at 2" around 10^5 points, ~97% of a
// uniform catalog). A filter that only ever keeps too much, never an answer.

import { raHalfWidthDeg } from '../zones/zones.js';

const ZONES = 2048;
const COLUMNS = 4096;
const ZONE_SCALE = ZONES / 180;
const COLUMN_SCALE = COLUMNS / 360;
/** Past this many cell marks the mask would be too full to drop much: none is made. */
const MAX_MARKS = 1 << 23;

function zoneOf(dec: number): number {
  const z = Math.floor((dec + 90) * ZONE_SCALE);
  return z < 0 ? 0 : z >= ZONES ? ZONES - 1 : z;
}

function columnOf(ra: number): number {
  const c = Math.floor(ra * COLUMN_SCALE);
  return c < 0 ? 0 : c >= COLUMNS ? COLUMNS - 1 : c;
}

export class CellMask {
  private constructor(readonly buffer: SharedArrayBuffer, private readonly bits: Int32Array) {}

  /** A mask over shared memory that another thread made. */
  static open(buffer: SharedArrayBuffer): CellMask {
    return new CellMask(buffer, new Int32Array(buffer));
  }

  /**
   * The cells within radiusArcsec of the points (ra in [0, 360), dec in
   * degrees); null when that would mark too much of the sky to be worth it.
   */
  static around(ra: Float64Array, dec: Float64Array, radiusArcsec: number): CellMask | null {
    const buffer = new SharedArrayBuffer((ZONES * COLUMNS) / 8);
    const bits = new Int32Array(buffer);
    // A little more than r, so that rounding in the boxes below never drops a pair the exact test keeps.
    const r = (radiusArcsec / 3600) * (1 + 1e-9) + 1e-9;
    let marks = 0;
    const mark = (z: number, c0: number, c1: number) => {
      marks += c1 - c0 + 1;
      for (let c = c0; c <= c1; c++) {
        const cell = z * COLUMNS + c;
        bits[cell >>> 5] |= 1 << (cell & 31);
      }
    };
    for (let i = 0; i < ra.length; i++) {
      const z0 = zoneOf(dec[i] - r), z1 = zoneOf(dec[i] + r);
      // The circle's widest reach in RA (180: it holds a pole, every column).
      const alpha = raHalfWidthDeg(r, dec[i]);
      for (let z = z0; z <= z1; z++) {
        if (alpha >= 180) {
          mark(z, 0, COLUMNS - 1);
        } else {
          const lo = ra[i] - alpha, hi = ra[i] + alpha;
          if (lo < 0) { mark(z, columnOf(lo + 360), COLUMNS - 1); mark(z, 0, columnOf(hi)); }
          else if (hi >= 360) { mark(z, columnOf(lo), COLUMNS - 1); mark(z, 0, columnOf(hi - 360)); }
          else mark(z, columnOf(lo), columnOf(hi));
        }
      }
      if (marks > MAX_MARKS) return null;
    }
    return new CellMask(buffer, bits);
  }

  /** Whether the cell of (ra in [0, 360), dec) is marked. */
  has(ra: number, dec: number): boolean {
    const cell = zoneOf(dec) * COLUMNS + columnOf(ra);
    return (this.bits[cell >>> 5] & (1 << (cell & 31))) !== 0;
  }
}
