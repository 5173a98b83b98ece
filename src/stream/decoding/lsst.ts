// Rubin/LSST alert records (schemas 9.0 to 11.1, and Fink's re-publication)
// to the common alert shape.

import { njyToAbMag, nightOfMjd, type Alert, type Detection, type NonDetection } from './alert.js';

type Rec = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const big = (v: unknown): bigint | undefined => (typeof v === 'bigint' ? v : undefined);

function detection(s: Rec): Detection {
  const flux = num(s.psfFlux);
  return {
    alertId: big(s.diaSourceId) ?? 0n, mjd: num(s.midpointMjdTai) ?? NaN, band: String(s.band ?? ''),
    ra: num(s.ra) ?? NaN, dec: num(s.dec) ?? NaN, flux, fluxErr: num(s.psfFluxErr),
    mag: njyToAbMag(flux), isDiffPos: typeof s.isNegative === 'boolean' ? !s.isNegative : flux !== undefined ? flux > 0 : undefined,
  };
}

const bytes = (v: unknown): Uint8Array | undefined => (v instanceof Uint8Array ? new Uint8Array(v) : undefined);

export function normalizeLsst(r: Rec, schemaVersion: string): Alert {
  const s = (r.diaSource ?? {}) as Rec;
  const d = detection(s);
  const diaObjectId = big(s.diaObjectId) ?? big((r.diaObject as Rec | null)?.diaObjectId);
  const ssObjectId = big(s.ssObjectId);
  const objectId = diaObjectId && diaObjectId > 0n ? diaObjectId.toString() : ssObjectId && ssObjectId > 0n ? `ss${ssObjectId}` : '';
  const nonDetections: NonDetection[] = [];
  for (const f of Array.isArray(r.prvDiaForcedSources) ? (r.prvDiaForcedSources as Rec[]) : []) {
    nonDetections.push({
      mjd: num(f.midpointMjdTai) ?? NaN, band: String(f.band ?? ''), kind: 'forced',
      flux: num(f.psfFlux), fluxErr: num(f.psfFluxErr), sourceId: big(f.diaForcedSourceId),
    });
  }
  return {
    survey: 'lsst', alertId: big(r.diaSourceId) ?? d.alertId, surveyObjectId: objectId,
    ra: d.ra, dec: d.dec, mjd: d.mjd, night: Number.isFinite(d.mjd) ? nightOfMjd(d.mjd) : '', band: d.band,
    flux: d.flux, fluxErr: d.fluxErr, mag: d.mag, magErr: d.flux && d.fluxErr ? (2.5 / Math.LN10) * (d.fluxErr / Math.abs(d.flux)) : undefined,
    isDiffPos: d.isDiffPos, visit: big(s.visit), schemaVersion,
    candidate: s,
    prvDetections: Array.isArray(r.prvDiaSources) ? (r.prvDiaSources as Rec[]).map(detection) : [],
    nonDetections,
    cutouts: { science: bytes(r.cutoutScience), template: bytes(r.cutoutTemplate), difference: bytes(r.cutoutDifference), format: 'fits' },
  };
}
