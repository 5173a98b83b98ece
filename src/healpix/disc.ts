// Discs -> sorted, merged, half-open NESTED id ranges: the public query_disc
// (degrees) and the engine's cover (unit vectors, radians). The walk itself
// is in walk.ts; the RING scheme is in disc-ring.ts.

import { RangeList } from '../sky/ranges.js';
import {
  HALF_PI, MAX_NUMBER_ORDER, MAX_ORDER, RAD_PER_DEG, checkOrder, checkRaDec, checkRadiusDeg, npixOf, phiToTt,
} from './base.js';
import { xyfToNest } from './nest.js';
import { BOX, foundToRanges, seedBox, walkDisc } from './walk.js';

export interface DiscOptions {
  /**
   * true (default): every pixel that overlaps the disc, plus possibly a few
   * that come within HEALPix's safety distance of it (healpy's
   * inclusive=True; a subset of healpy's set). false: the pixels whose
   * centre lies in the disc (healpy's inclusive=False), by an exact
   * squared-chord test (resolution ~1e-16 rad / sin(r): sharp unless r is
   * within a hair of 180 deg; healpy's cosines blur the rim of tiny discs).
   */
  inclusive?: boolean;
  /**
   * Inclusive mode only: the rim is examined at fact times the resolution (a
   * power of 2 with fact * nside <= 2^29, as in healpy). Default
   * min(4, 2^(29 - order)), healpy's 4 where allowed.
   */
  fact?: number;
}

/** A disc: centre z = cos(theta), s0 = sin(theta) and longitude phi (radians); radius (radians); mode. */
export interface Disc {
  z: number; s0: number; phi: number;
  r: number; inclusive: boolean; fact: number;
}

const disc: Disc = { z: 0, s0: 0, phi: 0, r: 0, inclusive: true, fact: 4 };

/** Validates a degree-form disc and converts it the way healpy does (ang2vec, radians(r)). */
export function discArgs(order: number, raDeg: number, decDeg: number, radiusDeg: number, opts: DiscOptions): Disc {
  checkRaDec(raDeg, decDeg);
  checkRadiusDeg(radiusDeg);
  if (opts === null || typeof opts !== 'object') throw new TypeError(`options must be an object, got ${String(opts)}`);
  const inclusive = opts.inclusive ?? true;
  if (typeof inclusive !== 'boolean') throw new TypeError(`inclusive must be a boolean, got ${String(inclusive)}`);
  const fact = opts.fact ?? Math.min(4, 2 ** (MAX_ORDER - order));
  if (typeof fact !== 'number' || !Number.isInteger(fact) || fact < 1 || (fact & (fact - 1)) !== 0 || fact > 2 ** (MAX_ORDER - order)) {
    throw new RangeError(`fact must be a power of 2 with fact * 2^order <= 2^29, got ${String(fact)} at order ${order}`);
  }
  const theta = HALF_PI - decDeg * RAD_PER_DEG;
  disc.z = Math.cos(theta);
  disc.s0 = Math.sin(theta);
  disc.phi = raDeg * RAD_PER_DEG;
  disc.r = Math.min(Math.PI, radiusDeg * RAD_PER_DEG);
  disc.inclusive = inclusive;
  disc.fact = fact;
  return disc;
}

/**
 * Throws when a disc would produce more than `limit` ranges (about its rim
 * length in pixels), instead of running out of memory.
 */
export function checkDiscSize(order: number, radiusDeg: number, limit: number): void {
  const r = Math.min(Math.PI, radiusDeg * RAD_PER_DEG);
  const rim = (2 * Math.PI * Math.sin(r)) / Math.sqrt((4 * Math.PI) / npixOf(order));
  if (rim > limit) {
    throw new RangeError(
      `a ${radiusDeg} deg disc at order ${order} has about ${Math.round(rim)} pixels on its rim, more than the ${limit} ranges allowed: use a lower order`,
    );
  }
}

export const MAX_RANGES = 20_000_000;

/**
 * Fills out with the half-open NESTED id ranges of a disc (orders 0..24):
 * sorted and merged. See DiscOptions for the two modes. radius >= 180 deg is
 * the whole sky; radius 0 gives the pixel(s) holding the centre (inclusive)
 * or the pixel whose centre it is, if any (centre mode).
 * Use queryDiscNestBig above order 24.
 */
export function queryDiscNestInto(order: number, raDeg: number, decDeg: number, radiusDeg: number, out: RangeList, opts: DiscOptions = {}): RangeList {
  checkOrder(order, MAX_NUMBER_ORDER, 'queryDiscNestBig');
  const d = discArgs(order, raDeg, decDeg, radiusDeg, opts);
  checkDiscSize(order, radiusDeg, MAX_RANGES);
  out.clear();
  if (d.r >= Math.PI) {
    out.push(0, npixOf(order));
    return out;
  }
  walkDisc(order, d.z, d.s0, d.phi, d.r, d.inclusive, order + Math.log2(d.fact));
  foundToRanges(order, out);
  return out;
}

/** queryDiscNestInto into a new RangeList. */
export function queryDiscNest(order: number, raDeg: number, decDeg: number, radiusDeg: number, opts: DiscOptions = {}): RangeList {
  return queryDiscNestInto(order, raDeg, decDeg, radiusDeg, new RangeList(64), opts);
}

/**
 * The engine's cover: clears `out` and writes the sorted, merged, half-open
 * NESTED id ranges (orders 0..24) of every pixel that may hold a point of
 * the disc around the unit vector (x, y, z) of radius radiusRad (radians).
 * Guaranteed superset of the pixels containing a point of the disc, and a
 * subset of healpy's query_disc(inclusive=True, fact=4). A disc inside its
 * centre's pixel (the usual arcsecond probe) costs one pixel lookup.
 */
export function nestCover(order: number, x: number, y: number, z: number, radiusRad: number, out: RangeList): void {
  nestCoverLoc(order, x, y, z, Math.atan2(y, x), radiusRad, out);
}

/** nestCover with the centre's longitude phi (radians) already known: no atan2. */
export function nestCoverLoc(order: number, x: number, y: number, z: number, phi: number, radiusRad: number, out: RangeList): void {
  if (!(order >= 0 && order <= MAX_NUMBER_ORDER) || (order | 0) !== order) checkOrder(order, MAX_NUMBER_ORDER, 'queryDiscNestBig');
  if (!(radiusRad >= 0)) throw new RangeError(`radius must be a number of radians >= 0, got ${String(radiusRad)}`);
  out.clear();
  if (radiusRad >= Math.PI) {
    out.push(0, npixOf(order));
    return;
  }
  const s0 = Math.sqrt(x * x + y * y);
  // Fast path: the disc lies inside one pixel.
  if (seedBox(order, z, s0, phiToTt(phi), radiusRad) === order && BOX[2] === BOX[3] && BOX[4] === BOX[5]) {
    const pix = xyfToNest(order, BOX[0], BOX[2], BOX[4]);
    out.push(pix, pix + 1);
    return;
  }
  walkDisc(order, z, s0, phi, radiusRad, true, order + 2);
  foundToRanges(order, out);
}
