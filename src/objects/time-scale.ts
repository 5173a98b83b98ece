// Light curves are served in one time scale, TAI (MJD), whatever the survey:
// ZTF gives the exposure start as a UTC Julian date, Rubin gives
// midpointMjdTai. TAI runs without leap seconds, so differences between
// times are true intervals; TAI - UTC is 37 s since 2017-01-01.

/** [MJD (UTC) from which it holds, TAI - UTC in seconds] since 1972 (IERS Bulletin C). */
const LEAP_SECONDS: ReadonlyArray<readonly [number, number]> = [
  [41317, 10], [41499, 11], [41683, 12], [42048, 13], [42413, 14], [42778, 15], [43144, 16], [43509, 17],
  [43874, 18], [44239, 19], [44786, 20], [45151, 21], [45516, 22], [46247, 23], [47161, 24], [47892, 25],
  [48257, 26], [48804, 27], [49169, 28], [49534, 29], [50083, 30], [50630, 31], [51179, 32], [53736, 33],
  [54832, 34], [56109, 35], [57204, 36], [57754, 37],
];

/** TAI - UTC (s) at a UTC MJD (10 s before 1972, when the rule was different). */
export function taiMinusUtcSeconds(mjdUtc: number): number {
  let s = 10;
  for (const [from, secs] of LEAP_SECONDS) {
    if (mjdUtc >= from) s = secs;
    else break;
  }
  return s;
}

/** The scale each survey's stored times are in. */
export function surveyTimeScale(survey: string): 'utc' | 'tai' {
  return survey === 'lsst' ? 'tai' : 'utc';
}

/** A stored time (MJD in the survey's own scale) as MJD TAI. */
export function mjdTai(mjd: number, survey: string): number {
  return surveyTimeScale(survey) === 'tai' ? mjd : mjd + taiMinusUtcSeconds(mjd) / 86400;
}

/** MJD TAI as an ISO 8601 UTC date-time (millisecond precision). */
export function isoUtcOfTai(mjdTaiValue: number): string {
  // The offset is looked up at the UTC time, found from the TAI time's own offset.
  const utc = mjdTaiValue - taiMinusUtcSeconds(mjdTaiValue - taiMinusUtcSeconds(mjdTaiValue) / 86400) / 86400;
  return new Date(Math.round((utc - 40587) * 86400000)).toISOString();
}
