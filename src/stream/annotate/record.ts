// The annotated alert: one record per ingested alert on the 'annotated'
// stream, keyed by the alert id. Its JSON value is also its Avro value under
// schemas/annotated.avsc (namespace skyjoin): optional fields are null, never
// absent; 64-bit ids are strings; catalog column values are null, a double,
// a string (int64 values as decimal strings) or a boolean, a union avsc reads
// unwrapped. A replay of an alert republishes the same record with status
// 'repeat' and its new source position, so consumers drop repeats by
// alert_id (or keep the latest per key on a compacted topic).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PUBLIC_URL, Links } from '../../objects/links.js';
import type { IngestedAlert } from '../stage.js';

export type ColumnValue = string | number | boolean | null;

export interface AnnotationMatch {
  /** The catalog row's id, as text. */
  id: string;
  sep_arcsec: number;
  /** Position angle of the alert seen from the catalog source, deg east of north, [0, 360). */
  pa_deg: number;
  /** Ellipse catalogs: distance in units of the scaled ellipse (<= 1 inside); null for point catalogs. */
  ellipse_distance: number | null;
  columns: Record<string, ColumnValue>;
}

/** Catalog name -> matches, best first; [] when the catalog was checked and nothing matched. */
export type Annotations = Record<string, AnnotationMatch[]>;

export interface AnnotatedRecord {
  alert_id: string;
  survey: string;
  survey_object_id: string;
  object_id: string;
  ra: number;
  dec: number;
  mjd: number;
  night: string;
  band: string;
  mag: number | null;
  mag_err: number | null;
  flux: number | null;
  flux_err: number | null;
  is_diff_pos: boolean | null;
  status: 'new' | 'repeat';
  object: {
    n_detections: number;
    first_mjd: number;
    last_mjd: number;
    ra: number;
    dec: number;
    /** Latest magnitude per band with its MJD. */
    latest: Record<string, { mag: number; mjd: number }>;
    aliases: string[];
  };
  annotations: Annotations;
  /** Cutout files relative to the stream's cutout folder (never the bytes). */
  cutouts: { science: string | null; template: string | null; difference: string | null };
  source: { topic: string; partition: number; offset: string; timestamp_ms: number | null };
}

/** Finite numbers pass; undefined, NaN and infinities become null (JSON and Avro agree on null). */
function num(v: number | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * The annotated record of an ingested alert, its cutouts as URLs under `links`.
 * Pure: compose it with other stages' fields as needed.
 */
export function annotatedRecord(ingested: IngestedAlert, annotations: Annotations, links: Links = new Links(DEFAULT_PUBLIC_URL)): AnnotatedRecord {
  const a = ingested.alert, o = ingested.object, m = ingested.message;
  const latest: AnnotatedRecord['object']['latest'] = {};
  for (const [band, [mag, mjd]] of Object.entries(o.latest)) latest[band] = { mag, mjd };
  const c = links.cutouts(ingested.alert.alertId, ingested.cutouts) ?? {};
  return {
    alert_id: a.alertId.toString(),
    survey: a.survey,
    survey_object_id: a.surveyObjectId,
    object_id: String(o.id),
    ra: a.ra,
    dec: a.dec,
    mjd: a.mjd,
    night: a.night,
    band: a.band,
    mag: num(a.mag),
    mag_err: num(a.magErr),
    flux: num(a.flux),
    flux_err: num(a.fluxErr),
    is_diff_pos: typeof a.isDiffPos === 'boolean' ? a.isDiffPos : null,
    status: ingested.status === 'new' ? 'new' : 'repeat',
    object: {
      n_detections: o.nDetections,
      first_mjd: o.firstMjd,
      last_mjd: o.lastMjd,
      ra: o.ra,
      dec: o.dec,
      latest,
      aliases: [...o.aliases],
    },
    annotations,
    cutouts: { science: c.science ?? null, template: c.template ?? null, difference: c.difference ?? null },
    source: { topic: m.topic, partition: m.partition, offset: m.offset.toString(), timestamp_ms: num(m.timestamp) },
  };
}

/** A catalog value as a column value: int64 arrives as text already; NaN and infinities become null. */
export function columnValue(v: unknown): ColumnValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  return String(v);
}

/**
 * The Avro value of an annotated record (for avsc with the published schema).
 * annotatedRecord's output already is one; this also accepts records read back
 * from JSON lines or extended by other code, filling absent optional fields
 * with null and dropping fields the schema does not have.
 */
export function toAvroValue(r: AnnotatedRecord): AnnotatedRecord {
  const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
  const annotations: Annotations = {};
  for (const [name, list] of Object.entries(r.annotations ?? {})) {
    annotations[name] = list.map((x) => ({
      id: String(x.id), sep_arcsec: x.sep_arcsec, pa_deg: x.pa_deg, ellipse_distance: orNull(x.ellipse_distance),
      columns: Object.fromEntries(Object.entries(x.columns ?? {}).map(([k, v]) => [k, columnValue(v)])),
    }));
  }
  return {
    alert_id: r.alert_id, survey: r.survey, survey_object_id: r.survey_object_id, object_id: r.object_id,
    ra: r.ra, dec: r.dec, mjd: r.mjd, night: r.night, band: r.band,
    mag: orNull(r.mag), mag_err: orNull(r.mag_err), flux: orNull(r.flux), flux_err: orNull(r.flux_err),
    is_diff_pos: orNull(r.is_diff_pos), status: r.status,
    object: {
      n_detections: r.object.n_detections, first_mjd: r.object.first_mjd, last_mjd: r.object.last_mjd,
      ra: r.object.ra, dec: r.object.dec, latest: r.object.latest, aliases: [...r.object.aliases],
    },
    annotations,
    cutouts: { science: orNull(r.cutouts?.science), template: orNull(r.cutouts?.template), difference: orNull(r.cutouts?.difference) },
    source: { topic: r.source.topic, partition: r.source.partition, offset: String(r.source.offset), timestamp_ms: orNull(r.source.timestamp_ms) },
  };
}

/** Path of schemas/annotated.avsc in this package (from src/ or dist/src/). */
export function annotatedSchemaPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../..', '../../../..']) {
    const f = path.resolve(here, up, 'schemas', 'annotated.avsc');
    if (existsSync(f)) return f;
  }
  throw new Error(`cannot find schemas/annotated.avsc above ${here}`);
}

/** The published Avro schema of the annotated stream, as JSON. */
export function annotatedSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(annotatedSchemaPath(), 'utf8')) as Record<string, unknown>;
}
