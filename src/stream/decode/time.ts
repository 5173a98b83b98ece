// Times of alerts. The internal alert carries `mjd` in UTC for both surveys:
// ZTF gives jd (UTC, start of exposure); Rubin gives midpointMjdTai (TAI,
// middle of the exposure), which we shift by TAI-UTC.

export const JD_MJD_OFFSET = 2400000.5;
const MJD_UNIX_EPOCH = 40587; // 1970-01-01
const SECONDS_PER_DAY = 86400;

// TAI-UTC (s) from each leap second on (IERS Bulletin C). 37 s since
// 2017-01-01; no leap second has been announced since. Earlier entries only
// matter for simulated or archival data.
const LEAP_MJD = [51179, 53736, 54832, 56109, 57204, 57754];
const LEAP_SECONDS = [32, 33, 34, 35, 36, 37];

/** TAI-UTC in seconds at a TAI MJD (32 s before 1999, good enough for alerts). */
export function taiMinusUtcSeconds(mjdTai: number): number {
  let s = LEAP_SECONDS[0];
  for (let i = 0; i < LEAP_MJD.length; i++) if (mjdTai >= LEAP_MJD[i]) s = LEAP_SECONDS[i];
  return s;
}

export function mjdTaiToUtc(mjdTai: number): number {
  return mjdTai - taiMinusUtcSeconds(mjdTai) / SECONDS_PER_DAY;
}

export function jdToMjd(jd: number): number {
  return jd - JD_MJD_OFFSET;
}

/**
 * The UTC calendar date of a UTC MJD as 'YYYYMMDD' (proleptic Gregorian),
 * or '' for a non-finite time. Days-to-civil after H. Hinnant.
 */
export function utcNight(mjdUtc: number): string {
  if (!Number.isFinite(mjdUtc)) return '';
  const z0 = Math.floor(mjdUtc) - MJD_UNIX_EPOCH + 719468;
  const era = Math.floor(z0 / 146097);
  const doe = z0 - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}${m < 10 ? '0' : ''}${m}${d < 10 ? '0' : ''}${d}`;
}
