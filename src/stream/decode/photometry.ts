// Flux <-> AB magnitude with fluxes in nanojansky (Rubin's unit):
// m_AB = -2.5 log10(f / 3631 Jy) ~= 31.4 - 2.5 log10(f / nJy). 31.4 is the rounded
// zero point Rubin documents (exact 31.39993); the 7e-5 mag difference is far
// below any photometric error.

export const AB_ZEROPOINT_NJY = 31.4;
const MAG_PER_LN = 2.5 / Math.LN10; // 1.0857: dm = MAG_PER_LN * df / f

/** AB magnitude of a positive flux (nJy); null when flux is not > 0. */
export function abMagFromFlux(fluxNJy: number | null): number | null {
  return fluxNJy !== null && fluxNJy > 0 ? AB_ZEROPOINT_NJY - 2.5 * Math.log10(fluxNJy) : null;
}

/** Magnitude error from flux error (first order); null when not defined. */
export function magErrFromFlux(fluxNJy: number | null, fluxErrNJy: number | null): number | null {
  return fluxNJy !== null && fluxNJy > 0 && fluxErrNJy !== null && fluxErrNJy >= 0
    ? (MAG_PER_LN * fluxErrNJy) / fluxNJy
    : null;
}

/** Flux (nJy) of an AB magnitude, negative when the difference was negative. */
export function fluxFromAbMag(mag: number | null, positive: boolean): number | null {
  if (mag === null || !Number.isFinite(mag)) return null;
  const f = 10 ** (0.4 * (AB_ZEROPOINT_NJY - mag));
  return positive ? f : -f;
}

export function fluxErrFromMag(fluxNJy: number | null, magErr: number | null): number | null {
  return fluxNJy === null || magErr === null || !Number.isFinite(magErr) ? null : (Math.abs(fluxNJy) * magErr) / MAG_PER_LN;
}

/** Flux in nJy of a count-rate flux measured against photometric zero point `zp` (mag). */
export function countsToNJy(counts: number, zp: number): number {
  return counts * 10 ** (0.4 * (AB_ZEROPOINT_NJY - zp));
}
