// Discs -> RING id ranges with HEALPix C++'s ring algorithm for the RING
// scheme: each ring crossing the disc gives one run of pixels (two where it
// wraps at longitude 0), so a large disc costs one step per ring.
//   centre mode: on each ring, the pixels whose centre is in the disc. The
//     run's ends come from the ring's half-width in longitude (haversine
//     form, accurate for tiny discs) and are then settled with the same
//     squared-chord test as the NESTED walk, so both schemes give the same
//     pixels.
//   inclusive mode: HEALPix's candidates (centres within r + max_pixrad) and,
//     with fact > 1, its trimming of the run's ends: an end pixel goes unless
//     it holds the disc centre or one of its edge sub-pixels at fact times the
//     resolution has its centre within r + max_pixrad(fine). Rings are chosen
//     as HEALPix does (rings beyond its range cannot overlap the disc), so the
//     set is a subset of healpy's RING set that holds every overlapping pixel.

import { RangeList } from '../sky/ranges.js';
import { locToRingParts } from './ang.js';
import {
  HALF_PI, JRLL, MAX_NUMBER_ORDER, MAX_ORDER, MAX_PIXRAD, NSIDE, checkOrder, chord2, chord2Outer, phiToTt, roundingMargin,
} from './base.js';
import { MAX_RANGES, discArgs, type DiscOptions } from './disc.js';
import {
  centreDist2, ringPartsToXyf, ringQuarter, ringShifted, ringStart, ringStartBig, xyfT,
} from './ring.js';

/** Runs of the last walk: [start of ring izA + a, start of ring izB + b), in increasing id order. */
class RingRuns {
  izA = new Float64Array(64);
  a = new Float64Array(64);
  izB = new Float64Array(64);
  b = new Float64Array(64);
  n = 0;

  push(izA: number, a: number, izB: number, b: number): void {
    if (this.n === this.a.length) {
      const m = this.n * 2;
      for (const k of ['izA', 'a', 'izB', 'b'] as const) {
        const g = new Float64Array(m);
        g.set(this[k]);
        this[k] = g;
      }
    }
    const i = this.n++;
    this.izA[i] = izA; this.a[i] = a; this.izB[i] = izB; this.b[i] = b;
  }
}

export const runs = new RingRuns();

let order = 0, nside = 0, cz = 0, cs = 0, cphi = 0, c2r = 0;
const centre = new Float64Array(3);
const xyf = new Int32Array(3);
const cpix = new Float64Array(2);

/** HEALPix's ring_above(cos theta), from theta to stay accurate near the poles. */
function ringAbove(theta: number): number {
  const z = Math.cos(theta);
  if (Math.abs(z) <= 2 / 3) return Math.floor(nside * (2 - 1.5 * z));
  if (z > 0) return Math.floor(nside * Math.sqrt(6) * Math.sin(theta / 2));
  return 4 * nside - Math.floor(nside * Math.sqrt(6) * Math.cos(theta / 2)) - 1;
}

/** Colatitude and sin(colatitude) of ring iz, into centre[0..1]. */
function ringTheta(iz: number): void {
  const nq = ringQuarter(nside, iz);
  if (nq < nside) {
    // 1 -+ z = nq^2 / (3 nside^2) = 2 sin^2(theta/2) (or cos^2 in the south).
    const h = 2 * Math.asin(nq / (nside * Math.sqrt(6)));
    centre[0] = iz < nside ? h : Math.PI - h;
    centre[1] = Math.sin(h);
  } else {
    const z = (2 * nside - iz) * (2 / (3 * nside));
    centre[0] = Math.acos(z);
    centre[1] = Math.sqrt((1 - z) * (1 + z));
  }
}

/**
 * Half-width in longitude of the points of a ring (colatitude theta, sin
 * sth) within angle R of the centre (colatitude theta0, sin sth0): -1 if
 * none, >= pi if the whole ring. Haversine form: hav d = hav(dtheta) +
 * sin theta sin theta0 hav(dphi).
 */
function halfWidth(theta: number, sth: number, theta0: number, sth0: number, R: number): number {
  if (R >= Math.PI) return Math.PI;
  const hr = Math.sin(R / 2), ht = Math.sin((theta - theta0) / 2);
  const h = hr * hr - ht * ht;
  if (h < 0) return -1;
  const den = sth * sth0;
  if (!(den > 0) || h >= den) return Math.PI;
  return 2 * Math.asin(Math.sqrt(h / den));
}

/** Squared chord from the disc centre to the centre of pixel k (any integer, taken mod 4 nq) of ring iz. */
function ringDist2(iz: number, k: number, nr: number, shifted: boolean): number {
  let kk = k % nr;
  if (kk < 0) kk += nr;
  return centreDist2(order, iz, 2 * kk + (shifted ? 1 : 0), cz, cs, cphi, c2r);
}

