// Users' filters (issue 16 figures): features built once per alert, then CEL
// expressions evaluated through evaluateBatch, the stream's own path, on one
// core. Inputs: the 261 real ZTF alerts (their histories give the light-curve
// features), annotated against the three shipped catalogs, objects as the
// alert's own history gives them; cycled in batches of 1,000 (the stream's).
//   features: the filter input of one alert (alert, object, light curve, annotations);
//   one typical filter (the example), alone and with the features;
//   a filter whose every term is evaluated (no short cut);
//   100 filters (thresholds varied) with the features.
// Run: `npm run bench -- filters` (SKYJOIN_BENCH_FILTER_ALERTS: alerts per row, default 2,000,000).

import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCatalogSet } from '../src/catalog/set.js';
import { evaluateBatch, type ActiveFilter } from '../src/filters/evaluate.js';
import { FeatureBuilder, type FilterInput } from '../src/filters/features.js';
import { compileFilter } from '../src/filters/language.js';
import { Annotator } from '../src/stream/annotate/annotator.js';
import { annotationSpecs } from '../src/stream/annotate/config.js';
import type { Annotations } from '../src/stream/annotate/record.js';
import type { Alert } from '../src/stream/decoding/alert.js';
import { AlertDecoder } from '../src/stream/decoding/decoder.js';
import { fileSourceFiles } from '../src/stream/sources/file.js';
import type { ObjectRecord } from '../src/stream/store.js';
import { report, type Row } from './lib/results.js';

const DATA = path.resolve(process.env.SKYJOIN_SHARED_DATA ?? path.join(process.cwd(), '..', 'shared', 'data'));
const TMP = path.join(process.env.SKYJOIN_BENCH_TMP ?? os.tmpdir(), 'skyjoin-bench-filters');
const ALERTS = Number(process.env.SKYJOIN_BENCH_FILTER_ALERTS ?? 2_000_000);
const BATCH = 1000;

/** The example: new, rising faster than 0.5 mag/day in g, near a galaxy, not a known variable. */
export const TYPICAL = 'object.n_detections <= 5.0 && features.rise_rate_g > 0.5 && annotations.openngc.matched && annotations.openngc.sep_arcsec < 10.0 && !annotations.gcvs.matched';
/** Every term evaluated for every alert (ors of terms that are mostly false, then a final and). */
export const FULL = '(alert.drb > 1.5 || alert.rb > 1.5 || features.rise_rate_g > 50.0 || features.fade_rate_r > 50.0 || object.n_detections > 1e9 || annotations.gcvs.sep_arcsec < 0.0 || alert.band == "x") || (alert.mag > 0.0 && features.age_days >= 0.0)';

function objectOf(a: Alert, k: number): ObjectRecord {
  let first = a.mjd, last = a.mjd;
  for (const d of a.prvDetections) { if (d.mjd < first) first = d.mjd; if (d.mjd > last) last = d.mjd; }
  return { id: k, aliases: [`ztf:${a.surveyObjectId}`], nDetections: 1 + a.prvDetections.length, firstMjd: first, lastMjd: last, sx: 0, sy: 0, sz: 0, ra: a.ra, dec: a.dec, latest: {}, surveys: ['ztf'] };
}

/**
 * 100 filters: the typical one and variations of thresholds, bands and
 * catalogs (`stars`: a point catalog's name), each as selective as a user's
 * (together about 1 match per 1,000 evaluations on the real alerts).
 */
export function hundred(stars = 'bsc5'): string[] {
  const out: string[] = [];
  const bands = ['g', 'r', 'i'];
  for (let i = 0; i < 100; i++) {
    const b = bands[i % 3];
    switch (i % 4) {
      case 0: out.push(`object.n_detections <= ${(3 + (i % 7)).toFixed(1)} && features.rise_rate_${b} > ${(0.1 + i / 200).toFixed(3)} && annotations.openngc.matched && annotations.openngc.sep_arcsec < ${(5 + i).toFixed(1)} && !annotations.gcvs.matched`); break;
      case 1: out.push(`alert.drb > ${(0.95 + (i % 5) / 100).toFixed(2)} && alert.mag < ${(15 + (i % 5) * 0.2).toFixed(1)} && !(alert.ssdistnr < 5.0) && features.age_days < ${(1 + i / 10).toFixed(1)}`); break;
      case 2: out.push(`features.colour_g_r < ${(-1 + i / 200).toFixed(3)} && features.fade_rate_${b} > 0.2 && alert.sgscore < 0.2`); break;
      default: out.push(`(annotations.${stars}.matched && annotations.${stars}.sep_arcsec < ${(0.5 + (i % 5) * 0.3).toFixed(1)} && alert.mag < 14.0) || (annotations.gcvs.matched && alert.mag < 13.0) || (alert.object_id.startsWith("ZTF2${i % 5}") && alert.mag < 13.5)`); break;
    }
  }
  return out;
}

