// HEALPix constants, per-order tables and argument checks shared by the
// NESTED and RING schemes (Górski et al. 2005, ApJ 622, 759). Formulas and
// floating-point steps follow the HEALPix C++ library that healpy wraps, so
// that ids agree with healpy.
//
// Orders 0..29 (nside = 2^order). Functions taking or returning ids as
// `number` accept orders 0..24 only: every id there is below 12 * 4^24 < 2^53
// and exact. The `...Big` functions take and return `bigint` ids at orders
// 0..29.

export const MAX_ORDER = 29;
/** Highest order whose ids are exact as numbers. */
export const MAX_NUMBER_ORDER = 24;

export const HALF_PI = Math.PI / 2;
/** 2/pi; equal to the correctly rounded constant HEALPix C++ uses. */
export const INV_HALF_PI = 2 / Math.PI;
export const TWO_THIRDS = 2 / 3;
export const RAD_PER_DEG = Math.PI / 180;
/** numpy's degrees(): x * (180 / pi). */
export const DEG_PER_RAD = 180 / Math.PI;

/** Ring number (in units of nside) of the southernmost corner of each base pixel. */
export const JRLL = Int32Array.of(2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4);
/** Longitude (in units of pi/4) of the southernmost corner of each base pixel. */
export const JPLL = Int32Array.of(1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7);

/** nside, pixels per face, 4 / npix and 2 nside * 4 / npix per order (HEALPix's fact2 / fact1). */
export const NSIDE = Float64Array.from({ length: MAX_ORDER + 1 }, (_, o) => 2 ** o);
export const FACE_PIXELS = Float64Array.from({ length: MAX_ORDER + 1 }, (_, o) => 4 ** o);
export const FACT2 = Float64Array.from({ length: MAX_ORDER + 1 }, (_, o) => 4 / (12 * 4 ** o));
export const FACT1 = Float64Array.from({ length: MAX_ORDER + 1 }, (_, o) => 2 * 2 ** o * (4 / (12 * 4 ** o)));

export const nsideOf = (order: number): number => 2 ** order;
/** Number of pixels, 12 * 4^order (exact as a double at every order: a power of 2 times 3). */
export const npixOf = (order: number): number => 12 * 4 ** order;

function show(v: unknown): string {
  return typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * Throws a RangeError unless order is an integer in [0, max]. With max = 24
 * (number ids) and an order of 25..29, the message names `bigName`, the
 * bigint twin that accepts it.
 */
export function checkOrder(order: number, max = MAX_ORDER, bigName = 'the ...Big function'): void {
  if (typeof order === 'number' && Number.isInteger(order) && order >= 0 && order <= max) return;
  if (max < MAX_ORDER && Number.isInteger(order) && order > max && order <= MAX_ORDER) {
    throw new RangeError(
      `order must be in [0, ${max}] for number ids, got ${order}: ids above order ${max} exceed 2^53; use ${bigName} (bigint ids, orders 0..${MAX_ORDER})`,
    );
  }
  throw new RangeError(`order must be an integer in [0, ${max}], got ${show(order)}`);
}

export function checkRaDec(raDeg: number, decDeg: number): void {
  if (typeof raDeg !== 'number' || !Number.isFinite(raDeg)) {
    throw new RangeError(`ra must be a finite number of degrees, got ${show(raDeg)}`);
  }
  if (typeof decDeg !== 'number' || !(decDeg >= -90 && decDeg <= 90)) {
    throw new RangeError(`dec must be in [-90, 90], got ${show(decDeg)}`);
  }
}

export function checkPix(order: number, pix: number): void {
  if (typeof pix !== 'number') throw new TypeError(`pixel id must be a number at order ${order}, got ${typeof pix} ${show(pix)}`);
  if (!Number.isInteger(pix) || pix < 0 || pix >= npixOf(order)) {
    throw new RangeError(`pixel id must be an integer in [0, ${npixOf(order)}) at order ${order}, got ${show(pix)}`);
  }
}

export function checkPixBig(order: number, pix: bigint): void {
  if (typeof pix !== 'bigint') throw new TypeError(`pixel id must be a bigint at order ${order}, got ${typeof pix} ${show(pix)}`);
  if (pix < 0n || pix >= 12n << BigInt(2 * order)) {
    throw new RangeError(`pixel id must be in [0, 12*4^${order}) at order ${order}, got ${pix}n`);
  }
}

export function checkRadiusDeg(radiusDeg: number): void {
  if (typeof radiusDeg !== 'number' || !(radiusDeg >= 0) || radiusDeg === Infinity) {
    throw new RangeError(`radius must be a finite number of degrees >= 0, got ${show(radiusDeg)}`);
  }
}

/** healpy's fmodulo(phi * 2/pi, 4): the longitude in units of pi/2, in [0, 4). */
export function phiToTt(phi: number): number {
  const t = phi * INV_HALF_PI;
  if (t >= 0) return t < 4 ? t : t % 4;
  const m = (t % 4) + 4;
  return m === 4 ? 0 : m;
}

/** Squared chord of an angle (radians): (2 sin(a/2))^2, accurate for tiny angles. */
export function chord2(a: number): number {
  if (a >= Math.PI) return 4;
  if (a <= 0) return 0;
  // Series for small angles: cheaper than sin and as accurate (next term ~a^7/3e5).
  const s = a < 1e-2 ? a * (1 - (a * a / 24) * (1 - a * a / 80)) : 2 * Math.sin(a / 2);
  return s * s;
}

/**
 * Rounding margin (radians) for distance tests against angles up to `a`:
 * computed distances and pixel centres are good to ~1e-15 relative and a few
 * 1e-16 rad; the margin is 100 times that. Tests that drop pixels use
 * a + margin, tests that claim whole pixels use a - margin.
 */
export function roundingMargin(a: number): number {
  return 1e-13 * a + 4e-15;
}

/**
 * chord2 of a "may touch" limit, or Infinity within 1e-6 rad of pi, where a
 * chord barely changes with the angle and nothing may be dropped safely.
 */
export function chord2Outer(a: number): number {
  return a >= Math.PI - 1e-6 ? Infinity : chord2(a);
}

/**
 * Largest angular distance (radians) from a pixel centre to a point of its
 * pixel at this order: HEALPix's max_pixrad (centre at z = 2/3 next to a
 * base-pixel corner against that corner).
 */
function maxPixradOf(order: number): number {
  const nside = 2 ** order;
  const za = TWO_THIRDS, pa = Math.PI / (4 * nside);
  const sa = Math.sqrt((1 - za) * (1 + za));
  const ax = sa * Math.cos(pa), ay = sa * Math.sin(pa);
  let t = 1 - 1 / nside;
  t *= t;
  const zb = 1 - t / 3;
  const sb = Math.sqrt((1 - zb) * (1 + zb)); // vb = (sb, 0, zb)
  const cx = ay * zb, cy = za * sb - ax * zb, cz = -ay * sb;
  return Math.atan2(Math.sqrt(cx * cx + cy * cy + cz * cz), ax * sb + za * zb);
}

export const MAX_PIXRAD = Float64Array.from({ length: MAX_ORDER + 1 }, (_, o) => maxPixradOf(o));

/** max_pixrad(order) in radians. */
export function maxPixrad(order: number): number {
  checkOrder(order);
  return MAX_PIXRAD[order];
}
