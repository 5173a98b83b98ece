// Point -> trixel id, exact: the same trixel as lsst/sphgeom's
// HtmPixelization::index for every double vector, edge points included.
//
// The root comes from coordinate signs; then each level computes the child
// vertices as the definition says (normalised float64 midpoints) and picks
// the child with exact orientation tests: child 0 = (a, w2, w1) iff
// det(w2, w1, p) >= 0, else child 1 iff det(w0, w2, p) >= 0, else child 2 iff
// det(w1, w0, p) >= 0, else child 3. A float determinant with a proven
// error bound decides, unless p is within ~1e-15 of the edge's great circle
// (0.3% of random lookups at depth 20, nearly all at the deepest levels),
// when `orient` decides exactly (its BigInt stage runs only for points on
// an edge as far as float64 can tell).
//
// Tie-break convention for points exactly on an edge (as far as their
// float64 coordinates tell), which is lsst/sphgeom's:
//  - roots by coordinate signs: z >= 0 is north (the equator goes to
//    N0..N3); within a hemisphere y > 0 gives N3/S0 for x > 0, N2/S1 for
//    x <= 0; y = 0 gives N3/S0 for x >= 0, N1/S2 for x < 0; y < 0 gives
//    N1/S2 for x < 0, N0/S3 for x >= 0;
//  - below the roots a point on an inner edge goes to the corner child that
//    holds it, trying child 0, then 1, then 2, before the middle child 3.
// The trixel returned always contains the point in its closed boundary.
// (htmIndexRaDec does not fold RA: ra = 360 gives cos/sin of 2*pi, a vector
// with y = -2.4e-16, as sphgeom's LonLat::fromDegrees(360, dec) does.)

import { orient } from './predicates.js';
import { MAX_DEPTH, ROOT_VERTICES } from './trixel.js';

/**
 * Error bound, per unit of |p|_1, for deciding the sign of det(w_i, w_j, p)
 * (w the normalised float midpoints) from D = det(s_i, s_j, p), s the float
 * sums a + b etc. before normalising (|s| <= 2). w = s / n up to 1 ulp per
 * component (n the computed norm), so det(w_i, w_j, p) n_i n_j, which has
 * the sign wanted, is within 8 u |p| of det(s_i, s_j, p) (u = 2^-53); the
 * evaluation of D in floats adds at most 5.6e-16 times its permanent,
 * <= 4 |p|_1 (Shewchuk 1997, sec. 4.3). Total <= 3.2e-15 |p|_1; 6e-15 used.
 */
export const SUM_DET_ERR = 6e-15;

/** Root id (8..15) of a vector, by coordinate signs (sphgeom's tie-breaks). */
export function rootOf(x: number, y: number, z: number): number {
  if (z < 0) {
    if (y > 0) return x > 0 ? 8 : 9;
    if (y === 0) return x >= 0 ? 8 : 10;
    return x < 0 ? 10 : 11;
  }
  if (y > 0) return x > 0 ? 15 : 14;
  if (y === 0) return x >= 0 ? 15 : 13;
  return x < 0 ? 13 : 12;
}

export function badDepth(depth: unknown): never {
  throw new RangeError(`HTM depth must be an integer in [0, ${MAX_DEPTH}], got ${String(depth)}`);
}

export function badVector(x: number, y: number, z: number): never {
  throw new RangeError(`HTM point must be a finite vector of length 1e-150..1e150 (a unit vector), got (${x}, ${y}, ${z})`);
}

/**
 * Trixel id at `depth` (0..24) of the direction (x, y, z): a unit vector, or
 * any finite vector with 1e-150 < |x| + |y| + |z| < 1e150 (only the direction
 * counts). No allocation; RangeError naming a bad depth or vector.
 */
