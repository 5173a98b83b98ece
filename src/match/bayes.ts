// The Bayes factor and posterior of a two-catalog association, Budavári &
// Szalay 2008, ApJ 679, 301 ("Probabilistic cross-identification of
// astronomical sources"), in the flat-sky limit of arcsec errors.
//
// H: both positions are of one object m; K: of two unrelated objects, each
// uniform on the sphere. With Gaussian errors C1, C2 (radians^2):
//   B = p(D|H) / p(D|K) = 4 pi * Integral N(x1; m, C1) N(x2; m, C2) dm
//     = 2 / sqrt(det C) * exp(-d^T C^-1 d / 2),   C = C1 + C2,
// which for circular errors is the paper's closed form:
//   B = 2 / (s1^2 + s2^2) * exp(-psi^2 / (2 (s1^2 + s2^2))).
// The posterior with prior P0 = P(H):
//   P(H|D) = [1 + (1 - P0) / (B P0)]^-1.
// The prior from the catalog's density rho (per steradian) around the
// source, when each source has a counterpart with probability f (1 by
// default): P0 = f / (4 pi rho) (the paper's N* / (N1 N2) for the whole sky,
// with the catalog counted at its local density).

import { RAD_PER_ARCSEC } from '../sky/angles.js';

const RAD2_PER_ARCSEC2 = RAD_PER_ARCSEC * RAD_PER_ARCSEC;

/**
 * ln B for the combined covariance C (arcsec^2: ee, nn, en) and the
 * Mahalanobis distance m: ln 2 - ln sqrt(det C in rad^2) - m^2 / 2.
 * -Infinity when C is singular (no error: B is then a delta function).
 */
export function logBayesFactor(ee: number, nn: number, en: number, m: number): number {
  const det = (ee * nn - en * en) * RAD2_PER_ARCSEC2 * RAD2_PER_ARCSEC2;
  if (!(det > 0)) return m === 0 ? Infinity : -Infinity;
  return Math.LN2 - 0.5 * Math.log(det) - (m * m) / 2;
}

/** B for circular errors s1, s2 and separation psi (all arcsec): the paper's closed form. */
export function bayesFactorCircular(psiArcsec: number, s1Arcsec: number, s2Arcsec: number): number {
  const s2 = (s1Arcsec * s1Arcsec + s2Arcsec * s2Arcsec) * RAD2_PER_ARCSEC2;
  const psi = psiArcsec * RAD_PER_ARCSEC;
  return (2 / s2) * Math.exp(-(psi * psi) / (2 * s2));
}

/** P(H|D) from ln B and the prior P0, computed in logs so B of 1e300 or 1e-300 stay exact. */
export function posterior(logB: number, prior: number): number {
  if (!(prior > 0)) return 0;
  if (prior >= 1) return 1;
  // 1 / (1 + exp(ln(1 - P0) - ln P0 - ln B))
  const x = Math.log1p(-prior) - Math.log(prior) - logB;
  return x > 700 ? 0 : 1 / (1 + Math.exp(x));
}
