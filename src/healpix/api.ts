// Public HEALPix functions. Positions in degrees (ra, dec). Ids as `number`
// for orders 0..24; the `...Big` twins take and return `bigint` ids at every
// order 0..29 (ids above order 24 exceed 2^53 and would round as numbers).
//
// Boundary convention: a point exactly on a pixel boundary gets the pixel
// that HEALPix C++ (healpy) computes with the same floating-point steps
// (theta = pi/2 - radians(dec), z = cos(theta), floor of the scaled
// coordinates), i.e. the pixel on the side of larger face coordinate; at the
// poles, the pixel of the base face that contains the longitude.

import { RangeList } from '../sky/ranges.js';
import { MAX_NUMBER_ORDER, MAX_ORDER, checkOrder, maxPixrad, npixOf } from './base.js';
import { BigRanges, NumberRanges, seedOrder, walkDisc } from './disc.js';
import { neighbourXyfs } from './neighbours.js';
import {
  locToXyf, nestToXyf, nestToXyfBig, newXyf, raDecToLoc, ringToXyf, ringToXyfBig, vecToLoc, xyfToLoc,
  xyfToNest, xyfToNestBig, xyfToRing, xyfToRingBig, type Xyf,
} from './xyf.js';

const DEG = Math.PI / 180;
const xyf = newXyf();
const loc = new Float64Array(4);

function checkPos(raDeg: number, decDeg: number): void {
  if (!Number.isFinite(raDeg)) throw new RangeError(`ra must be a finite number of degrees, got ${String(raDeg)}`);
  if (!(decDeg >= -90 && decDeg <= 90)) throw new RangeError(`dec must be in [-90, 90], got ${String(decDeg)}`);
}

function checkPix(order: number, pix: number): void {
  if (!Number.isInteger(pix) || pix < 0 || pix >= npixOf(order)) {
    throw new RangeError(`pixel id must be an integer in [0, ${npixOf(order)}) at order ${order}, got ${String(pix)}`);
  }
}

function checkPixBig(order: number, pix: bigint): void {
  if (typeof pix !== 'bigint' || pix < 0n || pix >= 12n << BigInt(2 * order)) {
    throw new RangeError(`pixel id must be a bigint in [0, 12*4^${order}) at order ${order}, got ${String(pix)}`);
  }
}

function raDecXyf(order: number, raDeg: number, decDeg: number): Xyf {
  checkPos(raDeg, decDeg);
  // Fold only outside [0, 360]: healpy keeps ra = 360 as phi = 2 pi.
  let ra = raDeg;
  if (ra < 0 || ra > 360) {
    ra %= 360;
    if (ra < 0) ra += 360;
  }
  raDecToLoc(ra, decDeg, loc);
  locToXyf(order, loc[0], loc[1], loc[2], loc[3] === 1, xyf);
  return xyf;
}

export function ang2pixNest(order: number, raDeg: number, decDeg: number): number {
  checkOrder(order, MAX_NUMBER_ORDER);
  const p = raDecXyf(order, raDeg, decDeg);
  return xyfToNest(order, p.face, p.ix, p.iy);
}

export function ang2pixRing(order: number, raDeg: number, decDeg: number): number {
  checkOrder(order, MAX_NUMBER_ORDER);
  const p = raDecXyf(order, raDeg, decDeg);
  return xyfToRing(order, p.face, p.ix, p.iy);
}

export function ang2pixNestBig(order: number, raDeg: number, decDeg: number): bigint {
  checkOrder(order);
  const p = raDecXyf(order, raDeg, decDeg);
  return xyfToNestBig(order, p.face, p.ix, p.iy);
}

export function ang2pixRingBig(order: number, raDeg: number, decDeg: number): bigint {
  checkOrder(order);
  const p = raDecXyf(order, raDeg, decDeg);
  return xyfToRingBig(order, p.face, p.ix, p.iy);
}

/** Pixel centre as healpy's pix2ang(lonlat=True) gives it. */
function centreOf(order: number, p: Xyf): { ra: number; dec: number } {
  xyfToLoc(order, p.face, p.ix, p.iy, loc);
  const z = loc[0];
  const theta = Math.abs(z) > 0.99 ? Math.atan2(loc[2], z) : Math.acos(z);
  return { ra: loc[1] / DEG, dec: 90 - theta / DEG };
}

