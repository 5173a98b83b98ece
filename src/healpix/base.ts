// HEALPix geometry shared by the NESTED and RING schemes (Górski et al. 2005,
// ApJ 622, 759; conventions and formulas as in the HEALPix C++ library that
// healpy wraps, so that ids agree with healpy).
//
// Orders 0..29 (nside = 2^order). Functions taking or returning ids as `number`
// accept orders 0..24 only, where every id is below 12 * 4^24 < 2^53 and exact;
// the `...Big` functions take and return `bigint` ids at every order 0..29.

export const MAX_ORDER = 29;
/** Highest order whose ids are exact as numbers. */
export const MAX_NUMBER_ORDER = 24;

export const HALF_PI = Math.PI / 2;
export const TWO_THIRDS = 2 / 3;

/** Ring number (in units of nside) of the southernmost corner of each base pixel. */
export const JRLL = [2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4];
/** Longitude (in units of pi/4) of the southernmost corner of each base pixel. */
export const JPLL = [1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7];

export function checkOrder(order: number, max = MAX_ORDER): void {
  if (!Number.isInteger(order) || order < 0 || order > max) {
    const hint = max === MAX_NUMBER_ORDER && Number.isInteger(order) && order <= MAX_ORDER
      ? ' (ids above order 24 exceed 2^53: use the ...Big function)' : '';
    throw new RangeError(`HEALPix order must be an integer in [0, ${max}], got ${String(order)}${hint}`);
  }
}

export const nsideOf = (order: number): number => 2 ** order;
export const npixOf = (order: number): number => 12 * 4 ** order;

/**
 * Largest angular distance (radians) from a pixel centre to a point of the
 * pixel at this order (HEALPix's max_pixrad).
 */
const maxPixradCache = new Float64Array(MAX_ORDER + 1).fill(-1);
export function maxPixrad(order: number): number {
  const cached = maxPixradCache[order];
  if (cached >= 0) return cached;
  const nside = nsideOf(order);
  // va at z = 2/3, phi = pi / (4 nside); vb at z = 1 - t^2 / 3, phi = 0 with t = 1 - 1/nside.
  const za = TWO_THIRDS, pa = Math.PI / (4 * nside);
  const sa = Math.sqrt(1 - za * za);
  const ax = sa * Math.cos(pa), ay = sa * Math.sin(pa);
  let t = 1 - 1 / nside;
  t *= t;
  const zb = 1 - t / 3;
  const sb = Math.sqrt((1 - zb) * (1 + zb));
  const cx = ay * zb - za * 0, cy = za * sb - ax * zb, cz = ax * 0 - ay * sb;
  const r = Math.atan2(Math.sqrt(cx * cx + cy * cy + cz * cz), ax * sb + za * zb);
  maxPixradCache[order] = r;
  return r;
}
