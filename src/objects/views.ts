// What the objects API answers, built from the stored records: snake_case,
// units in names, ids as decimal strings, times as MJD TAI (one scale for
// every survey; see time-scale.ts), absolute URLs instead of file paths.

import type { Links } from './links.js';
import { CUTOUT_KINDS } from './links.js';
import type { DetectionRecord, NonDetectionRecord, StoredLightCurve, StoredObject } from './read-model.js';
import { isoUtcOfTai, mjdTai } from './time-scale.js';

/** Flux unit of a survey's fluxes: Rubin nJy; ZTF forced photometry in DN of the difference image. */
export function fluxUnit(survey: string): string {
  return survey === 'lsst' ? 'nJy' : 'DN';
}

const orNull = <T>(v: T | undefined): T | null => (v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? null : v);

export interface DetectionRow {
  alert_id: string;
  mjd_tai: number;
  band: string;
  survey: string;
  mag: number | null;
  mag_err: number | null;
  flux: number | null;
  flux_err: number | null;
  flux_unit: string;
  is_diff_pos: boolean | null;
  ra: number;
  dec: number;
  /** 'alert': came as its own alert (archived, with cutouts); 'history': only in a later alert's history. */
  from: 'alert' | 'history';
  alert_url: string | null;
}

export interface ForcedRow {
  mjd_tai: number;
  band: string;
  survey: string;
  flux: number | null;
  flux_err: number | null;
  flux_unit: string;
}

export interface UpperLimitRow {
  mjd_tai: number;
  band: string;
  survey: string;
  limiting_mag: number | null;
}

export interface BandCurve {
  detections: DetectionRow[];
  forced_photometry: ForcedRow[];
  upper_limits: UpperLimitRow[];
}

export function detectionRow(d: DetectionRecord, links: Links): DetectionRow {
  return {
    alert_id: d.alertId, mjd_tai: mjdTai(d.mjd, d.survey), band: d.band, survey: d.survey,
    mag: orNull(d.mag), mag_err: orNull(d.magErr), flux: orNull(d.flux), flux_err: orNull(d.fluxErr), flux_unit: fluxUnit(d.survey),
    is_diff_pos: orNull(d.isDiffPos), ra: d.ra, dec: d.dec, from: d.from,
    alert_url: d.from === 'alert' ? links.alert(d.alertId) : null,
  };
}

/** The light curve per band, each kind apart, in time order. */
export function bandCurves(lc: StoredLightCurve, links: Links): Record<string, BandCurve> {
  const bands: Record<string, BandCurve> = {};
  const band = (b: string) => (bands[b] ??= { detections: [], forced_photometry: [], upper_limits: [] });
  for (const d of lc.detections) band(d.band).detections.push(detectionRow(d, links));
  for (const n of lc.nonDetections) {
    if (n.kind === 'forced') {
      band(n.band).forced_photometry.push({ mjd_tai: mjdTai(n.mjd, n.survey), band: n.band, survey: n.survey, flux: orNull(n.flux), flux_err: orNull(n.fluxErr), flux_unit: fluxUnit(n.survey) });
    } else {
      band(n.band).upper_limits.push({ mjd_tai: mjdTai(n.mjd, n.survey), band: n.band, survey: n.survey, limiting_mag: orNull(n.limitingMag) });
    }
  }
  const sorted: Record<string, BandCurve> = {};
  for (const b of Object.keys(bands).sort()) sorted[b] = bands[b];
  return sorted;
}

export function lightCurveView(objectId: number, lc: StoredLightCurve, links: Links): Record<string, unknown> {
  return {
    object_id: String(objectId),
    time_scale: 'tai',
    time_unit: 'mjd',
    bands: bandCurves(lc, links),
    links: { object: links.object(objectId), csv: `${links.lightCurve(objectId)}?format=csv`, arrow: `${links.lightCurve(objectId)}?format=arrow` },
  };
}

/** One flat table of the light curve (CSV, Arrow): a `kind` column names each row's kind. */
export const LIGHTCURVE_COLUMNS = ['kind', 'mjd_tai', 'band', 'survey', 'mag', 'mag_err', 'limiting_mag', 'flux', 'flux_err', 'flux_unit', 'alert_id'] as const;
export type FlatRow = Record<(typeof LIGHTCURVE_COLUMNS)[number], string | number | null>;

export function flatLightCurve(lc: StoredLightCurve): FlatRow[] {
  const rows: FlatRow[] = [];
  for (const d of lc.detections) {
    rows.push({ kind: 'detection', mjd_tai: mjdTai(d.mjd, d.survey), band: d.band, survey: d.survey, mag: orNull(d.mag), mag_err: orNull(d.magErr), limiting_mag: null, flux: orNull(d.flux), flux_err: orNull(d.fluxErr), flux_unit: fluxUnit(d.survey), alert_id: d.alertId });
  }
  for (const n of lc.nonDetections) {
    const forced = n.kind === 'forced';
    rows.push({
      kind: forced ? 'forced_photometry' : 'upper_limit', mjd_tai: mjdTai(n.mjd, n.survey), band: n.band, survey: n.survey, mag: null, mag_err: null,
      limiting_mag: forced ? null : orNull(n.limitingMag), flux: forced ? orNull(n.flux) : null, flux_err: forced ? orNull(n.fluxErr) : null,
      flux_unit: forced ? fluxUnit(n.survey) : null, alert_id: null,
    });
  }
  return rows.sort((a, b) => (a.mjd_tai as number) - (b.mjd_tai as number));
}

interface BandStats {
  n_detections: number;
  n_forced_photometry: number;
  n_upper_limits: number;
  mag_min: number | null;
  mag_max: number | null;
  mag_mean: number | null;
}

