// Declination zones: the sky cut into bands of height h. Inside a zone rows
// are kept in RA order, so a circle becomes, per zone it touches, one RA
// interval [ra - alpha, ra + alpha] (two when it wraps at 0/360, the whole
// band when it reaches a pole). Gray, Nieto-Santisteban & Szalay 2007
// (arXiv:cs/0701171) describe the method.

import { DEG_PER_RAD, RAD_PER_DEG } from '../sky/angles.js';

/** RA is quantised to 32 bits inside a zone: 2^32 / 360 steps per degree (~0.3 mas). */
export const RA_STEPS = 4294967296;
export const RA_STEPS_PER_DEG = RA_STEPS / 360;

/** Zones are numbered in 21 bits so that zone * 2^32 + quantised RA stays below 2^53. */
export const MAX_ZONES = 1 << 21;
export const MIN_ZONE_HEIGHT_DEG = 180 / MAX_ZONES;

/** Safety margin (deg) added to every window: a looser window only costs a few candidates. */
export const WINDOW_MARGIN_DEG = 1e-9;

export function zoneCount(zoneHeightDeg: number): number {
  return Math.max(1, Math.ceil(180 / zoneHeightDeg - 1e-9));
}

export function checkZoneHeight(zoneHeightDeg: number): void {
  if (!(zoneHeightDeg >= MIN_ZONE_HEIGHT_DEG && zoneHeightDeg <= 180)) {
    throw new RangeError(
      `zoneHeightDeg must be in [${MIN_ZONE_HEIGHT_DEG}, 180], got ${String(zoneHeightDeg)}`,
    );
  }
}

/** Zone of a declination; dec = +90 belongs to the last zone. */
export function zoneOf(decDeg: number, zoneHeightDeg: number, nZones: number): number {
  const z = Math.floor((decDeg + 90) / zoneHeightDeg);
  return z < 0 ? 0 : z >= nZones ? nZones - 1 : z;
}

/** Quantised RA of an ra already in [0, 360): floor(ra * 2^32 / 360), monotone in ra. */
export function quantizeRa(raDeg: number): number {
  const q = Math.floor(raDeg * RA_STEPS_PER_DEG);
  return q < 0 ? 0 : q >= RA_STEPS ? RA_STEPS - 1 : q;
}

/**
 * Half-width in RA (deg) of a circle of radius r centred at declination dec:
 * asin(sin r / cos dec). 180 when the circle reaches a pole, so the whole
 * zone is scanned.
 */
export function raHalfWidthDeg(radiusDeg: number, decDeg: number): number {
  const adec = Math.abs(decDeg);
  if (radiusDeg >= 90 || adec + radiusDeg >= 90 - 1e-9) return 180;
  const s = Math.sin(radiusDeg * RAD_PER_DEG) / Math.cos(adec * RAD_PER_DEG);
  if (s >= 1) return 180;
  return Math.min(180, Math.asin(s) * DEG_PER_RAD + WINDOW_MARGIN_DEG);
}
