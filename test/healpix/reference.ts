// Test helpers for HEALPix: range arithmetic on bigint ranges, an
// independent forward projection (face coordinates -> sphere), and a plain
// re-implementation of HEALPix C++'s NEST query_disc (descent from the 12
// base pixels, exact chord distances) to bound the library's covers.

import * as hp from '../../src/healpix/index.js';
import type { RangeList } from '../../src/sky/ranges.js';
import { parseRanges } from '../support/vectors.js';

export const DEG = Math.PI / 180;
export type Ranges = Array<[bigint, bigint]>; // half-open, sorted, merged

/** 'a-b;c' (inclusive, as in the vector files) -> merged half-open ranges. */
export function parseHalfOpen(s: string): Ranges {
  return merge(parseRanges(s).map(([a, b]) => [a, b + 1n] as [bigint, bigint]));
}

export function merge(rs: Ranges): Ranges {
  const out: Ranges = [];
  for (const [a, b] of [...rs].sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0))) {
    const last = out[out.length - 1];
    if (last && last[1] >= a) { if (b > last[1]) last[1] = b; } else out.push([a, b]);
  }
  return out;
}

export function fromRangeList(r: RangeList): Ranges {
  return r.toArray().map(([a, b]) => [BigInt(a), BigInt(b)]);
}

export function count(rs: Ranges): bigint {
  let n = 0n;
  for (const [a, b] of rs) n += b - a;
  return n;
}

/** Ids of a that are not in b (a and b sorted and merged). */
export function minus(a: Ranges, b: Ranges, limit = 50): bigint[] {
  const out: bigint[] = [];
  let j = 0;
  for (const [s, e] of a) {
    let p = s;
    while (p < e && out.length < limit) {
      while (j < b.length && b[j][1] <= p) j++;
      if (j < b.length && b[j][0] <= p) { p = b[j][1]; continue; }
      const stop = j < b.length && b[j][0] < e ? b[j][0] : e;
      for (; p < stop && out.length < limit; p++) out.push(p);
    }
  }
  return out;
}

export function has(rs: Ranges, p: bigint): boolean {
  let lo = 0, hi = rs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rs[mid][1] <= p) lo = mid + 1; else hi = mid;
  }
  return lo < rs.length && rs[lo][0] <= p;
}

export function ids(rs: Ranges): bigint[] {
  const out: bigint[] = [];
  for (const [a, b] of rs) for (let p = a; p < b; p++) out.push(p);
  return out;
}

export function vec(raDeg: number, decDeg: number): [number, number, number] {
  const a = raDeg * DEG, d = decDeg * DEG;
  return [Math.cos(d) * Math.cos(a), Math.cos(d) * Math.sin(a), Math.sin(d)];
}

export function toRaDec(v: [number, number, number]): [number, number] {
  const n = Math.hypot(v[0], v[1], v[2]);
  let ra = Math.atan2(v[1], v[0]) / DEG;
  if (ra < 0) ra += 360;
  return [ra, Math.asin(Math.max(-1, Math.min(1, v[2] / n))) / DEG];
}

/** Angle between two positions (radians), Vincenty's formula. */
export function sepRad(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const l = (ra2 - ra1) * DEG, b1 = dec1 * DEG, b2 = dec2 * DEG;
  const x = Math.cos(b2) * Math.sin(l);
  const y = Math.cos(b1) * Math.sin(b2) - Math.sin(b1) * Math.cos(b2) * Math.cos(l);
  return Math.atan2(Math.hypot(x, y), Math.sin(b1) * Math.sin(b2) + Math.cos(b1) * Math.cos(b2) * Math.cos(l));
}

const JRLL = [2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4];
const JPLL = [1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7];

/**
 * The point at continuous face coordinates (x, y) in [0, 1]^2 of a base face
 * (HEALPix's xyf2loc): written from Górski et al. (2005), not from the library.
 */
