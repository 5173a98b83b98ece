// Orientation of three unit vectors, sign of det(a, b, c) = a . (b x c),
// decided exactly: a float evaluation in a cancellation-free form first, and
// exact integer arithmetic on the doubles' binary values when the result is
// too close to zero to trust.

const SCALE = 1074n; // every finite double times 2^1074 is an integer

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The double x as the integer x * 2^1074 (exact). */
function toBig(x: number): bigint {
  if (x === 0) return 0n;
  f64[0] = x;
  const bits = u64[0];
  const sign = bits >> 63n ? -1n : 1n;
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  const mant = exp === 0 ? frac : frac | 0x10000000000000n;
  const shift = BigInt(exp === 0 ? 1 : exp) - 1075n + SCALE;
  return sign * (mant << shift);
}

/** Exact sign of det(a, b, c). */
export function orientExact(
  ax: number, ay: number, az: number, bx: number, by: number, bz: number, cx: number, cy: number, cz: number,
): number {
  const Ax = toBig(ax), Ay = toBig(ay), Az = toBig(az);
  const Bx = toBig(bx), By = toBig(by), Bz = toBig(bz);
  const Cx = toBig(cx), Cy = toBig(cy), Cz = toBig(cz);
  const d = Ax * (By * Cz - Bz * Cy) + Ay * (Bz * Cx - Bx * Cz) + Az * (Bx * Cy - By * Cx);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

/**
 * Sign of det(a, b, p) for an edge a -> b and a point p near it. Written as
 * (p - a) . (a x (b - a)), whose differences are exact for nearby vectors, so
 * the float value is accurate even for edges 1e-7 rad long; falls back to
 * exact arithmetic inside its error bound.
 */
export function orient(
  ax: number, ay: number, az: number, bx: number, by: number, bz: number, px: number, py: number, pz: number,
): number {
  const ex = bx - ax, ey = by - ay, ez = bz - az;
  const nx = ay * ez - az * ey, ny = az * ex - ax * ez, nz = ax * ey - ay * ex;
  const qx = px - ax, qy = py - ay, qz = pz - az;
  const d = qx * nx + qy * ny + qz * nz;
  // |error| <= a few ulps of |q| |a| |e| (each factor carries relative error ~1e-16).
  const bound = 1e-14 * (Math.abs(qx) + Math.abs(qy) + Math.abs(qz)) * (Math.abs(ex) + Math.abs(ey) + Math.abs(ez));
  if (d > bound) return 1;
  if (d < -bound) return -1;
  return orientExact(ax, ay, az, bx, by, bz, px, py, pz);
}