export function htmIndex(depth: number, x: number, y: number, z: number): number {
  if (!(depth >= 0 && depth <= MAX_DEPTH && Math.floor(depth) === depth)) badDepth(depth);
  const pm = Math.abs(x) + Math.abs(y) + Math.abs(z);
  if (!(pm > 1e-150 && pm < 1e150)) badVector(x, y, z);
  let id = rootOf(x, y, z);
  const r = (id - 8) * 9;
  let ax = ROOT_VERTICES[r], ay = ROOT_VERTICES[r + 1], az = ROOT_VERTICES[r + 2];
  let bx = ROOT_VERTICES[r + 3], by = ROOT_VERTICES[r + 4], bz = ROOT_VERTICES[r + 5];
  let cx = ROOT_VERTICES[r + 6], cy = ROOT_VERTICES[r + 7], cz = ROOT_VERTICES[r + 8];
  const eb = SUM_DET_ERR * pm;
  for (let l = 0; l < depth; l++) {
    // The decision needs only the sums; the normalisations, which the next
    // level needs bit for bit, run alongside instead of before it.
    const s0x = bx + cx, s0y = by + cy, s0z = bz + cz;
    const s1x = ax + cx, s1y = ay + cy, s1z = az + cz;
    const s2x = ax + bx, s2y = ay + by, s2z = az + bz;
    const d0 = x * (s2y * s1z - s2z * s1y) + y * (s2z * s1x - s2x * s1z) + z * (s2x * s1y - s2y * s1x);
    const d1 = x * (s0y * s2z - s0z * s2y) + y * (s0z * s2x - s0x * s2z) + z * (s0x * s2y - s0y * s2x);
    const d2 = x * (s1y * s0z - s1z * s0y) + y * (s1z * s0x - s1x * s0z) + z * (s1x * s0y - s1y * s0x);
    // Midpoints exactly as trixel.ts `midpoint` computes them: (u + v) / |u + v|.
    let n = Math.sqrt(s0x * s0x + s0y * s0y + s0z * s0z);
    const w0x = s0x / n, w0y = s0y / n, w0z = s0z / n;
    n = Math.sqrt(s1x * s1x + s1y * s1y + s1z * s1z);
    const w1x = s1x / n, w1y = s1y / n, w1z = s1z / n;
    n = Math.sqrt(s2x * s2x + s2y * s2y + s2z * s2z);
    const w2x = s2x / n, w2y = s2y / n, w2z = s2z / n;
    // sphgeom's order: child 0 iff det(w2, w1, p) >= 0, else 1 iff det(w0, w2, p) >= 0, ...
    if (d0 > eb || (d0 >= -eb && orient(w2x, w2y, w2z, w1x, w1y, w1z, x, y, z) >= 0)) {
      bx = w2x; by = w2y; bz = w2z;
      cx = w1x; cy = w1y; cz = w1z;
      id *= 4;
    } else if (d1 > eb || (d1 >= -eb && orient(w0x, w0y, w0z, w2x, w2y, w2z, x, y, z) >= 0)) {
      ax = bx; ay = by; az = bz;
      bx = w0x; by = w0y; bz = w0z;
      cx = w2x; cy = w2y; cz = w2z;
      id = id * 4 + 1;
    } else if (d2 > eb || (d2 >= -eb && orient(w1x, w1y, w1z, w0x, w0y, w0z, x, y, z) >= 0)) {
      ax = cx; ay = cy; az = cz;
      bx = w1x; by = w1y; bz = w1z;
      cx = w0x; cy = w0y; cz = w0z;
      id = id * 4 + 2;
    } else {
      ax = w0x; ay = w0y; az = w0z;
      bx = w1x; by = w1y; bz = w1z;
      cx = w2x; cy = w2y; cz = w2z;
      id = id * 4 + 3;
    }
  }
  return id;
}

const RAD_PER_DEG = Math.PI / 180;

/**
 * Trixel id at `depth` of (ra, dec) in degrees: any finite ra, dec in
 * [-90, 90]; the vector is (cos dec cos ra, cos dec sin ra, sin dec) as
 * sphgeom builds it, so ids match sphgeom's even on edges.
 */
export function htmIndexRaDec(depth: number, raDeg: number, decDeg: number): number {
  if (typeof raDeg !== 'number' || !Number.isFinite(raDeg)) {
    throw new RangeError(`ra must be a finite number of degrees, got ${String(raDeg)}`);
  }
  if (typeof decDeg !== 'number' || !(decDeg >= -90 && decDeg <= 90)) {
    throw new RangeError(`dec must be in [-90, 90], got ${String(decDeg)}`);
  }
  const a = raDeg * RAD_PER_DEG, d = decDeg * RAD_PER_DEG;
  const c = Math.cos(d);
  return htmIndex(depth, Math.cos(a) * c, Math.sin(a) * c, Math.sin(d));
}