export function pix2angNest(order: number, pix: number): { ra: number; dec: number } {
  checkOrder(order, MAX_NUMBER_ORDER);
  checkPix(order, pix);
  nestToXyf(order, pix, xyf);
  return centreOf(order, xyf);
}

export function pix2angRing(order: number, pix: number): { ra: number; dec: number } {
  checkOrder(order, MAX_NUMBER_ORDER);
  checkPix(order, pix);
  ringToXyf(order, pix, xyf);
  return centreOf(order, xyf);
}

export function pix2angNestBig(order: number, pix: bigint): { ra: number; dec: number } {
  checkOrder(order);
  checkPixBig(order, pix);
  nestToXyfBig(order, pix, xyf);
  return centreOf(order, xyf);
}

export function pix2angRingBig(order: number, pix: bigint): { ra: number; dec: number } {
  checkOrder(order);
  checkPixBig(order, pix);
  ringToXyfBig(order, pix, xyf);
  return centreOf(order, xyf);
}

export function nest2ring(order: number, pix: number): number {
  checkOrder(order, MAX_NUMBER_ORDER);
  checkPix(order, pix);
  nestToXyf(order, pix, xyf);
  return xyfToRing(order, xyf.face, xyf.ix, xyf.iy);
}

export function ring2nest(order: number, pix: number): number {
  checkOrder(order, MAX_NUMBER_ORDER);
  checkPix(order, pix);
  ringToXyf(order, pix, xyf);
  return xyfToNest(order, xyf.face, xyf.ix, xyf.iy);
}

export function nest2ringBig(order: number, pix: bigint): bigint {
  checkOrder(order);
  checkPixBig(order, pix);
  nestToXyfBig(order, pix, xyf);
  return xyfToRingBig(order, xyf.face, xyf.ix, xyf.iy);
}

export function ring2nestBig(order: number, pix: bigint): bigint {
  checkOrder(order);
  checkPixBig(order, pix);
  ringToXyfBig(order, pix, xyf);
  return xyfToNestBig(order, xyf.face, xyf.ix, xyf.iy);
}

const nbF = new Int8Array(8);
const nbX = new Float64Array(8);
const nbY = new Float64Array(8);

/** Neighbours in healpy's order SW, W, NW, N, NE, E, SE, S; -1 where there is none. */
export function neighboursNest(order: number, pix: number): number[] {
  checkOrder(order, MAX_NUMBER_ORDER);
  checkPix(order, pix);
  nestToXyf(order, pix, xyf);
  neighbourXyfs(order, xyf, nbF, nbX, nbY);
  return Array.from(nbF, (f, i) => (f < 0 ? -1 : xyfToNest(order, f, nbX[i], nbY[i])));
}

export function neighboursRing(order: number, pix: number): number[] {
  checkOrder(order, MAX_NUMBER_ORDER);
  checkPix(order, pix);
  ringToXyf(order, pix, xyf);
  neighbourXyfs(order, xyf, nbF, nbX, nbY);
  return Array.from(nbF, (f, i) => (f < 0 ? -1 : xyfToRing(order, f, nbX[i], nbY[i])));
}

export function neighboursNestBig(order: number, pix: bigint): bigint[] {
  checkOrder(order);
  checkPixBig(order, pix);
  nestToXyfBig(order, pix, xyf);
  neighbourXyfs(order, xyf, nbF, nbX, nbY);
  return Array.from(nbF, (f, i) => (f < 0 ? -1n : xyfToNestBig(order, f, nbX[i], nbY[i])));
}

export function neighboursRingBig(order: number, pix: bigint): bigint[] {
  checkOrder(order);
  checkPixBig(order, pix);
  ringToXyfBig(order, pix, xyf);
  neighbourXyfs(order, xyf, nbF, nbX, nbY);
  return Array.from(nbF, (f, i) => (f < 0 ? -1n : xyfToRingBig(order, f, nbX[i], nbY[i])));
}

export interface DiscOptions {
  /** true (default): every pixel that overlaps the disc; false: pixels whose centre is inside. */
  inclusive?: boolean;
  /** Rim oversampling of the inclusive mode, a power of 2 (healpy's fact; default 4, less above order 27). */
  fact?: number;
}

