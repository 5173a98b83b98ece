// Space motion of a star between epochs, on unit vectors: exact at the poles
// and across RA 0/360 (no angle is ever extrapolated).
//
// Rigorous propagation as in the Hipparcos catalogue (ESA 1997, vol. 1,
// sect. 1.5.5) and the Gaia documentation (Lindegren et al., "Transformation
// of astrometric data", eqs. for r(t)): with r0 the unit vector at the
// reference epoch, p0 and q0 the unit vectors towards increasing RA and Dec,
// the proper-motion vector pm0 = p0 mu_a* + q0 mu_d (radians per year),
// mu0^2 = mu_a*^2 + mu_d^2 and the radial proper motion mu_r = v_r plx / A,
//   f    = [1 + 2 mu_r t + (mu0^2 + mu_r^2) t^2]^(-1/2)
//   u(t) = [r0 (1 + mu_r t) + pm0 t] f
// Without parallax or radial velocity mu_r = 0 and this is uniform motion on
// a straight line at unit distance: u(t) = (r0 + pm0 t) / |r0 + pm0 t|, the
// "linear" model, which tends to the great-circle motion for small mu0 t.
// Light-time (the Roemer term astropy/ERFA's pmsafe adds) changes Barnard's
// star at 10 years by ~0.01 mas: below what matching can see.

import { DEG_PER_RAD, RAD_PER_DEG, normalizeRa } from './angles.js';

/** A = 1 au in km * (1 Julian year in s)^-1: km/s per (mas/yr * kpc), i.e. v = A mu / plx. */
export const AU_KM_YEAR_PER_S = 4.740470446;
/** Radians per milliarcsecond. */
export const RAD_PER_MAS = Math.PI / (180 * 3600 * 1000);
export const MAS_PER_RAD = 1 / RAD_PER_MAS;

export interface Astrometry {
  raDeg: number;
  decDeg: number;
  /** mu_alpha* = mu_alpha cos(dec), mas/yr. */
  pmRaMasYr: number;
  pmDecMasYr: number;
  /** mas; 0 or NaN when unknown (then the radial motion is taken as 0). */
  parallaxMas?: number;
  /** km/s; 0 or NaN when unknown. */
  rvKms?: number;
}

export interface Propagated {
  raDeg: number;
  decDeg: number;
  pmRaMasYr: number;
  pmDecMasYr: number;
  parallaxMas: number;
  rvKms: number;
}

/** Radial proper motion mu_r (mas/yr) = v_r * plx / A; 0 unless both are known. */
export function radialPmMasYr(parallaxMas: number | undefined, rvKms: number | undefined): number {
  const plx = parallaxMas ?? 0, rv = rvKms ?? 0;
  if (!(plx === plx) || !(rv === rv)) return 0;
  return (rv * plx) / AU_KM_YEAR_PER_S;
}

/**
 * The star's position, proper motion, parallax and radial velocity after
 * dtYears (Julian years; negative goes back). Without parallax or radial
 * velocity the motion is linear (mu_r = 0) and parallax and rv stay as given.
 */
export function propagate(a: Astrometry, dtYears: number): Propagated {
  const ra = a.raDeg * RAD_PER_DEG, dec = a.decDeg * RAD_PER_DEG;
  const ca = Math.cos(ra), sa = Math.sin(ra), cd = Math.cos(dec), sd = Math.sin(dec);
  const r0x = cd * ca, r0y = cd * sa, r0z = sd;
  const px = -sa, py = ca; // p0 (z = 0)
  const qx = -sd * ca, qy = -sd * sa, qz = cd;
  const mua = a.pmRaMasYr * RAD_PER_MAS, mud = a.pmDecMasYr * RAD_PER_MAS;
  const mur = radialPmMasYr(a.parallaxMas, a.rvKms) * RAD_PER_MAS;
  const pmx = px * mua + qx * mud, pmy = py * mua + qy * mud, pmz = qz * mud;
  const mu02 = mua * mua + mud * mud;
  const t = dtYears;
  const f2 = 1 / (1 + 2 * mur * t + (mu02 + mur * mur) * t * t);
  const f = Math.sqrt(f2);
  const ux = (r0x * (1 + mur * t) + pmx * t) * f;
  const uy = (r0y * (1 + mur * t) + pmy * t) * f;
  const uz = (r0z * (1 + mur * t) + pmz * t) * f;
  // Proper motion at t: [pm0 (1 + mu_r t) - r0 mu0^2 t] f^3, projected on the new p, q.
  const f3 = f2 * f;
  const vx = (pmx * (1 + mur * t) - r0x * mu02 * t) * f3;
  const vy = (pmy * (1 + mur * t) - r0y * mu02 * t) * f3;
  const vz = (pmz * (1 + mur * t) - r0z * mu02 * t) * f3;
  const rxy = Math.hypot(ux, uy);
  const raT = rxy === 0 ? 0 : Math.atan2(uy, ux);
  const decT = Math.atan2(uz, rxy);
  const cA = Math.cos(raT), sA = Math.sin(raT), sD = Math.sin(decT), cD = Math.cos(decT);
  const pmRa = -sA * vx + cA * vy;
  const pmDec = -sD * cA * vx - sD * sA * vy + cD * vz;
  const murT = (mur + (mu02 + mur * mur) * t) * f2;
  const plx = a.parallaxMas ?? NaN, rv = a.rvKms ?? NaN;
  const plxT = plx * f; // NaN stays NaN
  const rvT = plx === plx && rv === rv && plx !== 0 ? (murT * MAS_PER_RAD * AU_KM_YEAR_PER_S) / plxT : rv;
  return {
    raDeg: normalizeRa(raT * DEG_PER_RAD), decDeg: decT * DEG_PER_RAD,
    pmRaMasYr: pmRa * MAS_PER_RAD, pmDecMasYr: pmDec * MAS_PER_RAD, parallaxMas: plxT, rvKms: rvT,
  };
}

/**
 * Largest angle (radians) a star with total proper motion mu0 and radial
 * proper motion of size at most |mu_r| (both rad/yr) can move from its
 * reference position in |dt| years: tan(theta) = mu0 t / (1 + mu_r t), so
 * theta <= atan(mu0 |t| / (1 - |mu_r| |t|)). Pi when the bound breaks down
 * (a star passing the Sun: absurd epochs or values).
 */
export function maxDisplacementRad(mu0RadYr: number, murAbsRadYr: number, dtAbsYears: number): number {
  const t = dtAbsYears;
  const den = 1 - murAbsRadYr * t;
  if (!(den > 0.5)) return Math.PI;
  return Math.atan((mu0RadYr * t) / den);
}