function rate(n: number, ms: number): number {
  return Math.round((n / ms) * 1000);
}

export async function runFilters(): Promise<Row[]> {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  const dec = new AlertDecoder({ skim: true });
  const alerts: Alert[] = [];
  for (const f of fileSourceFiles(path.join(DATA, 'ztf', 'alerts'))) alerts.push(...await dec.decode(readFileSync(f)));
  const cats = await loadCatalogSet(undefined, TMP);
  const annotator = new Annotator(annotationSpecs(cats));
  const ann: Annotations[] = annotator.annotate(Float64Array.from(alerts, (a) => a.ra), Float64Array.from(alerts, (a) => a.dec));
  const objects = alerts.map(objectOf);
  const builder = new FeatureBuilder();
  // A batch of the stream's size, cycling through the real alerts.
  const batchOf = (start: number): FilterInput[] => {
    const out: FilterInput[] = new Array(BATCH);
    for (let i = 0; i < BATCH; i++) {
      const k = (start + i) % alerts.length;
      out[i] = builder.build(alerts[k], objects[k], ann[k]);
    }
    return out;
  };
  const active = (exprs: string[]): ActiveFilter[] => exprs.map((e, i) => ({ id: `f${i}`, owner: 'bench', version: 1, fn: compileFilter(e) }));
  const batches = Math.max(1, Math.round(ALERTS / BATCH));
  let sink = 0;

  /** alerts/s of features (when built inside) plus the filters' evaluation. */
  const run = (filters: ActiveFilter[], withFeatures: boolean, n = batches): { ms: number; alerts: number; matches: number } => {
    const fixed = withFeatures ? null : batchOf(0);
    // Warm-up (JIT), not timed.
    for (let b = 0; b < 20; b++) evaluateBatch(filters, withFeatures ? batchOf(b * BATCH) : fixed!, undefined, { minBudgetMs: 1e9 });
    let matches = 0;
    const t0 = performance.now();
    for (let b = 0; b < n; b++) {
      const inputs = withFeatures ? batchOf(b * BATCH) : fixed!;
      for (const o of evaluateBatch(filters, inputs, undefined, { minBudgetMs: 1e9 })) matches += o.matches.length;
    }
    return { ms: performance.now() - t0, alerts: n * BATCH, matches };
  };

  const rows: Row[] = [];
  // Features alone.
  for (let b = 0; b < 50; b++) sink += batchOf(b * BATCH).length;
  let t0 = performance.now();
  for (let b = 0; b < batches; b++) sink += batchOf(b * BATCH).length;
  const fMs = performance.now() - t0;
  rows.push({ measure: 'features: filter input of one alert (light curve on typed arrays, alert, object, annotations)', value: rate(batches * BATCH, fMs), unit: 'alerts/s', n: batches * BATCH, seconds: +(fMs / 1000).toFixed(2), note: `${((fMs * 1000) / (batches * BATCH)).toFixed(3)} µs per alert` });

  const typical = active([TYPICAL]);
  let r = run(typical, false);
  rows.push({ measure: 'one typical filter (the issue\'s example), inputs built once', value: rate(r.alerts, r.ms), unit: 'evaluations/s', n: r.alerts, seconds: +(r.ms / 1000).toFixed(2), note: `matches ${r.matches}` });
  r = run(typical, true);
  rows.push({ measure: 'one typical filter with its features built per alert', value: rate(r.alerts, r.ms), unit: 'alerts/s', n: r.alerts, seconds: +(r.ms / 1000).toFixed(2), note: 'target >= 1,000,000' });
  r = run(active([FULL]), true);
  rows.push({ measure: 'one filter whose 9 terms are all evaluated, with features', value: rate(r.alerts, r.ms), unit: 'alerts/s', n: r.alerts, seconds: +(r.ms / 1000).toFixed(2), note: `matches ${r.matches}` });
  const many = active(hundred());
  const nMany = Math.max(1, Math.round(batches / 20));
  r = run(many, true, nMany);
  rows.push({ measure: '100 filters with features', value: rate(r.alerts, r.ms), unit: 'alerts/s', n: r.alerts, seconds: +(r.ms / 1000).toFixed(2), note: `${rate(r.alerts * 100, r.ms).toLocaleString('en')} evaluations/s; ${((r.ms * 1000) / r.alerts).toFixed(2)} µs per alert for all 100; matches ${r.matches} (${((r.matches / (r.alerts * 100)) * 1000).toFixed(2)} per 1,000 evaluations)` });
  if (sink < 0) console.log(sink);
  report('filters', 'Users\' filters: features once per alert, CEL through evaluateBatch, one core (real ZTF alerts cycled, batches of 1,000)', rows);
  rmSync(TMP, { recursive: true, force: true });
  return rows;
}
