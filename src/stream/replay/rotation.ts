// Moving an alert on the sky without distorting it: every position of a copy
// (the detection, its history, its reference-source positions) goes through
// one rotation of the sphere, the one that carries the original position to
// the copy's. Rotations keep every separation exactly, work across RA 0/360
// and at the poles (nothing is added to ra or dec, nothing is clamped).

import { DEG_PER_RAD, RAD_PER_ARCSEC, RAD_PER_DEG } from '../../sky/angles.js';

/**
 * Grid offsets of K = n x n copies, in units of the spacing, as [east, north]
 * pairs; copy 0 is [0, 0] (the original position), the others follow row by
 * row from the south-west. Odd n: a grid centred on the original; even n: the
 * original is the cell just north-east of the centre.
 */
export function gridOffsets(n: number): Int32Array {
  const out = new Int32Array(2 * n * n);
  const lo = -Math.floor(n / 2);
  let k = 2;
  for (let j = lo; j < lo + n; j++) {
    for (let i = lo; i < lo + n; i++) {
      if (i === 0 && j === 0) continue;
      out[k++] = i;
      out[k++] = j;
    }
  }
  return out;
}

/** n of a perfect square K = n x n (K >= 1), or a RangeError naming K. */
export function gridSide(copies: number): number {
  const n = Math.round(Math.sqrt(copies));
  if (!Number.isInteger(copies) || copies < 1 || n * n !== copies) {
    const below = Math.max(1, Math.floor(Math.sqrt(Math.max(1, copies))));
    throw new RangeError(`multiply must be a perfect square n x n (1, 4, 9, ..., 2025 = 45 x 45) so the copies form a grid, got ${copies} (nearest: ${below * below} or ${(below + 1) ** 2})`);
  }
  return n;
}

/**
 * Rotation (3 x 3, row-major) carrying the unit vector of (ra, dec) to the
 * point reached by going `eastArcsec`, `northArcsec` in its tangent plane:
 * distance hypot(east, north) along the great circle leaving at position
 * angle atan2(east, north). At a pole, "north" is the direction of the
 * meridian ra (towards ra + 180 at the north pole), so the result is defined.
 */
export function offsetRotation(raDeg: number, decDeg: number, eastArcsec: number, northArcsec: number, out = new Float64Array(9)): Float64Array {
  const rho = Math.hypot(eastArcsec, northArcsec) * RAD_PER_ARCSEC;
  if (rho === 0) {
    out.fill(0);
    out[0] = out[4] = out[8] = 1;
    return out;
  }
  const a = raDeg * RAD_PER_DEG, d = decDeg * RAD_PER_DEG;
  const ca = Math.cos(a), sa = Math.sin(a), cd = Math.cos(d), sd = Math.sin(d);
  // p: the original position; e, n: east and north unit vectors there.
  const px = cd * ca, py = cd * sa, pz = sd;
  const se = eastArcsec / Math.hypot(eastArcsec, northArcsec), sn = northArcsec / Math.hypot(eastArcsec, northArcsec);
  const ux = -sa * se - sd * ca * sn, uy = ca * se - sd * sa * sn, uz = cd * sn;
  // Axis k = p x u (unit: p and u are orthogonal unit vectors).
  const kx = py * uz - pz * uy, ky = pz * ux - px * uz, kz = px * uy - py * ux;
  const c = Math.cos(rho), s = Math.sin(rho);
  const t = 2 * Math.sin(rho / 2) ** 2; // 1 - cos, without cancellation at small angles
  out[0] = c + t * kx * kx; out[1] = t * kx * ky - s * kz; out[2] = t * kx * kz + s * ky;
  out[3] = t * ky * kx + s * kz; out[4] = c + t * ky * ky; out[5] = t * ky * kz - s * kx;
  out[6] = t * kz * kx - s * ky; out[7] = t * kz * ky + s * kx; out[8] = c + t * kz * kz;
  return out;
}

/** (ra, dec) in degrees through rotation m, into out[0], out[1]; ra in [0, 360). */
export function rotateRaDec(m: Float64Array, raDeg: number, decDeg: number, out: Float64Array): void {
  const a = raDeg * RAD_PER_DEG, d = decDeg * RAD_PER_DEG;
  const cd = Math.cos(d);
  const x = cd * Math.cos(a), y = cd * Math.sin(a), z = Math.sin(d);
  const rx = m[0] * x + m[1] * y + m[2] * z;
  const ry = m[3] * x + m[4] * y + m[5] * z;
  const rz = m[6] * x + m[7] * y + m[8] * z;
  let ra = Math.atan2(ry, rx) * DEG_PER_RAD;
  if (ra < 0) ra += 360;
  if (ra >= 360) ra -= 360;
  out[0] = ra;
  out[1] = Math.atan2(rz, Math.hypot(rx, ry)) * DEG_PER_RAD;
}
