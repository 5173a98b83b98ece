// ZTF alert records (schemas 3.0 to 4.02) to the common alert shape.

import { nightOfMjd, type Alert, type Detection, type NonDetection } from './alert.js';

const BANDS: Record<number, string> = { 1: 'g', 2: 'r', 3: 'i' };
type Rec = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const diffPos = (v: unknown): boolean | undefined => (v === 't' || v === '1' ? true : v === 'f' || v === '0' ? false : undefined);
const jdToMjd = (jd: unknown): number => (typeof jd === 'number' ? jd - 2400000.5 : NaN);

function stamp(v: unknown): Uint8Array | undefined {
  const s = (v as Rec | null)?.stampData;
  return s instanceof Uint8Array ? new Uint8Array(s) : undefined;
}

export function normalizeZtf(r: Rec): Alert {
  const c = (r.candidate ?? {}) as Rec;
  const candid = typeof r.candid === 'bigint' ? r.candid : typeof c.candid === 'bigint' ? c.candid : 0n;
  const mjd = jdToMjd(c.jd);
  const prv = Array.isArray(r.prv_candidates) ? (r.prv_candidates as Rec[]) : [];
  const prvDetections: Detection[] = [];
  const nonDetections: NonDetection[] = [];
  for (const p of prv) {
    const band = BANDS[p.fid as number] ?? String(p.fid);
    if (typeof p.candid === 'bigint') {
      prvDetections.push({
        alertId: p.candid, mjd: jdToMjd(p.jd), band, ra: num(p.ra) ?? NaN, dec: num(p.dec) ?? NaN,
        mag: num(p.magpsf), magErr: num(p.sigmapsf), isDiffPos: diffPos(p.isdiffpos),
      });
    } else {
      nonDetections.push({ mjd: jdToMjd(p.jd), band, kind: 'upper-limit', limitingMag: num(p.diffmaglim) });
    }
  }
  for (const f of Array.isArray(r.fp_hists) ? (r.fp_hists as Rec[]) : []) {
    nonDetections.push({
      mjd: jdToMjd(f.jd), band: BANDS[f.fid as number] ?? String(f.fid), kind: 'forced',
      flux: num(f.forcediffimflux), fluxErr: num(f.forcediffimfluxunc), limitingMag: num(f.diffmaglim),
    });
  }
  return {
    survey: 'ztf', alertId: candid, surveyObjectId: String(r.objectId ?? ''),
    ra: num(c.ra) ?? NaN, dec: num(c.dec) ?? NaN, mjd, night: Number.isFinite(mjd) ? nightOfMjd(mjd) : '',
    band: BANDS[c.fid as number] ?? String(c.fid ?? ''), mag: num(c.magpsf), magErr: num(c.sigmapsf),
    isDiffPos: diffPos(c.isdiffpos), programId: num(c.programid), schemaVersion: String(r.schemavsn ?? ''),
    candidate: c, prvDetections, nonDetections,
    cutouts: { science: stamp(r.cutoutScience), template: stamp(r.cutoutTemplate), difference: stamp(r.cutoutDifference), format: 'fits.gz' },
  };
}