function discArgs(order: number, raDeg: number, decDeg: number, radiusDeg: number, opts: DiscOptions) {
  checkPos(raDeg, decDeg);
  if (!(radiusDeg >= 0) || !Number.isFinite(radiusDeg)) throw new RangeError(`radius must be a finite number of degrees >= 0, got ${String(radiusDeg)}`);
  const inclusive = opts.inclusive ?? true;
  // healpy's default oversampling, limited by the finest order (29).
  const fact = opts.fact ?? Math.min(4, 2 ** (MAX_ORDER - order));
  if (!Number.isInteger(fact) || fact < 1 || (fact & (fact - 1)) !== 0 || order + Math.log2(fact) > MAX_ORDER) {
    throw new RangeError(`fact must be a power of 2 with order + log2(fact) <= 29, got ${String(fact)}`);
  }
  const a = raDeg * DEG, d = decDeg * DEG;
  return { x: Math.cos(d) * Math.cos(a), y: Math.cos(d) * Math.sin(a), z: Math.sin(d), r: Math.min(Math.PI, radiusDeg * DEG), inclusive, fact };
}

/** Half-open NESTED id ranges of the disc (order <= 24), sorted and merged. */
export function queryDiscNest(order: number, raDeg: number, decDeg: number, radiusDeg: number, opts: DiscOptions = {}): RangeList {
  checkOrder(order, MAX_NUMBER_ORDER);
  const a = discArgs(order, raDeg, decDeg, radiusDeg, opts);
  const out = new RangeList(64);
  walkDisc(order, a.x, a.y, a.z, a.r, a.inclusive, a.fact, new NumberRanges(order, out));
  return out.normalize();
}

/** Half-open NESTED id ranges of the disc as bigints (any order). */
export function queryDiscNestBig(order: number, raDeg: number, decDeg: number, radiusDeg: number, opts: DiscOptions = {}): Array<[bigint, bigint]> {
  checkOrder(order);
  const a = discArgs(order, raDeg, decDeg, radiusDeg, opts);
  const sink = new BigRanges(order);
  walkDisc(order, a.x, a.y, a.z, a.r, a.inclusive, a.fact, sink);
  return sink.normalized();
}

const RING_LIMIT = 20_000_000;

/** Half-open RING id ranges of the disc (order <= 24); at most 2e7 pixels. */
export function queryDiscRing(order: number, raDeg: number, decDeg: number, radiusDeg: number, opts: DiscOptions = {}): RangeList {
  const nest = queryDiscNest(order, raDeg, decDeg, radiusDeg, opts);
  const n = nest.count();
  if (n > RING_LIMIT) throw new RangeError(`the disc holds ${n} pixels: RING output is limited to ${RING_LIMIT}; use NESTED`);
  const ids = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < nest.length; i++) {
    for (let p = nest.start(i); p < nest.end(i); p++) {
      nestToXyf(order, p, xyf);
      ids[k++] = xyfToRing(order, xyf.face, xyf.ix, xyf.iy);
    }
  }
  ids.sort();
  const out = new RangeList(64);
  for (let i = 0; i < n; i++) out.push(ids[i], ids[i] + 1);
  return out;
}

export function queryDiscRingBig(order: number, raDeg: number, decDeg: number, radiusDeg: number, opts: DiscOptions = {}): Array<[bigint, bigint]> {
  const nest = queryDiscNestBig(order, raDeg, decDeg, radiusDeg, opts);
  let n = 0n;
  for (const [a, b] of nest) n += b - a;
  if (n > BigInt(RING_LIMIT)) throw new RangeError(`the disc holds ${n} pixels: RING output is limited to ${RING_LIMIT}; use NESTED`);
  const ids: bigint[] = [];
  for (const [a, b] of nest) {
    for (let p = a; p < b; p++) {
      nestToXyfBig(order, p, xyf);
      ids.push(xyfToRingBig(order, xyf.face, xyf.ix, xyf.iy));
    }
  }
  ids.sort((u, v) => (u < v ? -1 : u > v ? 1 : 0));
  const out: Array<[bigint, bigint]> = [];
  for (const id of ids) {
    const last = out[out.length - 1];
    if (last && last[1] === id) last[1] = id + 1n;
    else out.push([id, id + 1n]);
  }
  return out;
}

// --- The index engine's entry points: unit vectors in, numbers out (order <= 24).

