// POST /v1/filters/test: an expression over the alerts the stream stored (its
// raw-alert archive, DATA/stream[-INSTANCE]/archive/SURVEY/NIGHT/*.avro, read
// through the objects read model) for the last
// night, a given night or a time range, with the same features, annotations
// (the service's catalogs) and watch-list hits (the caller's lists) the stream
// gives a filter. Nothing is saved.

import { evaluateBatch } from '../filters/evaluate.js';
import { FeatureBuilder, type FilterInput, type WatchHitRef } from '../filters/features.js';
import type { CompiledExpression } from '../filters/language.js';
import { Annotator } from '../stream/annotate/annotator.js';
import { annotationSpecs } from '../stream/annotate/config.js';
import type { Alert } from '../stream/decoding/alert.js';
import { AlertDecoder } from '../stream/decoding/decoder.js';
import type { ObjectRecord } from '../stream/store.js';
import type { ReadModel } from '../objects/read-model.js';
import type { ServiceContext } from './context.js';

/** Alerts a trial reads at most (a night of ZTF public alerts is ~10^5 to 10^6). */
export const MAX_TRIAL_ALERTS = 200_000;

export interface TrialRange {
  /** Nights (YYYYMMDD, inclusive) whose archive folders are read. */
  nights: string[];
  /** Observation times kept, MJD [from, to]. */
  fromMjd: number;
  toMjd: number;
}

export interface TrialMatch {
  alert_id: string;
  object_id: string;
  survey_object_id: string;
  survey: string;
  ra: number;
  dec: number;
  mjd: number;
  band: string;
  mag: number | null;
}

export interface TrialResult {
  range: { nights: string[]; from_mjd: number | null; to_mjd: number | null };
  alerts: number;
  truncated: boolean;
  matched: number;
  matches: TrialMatch[];
  errors: number;
  first_error: string | null;
  over_budget: boolean;
  timing_ms: { read: number; features: number; evaluate: number; total: number };
  evaluations_per_second: number | null;
}

/** Nights archived under DATA/stream[-INSTANCE]/archive/SURVEY/, sorted. */
export function archivedNights(objects: ReadModel): string[] {
  return objects.archivedNights();
}

/** The archived alerts of the range, in file order (at most max). */
async function readAlerts(objects: ReadModel, r: TrialRange, max: number): Promise<{ alerts: Alert[]; truncated: boolean }> {
  const alerts: Alert[] = [];
  const decoder = new AlertDecoder();
  for (const { bytes } of objects.archivedFiles(r.nights)) {
    for (const a of await decoder.decode(bytes)) {
      if (!(a.mjd >= r.fromMjd && a.mjd <= r.toMjd)) continue;
      if (alerts.length >= max) return { alerts, truncated: true };
      alerts.push(a);
    }
  }
  return { alerts, truncated: false };
}

/** The object as the stream stored it; from the alert alone when it is not there. */
function objectOf(objects: ReadModel, a: Alert): ObjectRecord {
  const det = objects.detection(a.alertId.toString());
  const o = det ? objects.object(det.objectId)?.record : undefined;
  if (o) return o;
  let first = a.mjd, last = a.mjd;
  for (const d of a.prvDetections) { if (d.mjd < first) first = d.mjd; if (d.mjd > last) last = d.mjd; }
  return { id: -1, aliases: [`${a.survey}:${a.surveyObjectId}`], nDetections: 1 + a.prvDetections.length, firstMjd: first, lastMjd: last, sx: 0, sy: 0, sz: 0, ra: a.ra, dec: a.dec, latest: {}, surveys: [a.survey] };
}

const annotators = new WeakMap<ServiceContext['catalogs'], Annotator>();

export async function runTrial(ctx: ServiceContext, owner: string | null, fn: CompiledExpression, range: TrialRange, limit: number): Promise<TrialResult> {
  const t0 = performance.now();
  const { alerts, truncated } = await readAlerts(ctx.objects, range, MAX_TRIAL_ALERTS);
  const t1 = performance.now();
  const n = alerts.length;
  const ra = Float64Array.from(alerts, (a) => a.ra), dec = Float64Array.from(alerts, (a) => a.dec);
  let annotator = annotators.get(ctx.catalogs);
  if (!annotator) annotators.set(ctx.catalogs, (annotator = new Annotator(annotationSpecs(ctx.catalogs))));
  const ann = n ? annotator.annotate(ra, dec) : [];
  const hits: Array<WatchHitRef[] | undefined> = new Array(n);
  if (owner && n) {
    for (const wl of ctx.watchlists.list(owner)) {
      const add = (i: number, target: string) => (hits[i] ??= []).push({ owner, list: wl.id, listName: wl.name, target });
      if (wl.targets > 0) for (const h of ctx.watchlists.check(wl.id, ra, dec)) add(h.position, h.target);
      for (const r of ctx.watchlists.checkRegions(wl, ra, dec)) add(r.position, r.region);
    }
  }
  const features = new FeatureBuilder();
  const inputs: FilterInput[] = alerts.map((a, i) => features.build(a, objectOf(ctx.objects, a), ann[i]));
  const t2 = performance.now();
  const [o] = evaluateBatch([{ id: 'trial', owner: owner ?? '', version: 0, fn }], inputs, hits, { minBudgetMs: 2000 });
  const t3 = performance.now();
  return {
    range: { nights: range.nights, from_mjd: Number.isFinite(range.fromMjd) ? range.fromMjd : null, to_mjd: Number.isFinite(range.toMjd) ? range.toMjd : null },
    alerts: n, truncated, matched: o.matches.length,
    matches: o.matches.slice(0, limit).map((i) => {
      const a = alerts[i], inp = inputs[i];
      return { alert_id: inp.alert.id, object_id: inp.object.id, survey_object_id: a.surveyObjectId, survey: a.survey, ra: a.ra, dec: a.dec, mjd: a.mjd, band: a.band, mag: Number.isFinite(inp.alert.mag) ? inp.alert.mag : null };
    }),
    errors: o.errors, first_error: o.firstError ? `${o.firstError.message} (alert ${inputs[o.firstError.alert].alert.id})` : null,
    over_budget: o.overBudget,
    timing_ms: { read: r3(t1 - t0), features: r3(t2 - t1), evaluate: r3(t3 - t2), total: r3(t3 - t0) },
    evaluations_per_second: o.ms > 0 ? Math.round((o.evaluated / o.ms) * 1000) : null,
  };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
