// Orientation of three vectors: the sign of det(a, b, p) = p . (a x b),
// decided exactly for the doubles given. The lookup's hot loop runs its own
// plain-determinant filter and only calls `orient` when that filter cannot
// decide (a point within ~1e-15 of an edge's great circle); `orient` then
// tries a cancellation-free float form with a tight error bound, and falls
// back to exact integer arithmetic on the doubles' binary values.

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
// Float64Array and Uint32Array share the platform's byte order: find the high word.
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** Exponent of the lowest mantissa bit of a finite non-zero double (x = m * 2^e, m an integer). */
function lowExp(x: number): number {
  F64[0] = x;
  const e = (U32[HI] >>> 20) & 0x7ff;
  return e === 0 ? -1074 : e - 1075;
}

/** x * 2^-e as an exact BigInt, for e <= lowExp(x) (0n for x = 0). */
function scaled(x: number, e: number): bigint {
  if (x === 0) return 0n;
  F64[0] = x;
  const hi = U32[HI], lo = U32[LO];
  const be = (hi >>> 20) & 0x7ff;
  let m = (BigInt(be === 0 ? hi & 0xfffff : (hi & 0xfffff) | 0x100000) << 32n) | BigInt(lo);
  m <<= BigInt((be === 0 ? -1074 : be - 1075) - e);
  return hi >>> 31 ? -m : m;
}

/** Smallest lowExp over the non-zero components (0 if all are zero). */
function vecExp(x: number, y: number, z: number): number {
  let e = Infinity;
  if (x !== 0) e = lowExp(x);
  if (y !== 0) e = Math.min(e, lowExp(y));
  if (z !== 0) e = Math.min(e, lowExp(z));
  return e === Infinity ? 0 : e;
}

/**
 * Exact sign of det(a, b, p). Each vector is scaled by a power of two (which
 * keeps the sign) so that its components are integers of at most a few
 * hundred bits; the determinant is then evaluated exactly with BigInt.
 */
export function orientExact(
  ax: number, ay: number, az: number, bx: number, by: number, bz: number, px: number, py: number, pz: number,
): number {
  const ea = vecExp(ax, ay, az), eb = vecExp(bx, by, bz), ep = vecExp(px, py, pz);
  const Ax = scaled(ax, ea), Ay = scaled(ay, ea), Az = scaled(az, ea);
  const Bx = scaled(bx, eb), By = scaled(by, eb), Bz = scaled(bz, eb);
  const Px = scaled(px, ep), Py = scaled(py, ep), Pz = scaled(pz, ep);
  const d = Px * (Ay * Bz - Az * By) + Py * (Az * Bx - Ax * Bz) + Pz * (Ax * By - Ay * Bx);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

/**
 * Sign of det(a, b, p) for a unit vector a (|components| <= 1), any b and p.
 * Evaluated as (p - a) . (a x (b - a)), equal to p . (a x b) in exact
 * arithmetic; for a short edge a -> b and a point near it the differences
 * are exact or nearly so, and the rounding error is at most about
 * 11 ulp * |p - a|_1 * |b - a|_1 (bound used: 1e-14, ~9x that), which is
 * ~1e-7 of what the plain determinant's bound is for a depth-20 edge.
 */
export function orient(
  ax: number, ay: number, az: number, bx: number, by: number, bz: number, px: number, py: number, pz: number,
): number {
  const ex = bx - ax, ey = by - ay, ez = bz - az;
  const nx = ay * ez - az * ey, ny = az * ex - ax * ez, nz = ax * ey - ay * ex;
  const qx = px - ax, qy = py - ay, qz = pz - az;
  const d = qx * nx + qy * ny + qz * nz;
  const bound = 1e-14 * (Math.abs(qx) + Math.abs(qy) + Math.abs(qz)) * (Math.abs(ex) + Math.abs(ey) + Math.abs(ez));
  // A bound that underflows to 0 proves nothing: go exact then too.
  if (bound > 1e-290) {
    if (d > bound) return 1;
    if (d < -bound) return -1;
  }
  return orientExact(ax, ay, az, bx, by, bz, px, py, pz);
}
