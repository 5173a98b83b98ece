// The one alert shape the stream works on, whatever the survey. Decoders
// (src/stream/decode) turn ZTF and Rubin packets into it; object matching,
// candidate history, crossmatch annotation, storage and output read only this.
//
// Conventions (both surveys):
// - ids: Avro longs are BigInt end to end (ZTF candid and Rubin ids exceed 2^53).
// - positions: ICRS degrees of THIS detection, as the survey gives them
//   (not re-normalised: validateAlert rejects ra outside [0, 360)).
// - time: `mjd` is UTC. ZTF: jd - 2400000.5 (jd is UTC, START of exposure).
//   Rubin: midpointMjdTai - (TAI-UTC)/86400 (37 s since 2017; MIDDLE of the
//   exposure). The survey's own value stays in `candidate` (jd / midpointMjdTai).
// - night: the UTC calendar date 'YYYYMMDD' of `mjd` (ZTF: UTC date of jd; Rubin:
//   UTC date of midpointMjdTai converted to UTC). At Palomar a night never spans
//   UTC midnight; in Chile UTC midnight falls in the early evening, so one Rubin
//   observing night covers two `night` values (Rubin's own dayObs is UTC-12h).
// - photometry: `flux`/`fluxErr` in nJy, `mag`/`magErr` AB. ZTF: mag = magpsf,
//   magErr = sigmapsf, flux derived from magpsf (negative when isdiffpos is
//   false). Rubin: flux = psfFlux, mag = 31.4 - 2.5 log10(psfFlux) only when
//   psfFlux > 0, else null.
// - null means "not given by the survey"; records keep the survey's raw nulls.
// - records (`candidate`, `record`, `extra` values) are plain objects straight
//   from the Avro decoder: the survey's own field names and units.

export type Survey = 'ztf' | 'lsst';

/** Filter band: ZTF fid 1/2/3 = g/r/i; Rubin band letters. */
export type Band = 'u' | 'g' | 'r' | 'i' | 'z' | 'y';

export const BANDS: readonly Band[] = ['u', 'g', 'r', 'i', 'z', 'y'];

/** A plain decoded Avro record (survey field names, Avro longs as bigint). */
export type SurveyRecord = Record<string, unknown>;

/** An earlier detection of the same object, with its own id. */
export interface Detection {
  /** ZTF prv_candidates[].candid; Rubin prvDiaSources[].diaSourceId. */
  alertId: bigint;
  mjd: number;
  band: Band | null;
  ra: number | null;
  dec: number | null;
  mag: number | null;
  magErr: number | null;
  flux: number | null;
  fluxErr: number | null;
  isDiffPos: boolean | null;
  /** ZTF pid; Rubin visit. */
  exposureId: bigint | null;
  record: SurveyRecord;
}

/**
 * An earlier epoch with no detection (ZTF prv_candidates without candid):
 * an upper limit, keyed downstream by (surveyObjectId, mjd, band).
 */
export interface NonDetection {
  mjd: number;
  band: Band | null;
  /** ZTF diffmaglim: 5-sigma limiting magnitude of the difference image. */
  limitingMag: number | null;
  programId: number | null;
  exposureId: bigint | null;
  record: SurveyRecord;
}

/** Forced photometry at the object's position (ZTF fp_hists, Rubin prvDiaForcedSources). */
export interface ForcedPoint {
  /** Rubin diaForcedSourceId; ZTF has none (null). */
  id: bigint | null;
  mjd: number;
  band: Band | null;
  /** Difference-image flux in nJy (ZTF: forcediffimflux scaled by magzpsci; null when ZTF flags it -99999). */
  flux: number | null;
  fluxErr: number | null;
  exposureId: bigint | null;
  record: SurveyRecord;
}

export interface Cutouts {
  science: Uint8Array | null;
  template: Uint8Array | null;
  difference: Uint8Array | null;
  /** ZTF: gzip-compressed FITS; Rubin: FITS. Null when no cutout is present. */
  format: 'fits.gz' | 'fits' | null;
}

export interface Alert {
  survey: Survey;
  /** ZTF candid; Rubin diaSourceId. Unique per detection; the upsert key downstream. */
  alertId: bigint;
  /**
   * ZTF objectId (e.g. 'ZTF21abiuvdk'). Rubin: diaObjectId in decimal (from
   * diaSource, else the packet's diaObject); for a solar-system source with no
   * diaObjectId (null or 0), 'ss:' + ssObjectId in decimal (from diaSource,
   * else ssSource; prefixed so the two id spaces never collide); '' if
   * neither (validateAlert then says 'missing_object_id').
   */
  surveyObjectId: string;
  /** Rubin ssObjectId when non-zero (also set when there is a diaObjectId); ZTF null. */
  ssObjectId: bigint | null;
  ra: number;
  dec: number;
  /** UTC MJD of this detection (see the header for start vs middle of exposure). */
  mjd: number;
  /** UTC date of `mjd`, 'YYYYMMDD'. */
  night: string;
  band: Band | null;
  mag: number | null;
  magErr: number | null;
  flux: number | null;
  fluxErr: number | null;
  /**
   * Positive difference. ZTF: isdiffpos 't' or '1'. Rubin: !isNegative when
   * the flag is present, else psfFlux > 0 (dipoles can be positive detections
   * with a negative psfFlux).
   */
  isDiffPos: boolean;
  /** ZTF programid (1 public, 2 partnership, 3 Caltech); Rubin null. */
  programId: number | null;
  /** ZTF pid (one CCD-quadrant exposure); Rubin visit. */
  exposureId: bigint | null;
  /** ZTF rcid (0-63); Rubin detector. */
  detector: number | null;
  /** ZTF field; Rubin null. */
  field: number | null;
  /** ZTF schemavsn ('3.3', '4.02'); Rubin 'X.Y' from lsst.vX_Y. */
  schemaVersion: string;
  /** The full detection record: ZTF candidate, Rubin diaSource. */
  candidate: SurveyRecord;
  /** Earlier detections, oldest first as the survey sends them. */
  prvDetections: Detection[];
  /** Earlier upper limits (ZTF only; Rubin sends forced photometry instead). */
  nonDetections: NonDetection[];
  /** ZTF fp_hists (schema 4.0 on); Rubin prvDiaForcedSources. */
  forcedPhotometry: ForcedPoint[];
  cutouts: Cutouts;
  /**
   * Other top-level packet fields, raw: ZTF publisher; Rubin diaObject,
   * ssSource, MPCORB / mpc_orbits / ssObject, observation_reason, target_name,
   * and any broker-added fields (Fink: brokerIngestMjd, lsst_schema_version...).
   */
  extra: SurveyRecord;
}
