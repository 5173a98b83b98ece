// Unit vectors, separations and chords. The exact "within r" test of every
// index is on chords: |p - q|^2 <= (2 sin(r/2))^2, computed from unit vectors.

import { ARCSEC_PER_RAD, DEG_PER_RAD, RAD_PER_ARCSEC, RAD_PER_DEG } from './angles.js';

export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

/** Unit vector of (ra, dec) in degrees. */
export function radecToVec(raDeg: number, decDeg: number): Vec3 {
  const ra = raDeg * RAD_PER_DEG;
  const dec = decDeg * RAD_PER_DEG;
  const c = Math.cos(dec);
  return { x: c * Math.cos(ra), y: c * Math.sin(ra), z: Math.sin(dec) };
}

/** Fills out[3*i..3*i+2]-free columns x, y, z from ra/dec columns in degrees. */
export function radecToXyz(
  raDeg: Float64Array, decDeg: Float64Array,
  x: Float64Array, y: Float64Array, z: Float64Array,
): void {
  const n = raDeg.length;
  for (let i = 0; i < n; i++) {
    const ra = raDeg[i] * RAD_PER_DEG;
    const dec = decDeg[i] * RAD_PER_DEG;
    const c = Math.cos(dec);
    x[i] = c * Math.cos(ra);
    y[i] = c * Math.sin(ra);
    z[i] = Math.sin(dec);
  }
}

/** (ra in [0, 360), dec) in degrees of a vector (need not be unit length). */
export function vecToRadec(x: number, y: number, z: number): { ra: number; dec: number } {
  let ra = Math.atan2(y, x) * DEG_PER_RAD;
  if (ra < 0) ra += 360;
  if (ra >= 360) ra = 0;
  const dec = Math.atan2(z, Math.hypot(x, y)) * DEG_PER_RAD;
  return { ra, dec };
}

/**
 * Angle between two unit vectors in radians, atan2(|a x b|, a . b): accurate at
 * 1 mas and at 179.999 deg alike (acos loses half its digits near 0 and pi).
 */
export function angleBetween(
  ax: number, ay: number, az: number, bx: number, by: number, bz: number,
): number {
  const cx = ay * bz - az * by;
  const cy = az * bx - ax * bz;
  const cz = ax * by - ay * bx;
  return Math.atan2(Math.sqrt(cx * cx + cy * cy + cz * cz), ax * bx + ay * by + az * bz);
}

/** Angular separation in degrees between two (ra, dec) positions in degrees (Vincenty form). */
export function separationDeg(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const d1 = dec1 * RAD_PER_DEG;
  const d2 = dec2 * RAD_PER_DEG;
  const dra = (ra2 - ra1) * RAD_PER_DEG;
  const s1 = Math.sin(d1), c1 = Math.cos(d1);
  const s2 = Math.sin(d2), c2 = Math.cos(d2);
  const sdra = Math.sin(dra), cdra = Math.cos(dra);
  const num1 = c2 * sdra;
  const num2 = c1 * s2 - s1 * c2 * cdra;
  const den = s1 * s2 + c1 * c2 * cdra;
  return Math.atan2(Math.hypot(num1, num2), den) * DEG_PER_RAD;
}

export function separationArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  return separationDeg(ra1, dec1, ra2, dec2) * 3600;
}

/** Squared chord of an angle in radians: (2 sin(theta/2))^2; 4 from pi on. */
export function chord2FromRad(theta: number): number {
  if (!(theta > 0)) return 0;
  if (theta >= Math.PI) return 4;
  const s = 2 * Math.sin(theta / 2);
  return s * s;
}

export function chord2FromArcsec(radiusArcsec: number): number {
  return chord2FromRad(radiusArcsec * RAD_PER_ARCSEC);
}

/** Angle in radians of a squared chord: 2 asin(c / 2), exact at tiny chords. */
export function radFromChord2(chord2: number): number {
  if (!(chord2 > 0)) return 0;
  if (chord2 >= 4) return Math.PI;
  return 2 * Math.asin(Math.sqrt(chord2) / 2);
}

export function arcsecFromChord2(chord2: number): number {
  return radFromChord2(chord2) * ARCSEC_PER_RAD;
}

/**
 * Position angle (east of north) in degrees, in [0, 360), of point 2 as seen
 * from point 1.
 */
export function positionAngleDeg(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const d1 = dec1 * RAD_PER_DEG;
  const d2 = dec2 * RAD_PER_DEG;
  const dra = (ra2 - ra1) * RAD_PER_DEG;
  const y = Math.sin(dra) * Math.cos(d2);
  const x = Math.cos(d1) * Math.sin(d2) - Math.sin(d1) * Math.cos(d2) * Math.cos(dra);
  let pa = Math.atan2(y, x) * DEG_PER_RAD;
  if (pa < 0) pa += 360;
  return pa >= 360 ? 0 : pa;
}
