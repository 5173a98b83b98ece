// The bigint API: the same functions as the number API, at every order
// 0..29. Above order 24 ids exceed 2^53 and only bigints hold them exactly;
// below, these agree with their number twins id for id.

import { LOC, centreRaDec, loadRaDec, locToRingParts, locToXyf } from './ang.js';
import { NSIDE, checkOrder, checkPixBig, checkRaDec, npixOf } from './base.js';
import { checkDiscSize, discArgs, type DiscOptions } from './disc.js';
import { runsToBigRanges, walkRings } from './disc-ring.js';
import { neighbourXyfs } from './neighbours.js';
import { nestToXyfBig, xyfToNestBig } from './nest.js';
import { ringCentre, ringStartBig, ringToPartsBig, ringToXyfBig, xyfCentre, xyfToRingBig } from './ring.js';
import { foundToBigRanges, walkDisc } from './walk.js';

const xyf = new Int32Array(3);
const parts = new Float64Array(2);
const centre = new Float64Array(3);

/** NESTED id of (ra, dec) in degrees, orders 0..29. Boundary convention: see ang.ts. */
export function ang2pixNestBig(order: number, raDeg: number, decDeg: number): bigint {
  checkOrder(order);
  checkRaDec(raDeg, decDeg);
  loadRaDec(raDeg, decDeg);
  locToXyf(order, LOC[0], LOC[1], LOC[2], LOC[3] === 1, xyf);
  return xyfToNestBig(order, xyf[0], xyf[1], xyf[2]);
}

/** RING id of (ra, dec) in degrees, orders 0..29. */
export function ang2pixRingBig(order: number, raDeg: number, decDeg: number): bigint {
  checkOrder(order);
  checkRaDec(raDeg, decDeg);
  loadRaDec(raDeg, decDeg);
  locToRingParts(order, LOC[0], LOC[1], LOC[2], LOC[3] === 1, parts);
  return ringStartBig(order, parts[0]) + BigInt(parts[1]);
}

/** Centre (ra, dec) in degrees of a NESTED pixel, orders 0..29. */
export function pix2angNestBig(order: number, pix: bigint): { ra: number; dec: number } {
  checkOrder(order);
  checkPixBig(order, pix);
  nestToXyfBig(order, pix, xyf);
  return centreRaDec(xyfCentre(order, xyf[0], xyf[1], xyf[2], centre), centre);
}

/** Centre (ra, dec) in degrees of a RING pixel, orders 0..29. */
export function pix2angRingBig(order: number, pix: bigint): { ra: number; dec: number } {
  checkOrder(order);
  checkPixBig(order, pix);
  ringToPartsBig(order, pix, parts);
  const nside = NSIDE[order];
  const iz = parts[0];
  const shifted = iz < nside || iz > 3 * nside || ((iz - nside) & 1) === 0;
  return centreRaDec(ringCentre(order, iz, 2 * parts[1] + (shifted ? 1 : 0), centre), centre);
}

/** RING id of a NESTED pixel, orders 0..29. */
export function nest2ringBig(order: number, pix: bigint): bigint {
  checkOrder(order);
  checkPixBig(order, pix);
  nestToXyfBig(order, pix, xyf);
  return xyfToRingBig(order, xyf[0], xyf[1], xyf[2]);
}

/** NESTED id of a RING pixel, orders 0..29. */
export function ring2nestBig(order: number, pix: bigint): bigint {
  checkOrder(order);
  checkPixBig(order, pix);
  ringToXyfBig(order, pix, xyf);
  return xyfToNestBig(order, xyf[0], xyf[1], xyf[2]);
}

const nbF = new Int8Array(8);
const nbX = new Int32Array(8);
const nbY = new Int32Array(8);

/** NESTED neighbours [sw, w, nw, n, ne, e, se, s] of a NESTED pixel, orders 0..29; -1n where none. */
export function neighboursNestBig(order: number, pix: bigint): bigint[] {
  checkOrder(order);
  checkPixBig(order, pix);
  nestToXyfBig(order, pix, xyf);
  neighbourXyfs(order, xyf[0], xyf[1], xyf[2], nbF, nbX, nbY);
  return Array.from(nbF, (f, i) => (f < 0 ? -1n : xyfToNestBig(order, f, nbX[i], nbY[i])));
}

/** RING neighbours [sw, w, nw, n, ne, e, se, s] of a RING pixel, orders 0..29; -1n where none. */
export function neighboursRingBig(order: number, pix: bigint): bigint[] {
  checkOrder(order);
  checkPixBig(order, pix);
  ringToXyfBig(order, pix, xyf);
  neighbourXyfs(order, xyf[0], xyf[1], xyf[2], nbF, nbX, nbY);
  return Array.from(nbF, (f, i) => (f < 0 ? -1n : xyfToRingBig(order, f, nbX[i], nbY[i])));
}

/** Bigint ranges are heavier than a RangeList: a tighter cap on their number. */
const MAX_BIG_RANGES = 2_000_000;

/**
 * Half-open NESTED id ranges [start, end) of a disc as bigints, sorted and
 * merged, orders 0..29; modes as queryDiscNestInto.
 */
export function queryDiscNestBig(order: number, raDeg: number, decDeg: number, radiusDeg: number, opts: DiscOptions = {}): Array<[bigint, bigint]> {
  checkOrder(order);
  const d = discArgs(order, raDeg, decDeg, radiusDeg, opts);
  checkDiscSize(order, radiusDeg, MAX_BIG_RANGES);
  if (d.r >= Math.PI) return [[0n, BigInt(npixOf(order))]];
  walkDisc(order, d.z, d.s0, d.phi, d.r, d.inclusive, order + Math.log2(d.fact));
  return foundToBigRanges(order);
}

/** Half-open RING id ranges of a disc as bigints, sorted and merged, orders 0..29; modes as queryDiscRingInto. */
export function queryDiscRingBig(order: number, raDeg: number, decDeg: number, radiusDeg: number, opts: DiscOptions = {}): Array<[bigint, bigint]> {
  checkOrder(order);
  const d = discArgs(order, raDeg, decDeg, radiusDeg, opts);
  walkRings(order, d.z, d.s0, d.phi, d.r, d.inclusive, d.fact, MAX_BIG_RANGES);
  return runsToBigRanges(order);
}