/**
 * NESTED id of (ra, dec) in degrees for index keys: z = sin(dec) and
 * phi = ra, two trigonometric calls. No validation: the engine checks its
 * inputs once.
 */
export function nestIndexRaDec(order: number, raDeg: number, decDeg: number): number {
  const d = decDeg * DEG;
  const z = Math.sin(d);
  locToXyf(order, z, raDeg * DEG, Math.cos(d), Math.abs(z) > 0.99, xyf);
  return xyfToNest(order, xyf.face, xyf.ix, xyf.iy);
}

/** NESTED id of a unit vector. No validation: the engine checks its inputs once. */
export function nestIndex(order: number, x: number, y: number, z: number): number {
  vecToLoc(x, y, z, loc);
  locToXyf(order, loc[0], loc[1], loc[2], loc[3] === 1, xyf);
  return xyfToNest(order, xyf.face, xyf.ix, xyf.iy);
}

const INV_HALF_PI = 0.6366197723675813430755350534900574;
const coverSink = new NumberRanges(0, new RangeList(1));

/**
 * The engine's cover: half-open NESTED id ranges (order <= 24) holding every
 * pixel that overlaps the disc (radius in radians). A disc that stays inside
 * its centre's pixel, the common case for arcsecond radii, costs one
 * ang2pix: the distance to the pixel's edges is measured in face coordinates,
 * which move at most 2 nside per radian on the sphere.
 */
export function nestCover(order: number, x: number, y: number, z: number, radiusRad: number, out: RangeList): void {
  vecToLoc(x, y, z, loc);
  nestCoverLoc(order, x, y, z, loc[1], radiusRad, out);
}

/**
 * nestCover with the longitude phi (radians) of the unit vector already
 * known (the engine has the probe's ra): no atan2 on the hot path.
 */
export function nestCoverLoc(order: number, x: number, y: number, z: number, phi: number, radiusRad: number, out: RangeList): void {
  out.clear();
  const nside = 2 ** order;
  if (radiusRad >= Math.PI) {
    out.push(0, 12 * nside * nside);
    return;
  }
  loc[0] = z;
  loc[2] = Math.sqrt(x * x + y * y);
  const zz = z, za = Math.abs(zz);
  let tt = (phi * INV_HALF_PI) % 4;
  if (tt < 0) tt += 4;
  // The continuous face coordinates of locToXyf: the pixel and, from their
  // fractional parts, the distance to its edges in pixel units.
  let jpf: number, jmf: number, face: number, ix: number, iy: number;
  if (za <= 2 / 3) {
    const t1 = nside * (0.5 + tt), t2 = nside * (zz * 0.75);
    jpf = t1 - t2;
    jmf = t1 + t2;
    const jp = Math.floor(jpf), jm = Math.floor(jmf);
    const ifp = Math.floor(jp / nside), ifm = Math.floor(jm / nside);
    face = ifp === ifm ? ifp | 4 : ifp < ifm ? ifp : ifm + 8;
    ix = jm - ifm * nside;
    iy = nside - (jp - ifp * nside) - 1;
  } else {
    const ntt = Math.min(3, Math.floor(tt));
    const tp = tt - ntt;
    const tmp = za < 0.99 ? nside * Math.sqrt(3 * (1 - za)) : (nside * loc[2]) / Math.sqrt((1 + za) / 3);
    jpf = tp * tmp;
    jmf = (1 - tp) * tmp;
    const jp = Math.min(nside - 1, Math.floor(jpf)), jm = Math.min(nside - 1, Math.floor(jmf));
    if (zz >= 0) { face = ntt; ix = nside - jm - 1; iy = nside - jp - 1; }
    else { face = ntt + 8; ix = jp; iy = jm; }
  }
  const fp = jpf - Math.floor(jpf), fm = jmf - Math.floor(jmf);
  const edge = Math.min(fp, 1 - fp, fm, 1 - fm);
  if (edge > 2 * nside * radiusRad + 1e-9) {
    const pix = xyfToNest(order, face, ix, iy);
    out.push(pix, pix + 1);
    return;
  }
  coverSink.order = order;
  coverSink.out = out;
  // No rim oversampling here: a few extra pixels cost less to scan than to rule out.
  walkDisc(order, x, y, z, radiusRad, true, 1, coverSink, seedOrder(order, radiusRad));
  out.normalize();
}

export { maxPixrad };