/** HEALPix's check_pixel_ring: true if pixel k of ring iz provably misses the disc (radius rsmall). */
function pixelClear(iz: number, k: number, nr: number, fct: number, fine: number, c2small: number): boolean {
  let kk = k % nr;
  if (kk < 0) kk += nr;
  if (iz === cpix[0] && kk === cpix[1]) return false;
  ringPartsToXyf(order, iz, kk, xyf);
  const f = xyf[0], ox = fct * xyf[1], oy = fct * xyf[2];
  for (let i = 0; i < fct - 1; i++) {
    if (fineDist2(f, ox + i, oy, fine, c2small) < c2small) return false;
    if (fineDist2(f, ox + fct - 1, oy + i, fine, c2small) < c2small) return false;
    if (fineDist2(f, ox + fct - 1 - i, oy + fct - 1, fine, c2small) < c2small) return false;
    if (fineDist2(f, ox, oy + fct - 1 - i, fine, c2small) < c2small) return false;
  }
  return true;
}

function fineDist2(face: number, ix: number, iy: number, o: number, limit: number): number {
  const n = NSIDE[o];
  const iz = JRLL[face] * n - ix - iy - 1;
  return centreDist2(o, iz, xyfT(n, face, ix, iy, iz), cz, cs, cphi, limit);
}

/** Pushes the run lo..hi (unwrapped pixel indices, inclusive) of ring iz. */
function emit(iz: number, lo: number, hi: number, nr: number): void {
  if (hi - lo + 1 >= nr) {
    runs.push(iz, 0, iz, nr);
    return;
  }
  if (hi >= nr) { lo -= nr; hi -= nr; } else if (hi < 0) { lo += nr; hi += nr; }
  if (lo < 0) {
    runs.push(iz, 0, iz, hi + 1);
    runs.push(iz, lo + nr, iz, nr);
  } else {
    runs.push(iz, lo, iz, hi + 1);
  }
}

let sIz = 0, sNr = 0, sShifted = false;

/** Whether the centre of pixel k of the ring being settled is in the disc. */
function inside(k: number): boolean {
  return ringDist2(sIz, k, sNr, sShifted) <= c2r;
}

/** Centre mode: settles the estimated run est = [lo, hi] of ring iz with the exact test; false if empty. */
function settle(iz: number, est: Float64Array, nr: number, shifted: boolean): boolean {
  sIz = iz; sNr = nr; sShifted = shifted;
  let lo = est[0], hi = est[1];
  if (lo > hi) {
    // Empty estimate (lo = hi + 1): the two pixels around the centre's longitude decide.
    if (inside(hi)) lo = hi;
    else if (inside(lo)) hi = lo;
    else return false;
  }
  if (inside(lo)) {
    while (hi - lo + 1 < nr && inside(lo - 1)) lo--;
  } else {
    do lo++; while (lo <= hi && !inside(lo));
    if (lo > hi) return false;
  }
  if (inside(hi)) {
    while (hi - lo + 1 < nr && inside(hi + 1)) hi++;
  } else {
    do hi--; while (hi > lo && !inside(hi));
  }
  est[0] = lo;
  est[1] = hi;
  return true;
}

const est = new Float64Array(2);

/**
 * Walks the rings of a disc (centre z = cos(theta), s0 = sin(theta),
 * longitude phi in radians; radius r in radians) at order o; results in
 * `runs`. Throws a RangeError past maxRuns rings.
 */
