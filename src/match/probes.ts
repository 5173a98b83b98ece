// Probe (source) positions prepared for a query: validated, RA folded into
// [0, 360), unit vectors, per-probe squared chord of the radius.

import { RAD_PER_DEG, normalizeRa } from '../sky/angles.js';
import { chord2FromArcsec } from '../sky/vector.js';

export interface Probes {
  n: number;
  ra: Float64Array;
  dec: Float64Array;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  /** Radius in degrees (per probe), and its squared chord. */
  radiusDeg: Float64Array;
  chord2: Float64Array;
  maxRadiusDeg: number;
}

function fmt(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}

/** Checks ra/dec columns; the error names the first bad row and value. */
export function checkPositions(ra: Float64Array, dec: Float64Array, what = ''): void {
  if (!(ra instanceof Float64Array) || !(dec instanceof Float64Array)) {
    throw new TypeError(`${what}ra and ${what}dec must be Float64Arrays`);
  }
  if (ra.length !== dec.length) {
    throw new RangeError(`${what}ra and ${what}dec differ in length: ${ra.length} vs ${dec.length}`);
  }
  for (let i = 0; i < ra.length; i++) {
    const r = ra[i], d = dec[i];
    if (!Number.isFinite(r)) throw new RangeError(`${what}ra[${i}] must be a finite number of degrees, got ${fmt(r)}`);
    if (!(d >= -90 && d <= 90)) throw new RangeError(`${what}dec[${i}] must be in [-90, 90], got ${fmt(d)}`);
  }
}

/** RA folded into [0, 360); the input array is returned when nothing needs folding. */
export function foldRa(ra: Float64Array): Float64Array {
  let ok = true;
  for (let i = 0; i < ra.length; i++) {
    if (!(ra[i] >= 0 && ra[i] < 360)) { ok = false; break; }
  }
  if (ok) return ra;
  const out = new Float64Array(ra.length);
  for (let i = 0; i < ra.length; i++) out[i] = normalizeRa(ra[i]);
  return out;
}

export function prepareProbes(
  ra: Float64Array, dec: Float64Array, radiusArcsec: number | Float64Array,
): Probes {
  checkPositions(ra, dec);
  const n = ra.length;
  const raN = foldRa(ra);
  const x = new Float64Array(n), y = new Float64Array(n), z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = raN[i] * RAD_PER_DEG, d = dec[i] * RAD_PER_DEG;
    const c = Math.cos(d);
    x[i] = c * Math.cos(a);
    y[i] = c * Math.sin(a);
    z[i] = Math.sin(d);
  }
  const radiusDeg = new Float64Array(n);
  const chord2 = new Float64Array(n);
  let maxR = 0;
  if (typeof radiusArcsec === 'number') {
    checkRadius(radiusArcsec, 'radiusArcsec');
    const c2 = chord2FromArcsec(radiusArcsec);
    radiusDeg.fill(radiusArcsec / 3600);
    chord2.fill(c2);
    maxR = radiusArcsec / 3600;
  } else {
    if (!(radiusArcsec instanceof Float64Array) || radiusArcsec.length !== n) {
      throw new RangeError(`radiusArcsec must be a number or a Float64Array of ${n} radii`);
    }
    for (let i = 0; i < n; i++) {
      const r = radiusArcsec[i];
      checkRadius(r, `radiusArcsec[${i}]`);
      radiusDeg[i] = r / 3600;
      chord2[i] = chord2FromArcsec(r);
      if (r / 3600 > maxR) maxR = r / 3600;
    }
  }
  return { n, ra: raN, dec, x, y, z, radiusDeg, chord2, maxRadiusDeg: maxR };
}

export function checkRadius(r: number, name: string): void {
  if (typeof r !== 'number' || !(r >= 0) || r === Infinity) {
    throw new RangeError(`${name} must be a finite number of arcsec >= 0, got ${fmt(r)}`);
  }
}