export function faceToRaDec(face: number, x: number, y: number): [number, number] {
  const jr = JRLL[face] - x - y;
  let nr: number, dec: number;
  // In the caps 1 -+ z = nr^2 / 3: take the colatitude from sin(theta/2) = nr / sqrt(6), not from z.
  if (jr < 1) { nr = jr; dec = 90 - (2 * Math.asin(nr / Math.sqrt(6))) / DEG; } else if (jr > 3) { nr = 4 - jr; dec = (2 * Math.asin(nr / Math.sqrt(6))) / DEG - 90; } else { nr = 1; dec = Math.asin(((2 - jr) * 2) / 3) / DEG; }
  let t = JPLL[face] * nr + x - y;
  if (t < 0) t += 8;
  if (t >= 8) t -= 8;
  const phi = nr < 1e-15 ? 0 : (Math.PI / 4) * (t / nr);
  return [phi / DEG, dec];
}

/**
 * HEALPix C++'s NEST query_disc, plainly: from the 12 base pixels, a pixel
 * at distance d from the centre is dropped if d >= r + max_pixrad(o),
 * emitted whole if d < r - max_pixrad(o), ...; inclusive mode checks
 * sub-pixels down to order + log2(fact). Orders up to 22 (number ids).
 * With tie > 0 every test leans by 1e-12 relative towards keeping pixels:
 * a superset of HEALPix's set under any rounding of exact ties (a disc whose
 * rim passes exactly max_pixrad from a pixel centre, as symmetric test
 * discs manage to do).
 */
export function healpyNestDisc(order: number, raDeg: number, decDeg: number, rDeg: number, inclusive: boolean, fact = 4, tie = 0): Ranges {
  const c = vec(raDeg, decDeg);
  const r = rDeg * DEG;
  const omax = inclusive ? order + Math.log2(fact) : order;
  const out: Ranges = [];
  const dist = (o: number, p: number): number => {
    const q = hp.pix2angNest(o, p);
    const v = vec(q.ra, q.dec);
    return 2 * Math.atan2(Math.hypot(v[0] - c[0], v[1] - c[1], v[2] - c[2]), Math.hypot(v[0] + c[0], v[1] + c[1], v[2] + c[2]));
  };
  const lean = (a: number): number => tie * (1e-12 * a + 1e-14);
  const emit = (o: number, p: number): void => {
    const span = BigInt(4 ** (order - o));
    out.push([BigInt(p) * span, BigInt(p + 1) * span]);
  };
  // Returns true once the pixel (at o > order) decided its parent.
  const sub = (o: number, p: number): boolean => {
    const d = dist(o, p), dr = hp.maxPixrad(o);
    if (d >= r + dr + lean(r + dr)) return false;
    if (d <= r + lean(r) || o >= omax) return true;
    for (let k = 0; k < 4; k++) if (sub(o + 1, 4 * p + k)) return true;
    return false;
  };
  const walk = (o: number, p: number): void => {
    const d = dist(o, p), dr = hp.maxPixrad(o);
    if (d >= r + dr + lean(r + dr)) return;
    if (o < order) {
      if (d < r - dr + lean(r + dr)) emit(o, p);
      else for (let k = 0; k < 4; k++) walk(o + 1, 4 * p + k);
    } else if (d <= r + lean(r)) {
      emit(o, p);
    } else if (inclusive) {
      if (order === omax) emit(o, p);
      else for (let k = 0; k < 4; k++) if (sub(o + 1, 4 * p + k)) { emit(o, p); break; }
    }
  };
  for (let f = 0; f < 12; f++) walk(0, f);
  return merge(out);
}

/** Exact centre-in-disc set at orders <= 24: pixels (of a superset cover) whose centre is within r. */
export function centresInside(order: number, superset: Ranges, raDeg: number, decDeg: number, rDeg: number, scheme: 'nest' | 'ring'): { inside: Ranges; nearRim: Set<bigint> } {
  const inside: Ranges = [];
  const nearRim = new Set<bigint>();
  const r = rDeg * DEG;
  for (const p of ids(superset)) {
    const q = scheme === 'nest' ? hp.pix2angNestBig(order, p) : hp.pix2angRingBig(order, p);
    const d = sepRad(raDeg, decDeg, q.ra, q.dec);
    if (Math.abs(d - r) <= 1e-9 * r + 1e-15) nearRim.add(p);
    if (d <= r) inside.push([p, p + 1n]);
  }
  return { inside: merge(inside), nearRim };
}