export function walkRings(o: number, z: number, s0: number, phi: number, r: number, inclusive: boolean, fact: number, maxRuns: number): void {
  runs.n = 0;
  order = o;
  nside = NSIDE[o];
  cz = z; cs = s0;
  const tt = phiToTt(phi);
  cphi = tt * HALF_PI;
  c2r = chord2(r);
  const nl4 = 4 * nside;
  const fct = inclusive ? fact : 1;
  const fine = o + Math.log2(fct);
  const safe = (a: number): number => a + roundingMargin(a);
  const rbig0 = inclusive ? safe(r + MAX_PIXRAD[o]) : r;
  const rsmall = fct > 1 && fine <= MAX_ORDER ? safe(r + MAX_PIXRAD[fine]) : rbig0;
  if (rsmall >= Math.PI) {
    runs.push(1, 0, nl4, 0);
    return;
  }
  const rbig = Math.min(Math.PI, rbig0);
  const theta0 = Math.atan2(s0, z);
  const phi0 = cphi;
  if (fct > 1) locToRingParts(o, z, tt, s0, Math.abs(z) > 0.99, cpix);
  const c2small = chord2Outer(rsmall);

  // HEALPix's ring range; whole rings around a pole inside the disc.
  const rlat1 = theta0 - rsmall, rlat2 = theta0 + rsmall;
  const northPole = rlat1 <= 0, southPole = rlat2 >= Math.PI;
  let irmin = ringAbove(Math.abs(rlat1)) + 1;
  let irmax = ringAbove(southPole ? 2 * Math.PI - rlat2 : rlat2);
  if (!inclusive) {
    // Centre mode: one more ring on each side, settled by the exact test.
    irmin--;
    irmax++;
  } else if (fct > 1) {
    if (!northPole) irmin--;
    if (!southPole) irmax++;
  }
  irmin = Math.max(1, irmin);
  irmax = Math.min(nl4 - 1, irmax);
  if (irmax - irmin + 1 > maxRuns) {
    throw new RangeError(`the disc crosses ${irmax - irmin + 1} rings at order ${o}, more than the ${maxRuns} ranges allowed: use a lower order`);
  }
  if (northPole && irmin > 1) runs.push(1, 0, irmin, 0);

  for (let iz = irmin; iz <= irmax; iz++) {
    ringTheta(iz);
    const dphi = halfWidth(centre[0], centre[1], theta0, s0, rbig);
    if (dphi < 0) continue;
    const nr = 4 * ringQuarter(nside, iz);
    const shifted = ringShifted(nside, iz);
    const shift = shifted ? 0.5 : 0;
    let lo: number, hi: number;
    if (dphi >= Math.PI) {
      // Whole ring: a window centred on the centre's pixel, so its ends are the farthest pixels.
      lo = Math.round((nr * phi0) / (2 * Math.PI) - shift) - Math.floor(nr / 2);
      hi = lo + nr - 1;
    } else {
      lo = Math.floor((nr / (2 * Math.PI)) * (phi0 - dphi) - shift) + 1;
      hi = Math.floor((nr / (2 * Math.PI)) * (phi0 + dphi) - shift);
    }
    if (!inclusive) {
      est[0] = lo; est[1] = hi;
      if (!settle(iz, est, nr, shifted)) continue;
      lo = est[0]; hi = est[1];
    } else if (fct > 1) {
      while (lo <= hi && pixelClear(iz, lo, nr, fct, fine, c2small)) lo++;
      while (hi > lo && pixelClear(iz, hi, nr, fct, fine, c2small)) hi--;
    }
    if (lo <= hi) emit(iz, lo, hi, nr);
  }
  if (southPole && irmax + 1 < nl4) runs.push(irmax + 1, 0, nl4, 0);
}

/** Appends the last ring walk's runs as half-open RING id ranges (order <= 24). */
export function runsToRanges(o: number, out: RangeList): void {
  for (let i = 0; i < runs.n; i++) {
    out.push(ringStart(o, runs.izA[i]) + runs.a[i], ringStart(o, runs.izB[i]) + runs.b[i]);
  }
}

/** The last ring walk's runs as merged half-open bigint RING ranges. */
export function runsToBigRanges(o: number): Array<[bigint, bigint]> {
  const out: Array<[bigint, bigint]> = [];
  for (let i = 0; i < runs.n; i++) {
    const a = ringStartBig(o, runs.izA[i]) + BigInt(runs.a[i]);
    const b = ringStartBig(o, runs.izB[i]) + BigInt(runs.b[i]);
    if (!(b > a)) continue;
    const last = out.length > 0 ? out[out.length - 1] : undefined;
    if (last !== undefined && last[1] >= a) {
      if (b > last[1]) last[1] = b;
    } else {
      out.push([a, b]);
    }
  }
  return out;
}

/**
 * Fills out with the half-open RING id ranges of a disc (orders 0..24),
 * sorted and merged; modes as queryDiscNestInto. The centre mode gives the
 * same pixels as the NESTED one; the inclusive mode follows HEALPix's RING
 * algorithm, whose extra pixels near the rim differ from the NESTED walk's
 * (as in healpy). Use queryDiscRingBig above order 24.
 */
export function queryDiscRingInto(order: number, raDeg: number, decDeg: number, radiusDeg: number, out: RangeList, opts: DiscOptions = {}): RangeList {
  checkOrder(order, MAX_NUMBER_ORDER, 'queryDiscRingBig');
  const d = discArgs(order, raDeg, decDeg, radiusDeg, opts);
  out.clear();
  walkRings(order, d.z, d.s0, d.phi, d.r, d.inclusive, d.fact, MAX_RANGES);
  runsToRanges(order, out);
  return out;
}

/** queryDiscRingInto into a new RangeList. */
export function queryDiscRing(order: number, raDeg: number, decDeg: number, radiusDeg: number, opts: DiscOptions = {}): RangeList {
  return queryDiscRingInto(order, raDeg, decDeg, radiusDeg, new RangeList(64), opts);
}
