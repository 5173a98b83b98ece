// One alert shape for every survey: what the pipeline (object matching,
// candidate history, crossmatch, storage, outputs) reads.
//
// Times are MJD. ZTF: jd - 2400000.5 of the exposure start (UTC). Rubin:
// midpointMjdTai (TAI, ~37 s ahead of UTC). `night` is the UTC calendar date
// (YYYYMMDD) of the observation, ZTF's topic naming; for Rubin in Chile the
// night starts and ends on the same UTC date for most of the year.

export type Survey = 'ztf' | 'lsst';

export interface Detection {
  /** ZTF candid, Rubin diaSourceId: exact. */
  alertId: bigint;
  mjd: number;
  band: string;
  ra: number;
  dec: number;
  /** ZTF PSF magnitude and error (AB). */
  mag?: number;
  magErr?: number;
  /** Rubin PSF flux and error (nJy, difference image). */
  flux?: number;
  fluxErr?: number;
  isDiffPos?: boolean;
}

export interface NonDetection {
  mjd: number;
  band: string;
  /** 'upper-limit' (ZTF prv_candidates without candid) or 'forced' (forced photometry: ZTF fp_hists, Rubin prvDiaForcedSources). */
  kind: 'upper-limit' | 'forced';
  /** 5-sigma limiting magnitude of the difference image (ZTF diffmaglim). */
  limitingMag?: number;
  /** Forced-photometry flux and error (ZTF: DN of forcediffimflux; Rubin: nJy). */
  flux?: number;
  fluxErr?: number;
  /** The survey's own id of a forced measurement, when it has one. */
  sourceId?: bigint;
}

export interface Cutouts {
  science?: Uint8Array;
  template?: Uint8Array;
  difference?: Uint8Array;
  /** 'fits.gz' (ZTF) or 'fits' (Rubin). */
  format: string;
}

export interface Alert {
  survey: Survey;
  alertId: bigint;
  /** ZTF objectId (e.g. ZTF21abiuvdk); Rubin diaObjectId in decimal, or `ss` + ssObjectId for a solar-system source. */
  surveyObjectId: string;
  ra: number;
  dec: number;
  mjd: number;
  night: string;
  band: string;
  mag?: number;
  magErr?: number;
  flux?: number;
  fluxErr?: number;
  isDiffPos?: boolean;
  /** ZTF programid; Rubin visit. */
  programId?: number;
  visit?: bigint;
  schemaVersion: string;
  /** The survey's candidate / diaSource record as decoded (longs as bigint). */
  candidate: Record<string, unknown>;
  prvDetections: Detection[];
  nonDetections: NonDetection[];
  cutouts: Cutouts;
}

/** Flux in nJy as an AB magnitude (31.4 = -2.5 log10(1 nJy / 3631 Jy)); undefined when not positive. */
export function njyToAbMag(flux: number | undefined): number | undefined {
  return flux !== undefined && flux > 0 ? 31.4 - 2.5 * Math.log10(flux) : undefined;
}

export function nightOfMjd(mjd: number): string {
  const d = new Date(Math.round((mjd - 40587) * 86400000));
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** Why an alert cannot enter the pipeline, or null. */
export function validateAlert(a: Alert): string | null {
  if (typeof a.alertId !== 'bigint' || a.alertId <= 0n) return `alert id must be a positive integer, got ${String(a.alertId)}`;
  if (!Number.isFinite(a.ra)) return `ra must be a finite number of degrees, got ${String(a.ra)}`;
  if (!(a.dec >= -90 && a.dec <= 90)) return `dec must be in [-90, 90], got ${String(a.dec)}`;
  if (!Number.isFinite(a.mjd) || a.mjd < 40000 || a.mjd > 100000) return `observation time (MJD) must be a plausible date, got ${String(a.mjd)}`;
  if (!a.surveyObjectId) return 'missing survey object id';
  if (!a.band) return 'missing band';
  return null;
}