/** The object page's JSON: position, aliases, statistics, latest magnitude per band, links. */
export function objectView(o: StoredObject, lc: StoredLightCurve, links: Links): Record<string, unknown> {
  const r = o.record;
  const perBand: Record<string, BandStats & { sum: number; n: number }> = {};
  const stats = (b: string) => (perBand[b] ??= { n_detections: 0, n_forced_photometry: 0, n_upper_limits: 0, mag_min: null, mag_max: null, mag_mean: null, sum: 0, n: 0 });
  const latestMag: Record<string, { mag: number; mag_err: number | null; mjd_tai: number; alert_id: string }> = {};
  let first = Infinity, last = -Infinity;
  let latest: DetectionRecord | undefined, latestAlert: DetectionRecord | undefined;
  for (const d of lc.detections) {
    const s = stats(d.band);
    s.n_detections++;
    const t = mjdTai(d.mjd, d.survey);
    first = Math.min(first, t);
    last = Math.max(last, t);
    if (!latest || t >= mjdTai(latest.mjd, latest.survey)) latest = d;
    if (d.from === 'alert' && (!latestAlert || t >= mjdTai(latestAlert.mjd, latestAlert.survey))) latestAlert = d;
    if (d.mag !== undefined && Number.isFinite(d.mag)) {
      s.mag_min = s.mag_min === null ? d.mag : Math.min(s.mag_min, d.mag);
      s.mag_max = s.mag_max === null ? d.mag : Math.max(s.mag_max, d.mag);
      s.sum += d.mag;
      s.n++;
      const l = latestMag[d.band];
      if (!l || t >= l.mjd_tai) latestMag[d.band] = { mag: d.mag, mag_err: orNull(d.magErr), mjd_tai: t, alert_id: d.alertId };
    }
  }
  for (const n of lc.nonDetections) {
    if (n.kind === 'forced') stats(n.band).n_forced_photometry++;
    else stats(n.band).n_upper_limits++;
  }
  const bands: Record<string, BandStats> = {};
  for (const b of Object.keys(perBand).sort()) {
    const { sum, n, ...rest } = perBand[b];
    bands[b] = { ...rest, mag_mean: n ? sum / n : null };
  }
  return {
    object_id: String(o.id),
    ra: o.ra,
    dec: o.dec,
    position: {
      mean: { ra: o.ra, dec: o.dec },
      latest: latest ? { ra: latest.ra, dec: latest.dec, mjd_tai: mjdTai(latest.mjd, latest.survey), alert_id: latest.alertId } : null,
    },
    aliases: [...r.aliases].sort(),
    surveys: [...r.surveys].sort(),
    statistics: {
      n_detections: lc.detections.length,
      n_forced_photometry: lc.nonDetections.filter((n) => n.kind === 'forced').length,
      n_upper_limits: lc.nonDetections.filter((n) => n.kind !== 'forced').length,
      first_mjd_tai: Number.isFinite(first) ? first : null,
      last_mjd_tai: Number.isFinite(last) ? last : null,
      first_utc: Number.isFinite(first) ? isoUtcOfTai(first) : null,
      last_utc: Number.isFinite(last) ? isoUtcOfTai(last) : null,
      bands,
    },
    latest_mag: latestMag,
    latest_alert_id: latestAlert?.alertId ?? null,
    links: {
      self: links.object(o.id),
      lightcurve: links.lightCurve(o.id),
      portal: links.portalObject(o.id),
      latest_alert: latestAlert ? links.alert(latestAlert.alertId) : null,
      cutouts: latestAlert?.cutouts ? cutoutLinks(latestAlert.alertId, latestAlert.cutouts, links) : null,
    },
  };
}

/** FITS and PNG URLs of the cutouts an alert has. */
export function cutoutLinks(alertId: string, stored: Record<string, string>, links: Links): Record<string, { fits: string; png: string }> {
  const out: Record<string, { fits: string; png: string }> = {};
  for (const k of CUTOUT_KINDS) if (stored[k]) out[k] = { fits: links.cutout(alertId, k, 'fits'), png: links.cutout(alertId, k, 'png') };
  return out;
}

/** A short summary of an alert (lists: latest alerts, search results). */
export function alertSummary(d: DetectionRecord, links: Links): Record<string, unknown> {
  const t = mjdTai(d.mjd, d.survey);
  return {
    alert_id: d.alertId, object_id: String(d.objectId), survey: d.survey, mjd_tai: t, time_utc: isoUtcOfTai(t), night: d.night, band: d.band,
    mag: orNull(d.mag), mag_err: orNull(d.magErr), flux: orNull(d.flux), flux_err: orNull(d.fluxErr), ra: d.ra, dec: d.dec,
    links: { self: links.alert(d.alertId), object: links.object(d.objectId), avro: links.alertAvro(d.alertId), cutouts: d.cutouts ? cutoutLinks(d.alertId, d.cutouts, links) : null },
  };
}

/**
 * A decoded Avro record as JSON: longs (BigInt) as decimal strings, image
 * bytes replaced by their cutout URLs (other bytes as base64).
 */
export function packetJson(value: unknown, alertId: string, links: Links, key = ''): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) {
    const kind = CUTOUT_KINDS.find((k) => key.toLowerCase().includes(k));
    return kind ? links.cutout(alertId, kind, 'fits') : Buffer.from(value).toString('base64');
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (Array.isArray(value)) return value.map((v) => packetJson(v, alertId, links, key));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // ZTF cutouts: { fileName, stampData }: the kind is in the parent's name.
      out[k] = packetJson(v, alertId, links, k === 'stampData' ? key : k);
    }
    return out;
  }
  return value;
}
