// Angle units and validation. Units live in names: ...Deg, ...Rad, ...Arcsec.

export const DEG_PER_RAD = 180 / Math.PI;
export const RAD_PER_DEG = Math.PI / 180;
export const ARCSEC_PER_DEG = 3600;
export const RAD_PER_ARCSEC = Math.PI / (180 * 3600);
export const ARCSEC_PER_RAD = (180 * 3600) / Math.PI;

export const degToRad = (deg: number): number => deg * RAD_PER_DEG;
export const radToDeg = (rad: number): number => rad * DEG_PER_RAD;
export const arcsecToRad = (arcsec: number): number => arcsec * RAD_PER_ARCSEC;
export const radToArcsec = (rad: number): number => rad * ARCSEC_PER_RAD;
export const arcsecToDeg = (arcsec: number): number => arcsec / ARCSEC_PER_DEG;
export const degToArcsec = (deg: number): number => deg * ARCSEC_PER_DEG;

/** Right ascension folded into [0, 360). NaN and infinities stay non-finite. */
export function normalizeRa(raDeg: number): number {
  if (raDeg >= 0 && raDeg < 360) return raDeg;
  let r = raDeg % 360;
  if (r < 0) r += 360;
  // -1e-17 % 360 + 360 rounds to 360 exactly: fold it to 0.
  return r >= 360 ? 0 : r;
}

function fmt(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}

/** Throws a RangeError naming the value unless ra is finite. Any finite ra is accepted and later folded. */
export function checkRa(raDeg: number, name = 'ra'): void {
  if (typeof raDeg !== 'number' || !Number.isFinite(raDeg)) {
    throw new RangeError(`${name} must be a finite number of degrees, got ${fmt(raDeg)}`);
  }
}

export function checkDec(decDeg: number, name = 'dec'): void {
  if (typeof decDeg !== 'number' || !(decDeg >= -90 && decDeg <= 90)) {
    throw new RangeError(`${name} must be in [-90, 90], got ${fmt(decDeg)}`);
  }
}

export function checkRadiusArcsec(radiusArcsec: number, name = 'radiusArcsec'): void {
  if (typeof radiusArcsec !== 'number' || !(radiusArcsec >= 0) || radiusArcsec === Infinity) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${fmt(radiusArcsec)}`);
  }
}

export function checkInteger(value: number, min: number, max: number, name: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${fmt(value)}`);
  }
}
