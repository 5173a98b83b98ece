// Probe (source) positions prepared for a query: validated, RA folded into
// [0, 360), radii in degrees; then keyed by the index's scheme and sorted,
// carrying ra, dec and radius along so the merge reads them in order.

import { RAD_PER_DEG, normalizeRa } from '../sky/angles.js';
import { chord2FromArcsec } from '../sky/vector.js';
import type { KeyScheme } from './scheme.js';
import { sortRowsByKey } from './sort.js';

export interface Probes {
  n: number;
  ra: Float64Array;
  dec: Float64Array;
  /** Radius in arcsec per probe, as given, or null when all probes share radiusDeg. */
  radii: Float64Array | null;
  radiusDeg: number;
  /** Squared chord of the shared radius (when radiusDegs is null). */
  chord2: number;
  maxRadiusDeg: number;
}

/** Probes in key order: position j holds input probe order[j]. */
export interface SortedProbes {
  n: number;
  keys: Float64Array;
  order: Uint32Array;
  ra: Float64Array;
  dec: Float64Array;
  /** Per-probe radii in arcsec, in key order (null when shared). */
  radii: Float64Array | null;
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

export function checkRadius(r: number, name: string): void {
  if (typeof r !== 'number' || !(r >= 0) || r === Infinity) {
    throw new RangeError(`${name} must be a finite number of arcsec >= 0, got ${fmt(r)}`);
  }
}

export function prepareProbes(ra: Float64Array, dec: Float64Array, radiusArcsec: number | Float64Array): Probes {
  checkPositions(ra, dec);
  const n = ra.length;
  if (typeof radiusArcsec === 'number') {
    checkRadius(radiusArcsec, 'radiusArcsec');
    const r = radiusArcsec / 3600;
    return { n, ra: foldRa(ra), dec, radii: null, radiusDeg: r, chord2: chord2FromArcsec(radiusArcsec), maxRadiusDeg: r };
  }
  if (!(radiusArcsec instanceof Float64Array) || radiusArcsec.length !== n) {
    throw new RangeError(`radiusArcsec must be a number or a Float64Array of ${n} radii`);
  }
  let maxR = 0;
  for (let i = 0; i < n; i++) {
    const r = radiusArcsec[i];
    checkRadius(r, `radiusArcsec[${i}]`);
    if (r > maxR) maxR = r;
  }
  maxR /= 3600;
  return { n, ra: foldRa(ra), dec, radii: radiusArcsec, radiusDeg: maxR, chord2: 4, maxRadiusDeg: maxR };
}

export function sortProbes(P: Probes, scheme: KeyScheme): SortedProbes {
  const n = P.n;
  const keys = new Float64Array(n);
  scheme.keysInto(P.ra, P.dec, keys);
  const sortedKeys = new Float64Array(n);
  const order = new Uint32Array(n);
  const ra = new Float64Array(n), dec = new Float64Array(n);
  const radii = P.radii ? new Float64Array(n) : null;
  const inCols = radii ? [P.ra, P.dec, P.radii!] : [P.ra, P.dec];
  const outCols = radii ? [ra, dec, radii] : [ra, dec];
  sortRowsByKey(keys, inCols, sortedKeys, order, outCols);
  return { n, keys: sortedKeys, order, ra, dec, radii };
}

/** Unit vector of (ra, dec) in degrees, into v[0..2]. */
export function vectorInto(raDeg: number, decDeg: number, v: Float64Array): void {
  const a = raDeg * RAD_PER_DEG, d = decDeg * RAD_PER_DEG;
  const c = Math.cos(d);
  v[0] = c * Math.cos(a);
  v[1] = c * Math.sin(a);
  v[2] = Math.sin(d);
}
