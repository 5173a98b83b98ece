// Annotation cost per alert against the three shipped catalogs (bsc5 best
// r=3", openngc ellipses best, gcvs best r=5"), per catalog and in total, for
// batches of the stream's size. Workloads: the real ZTF alert positions, each
// multiplied onto a 7x7 grid 30" apart (sky distribution and galaxy hit rate
// of real alerts), and uniform random sky positions.
// Run: `npx tsx bench/annotate.bench.ts`; results in bench/results/annotate.json.

import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadCatalogSet, type ServedCatalog } from '../src/catalog/set.js';
import type { Alert } from '../src/stream/decoding/alert.js';
import type { IngestedAlert } from '../src/stream/stage.js';
import { toJson, type OutputSink } from '../src/stream/sinks/sink.js';
import { Annotator } from '../src/stream/annotate/annotator.js';
import { AnnotateStage } from '../src/stream/stages/annotate.js';
import { annotationSpecs } from '../src/stream/annotate/config.js';
import { AlertDecoder } from '../src/stream/decoding/decoder.js';
import { fileSourceFiles } from '../src/stream/sources/file.js';
import { report, type Row } from './lib/results.js';

const DATA = path.resolve(process.env.SKYJOIN_SHARED_DATA ?? path.join(process.cwd(), '..', 'shared', 'data'));
const TMP = path.join(process.env.SKYJOIN_BENCH_TMP ?? os.tmpdir(), 'skyjoin-bench-annotate');
const RUNS = 5;

async function realAlerts(): Promise<Alert[]> {
  const dec = new AlertDecoder();
  const out: Alert[] = [];
  for (const f of fileSourceFiles(path.join(DATA, 'ztf', 'alerts'))) out.push(...await dec.decode(readFileSync(f)));
  return out;
}

function realPositions(alerts: Alert[]): { ra: Float64Array; dec: Float64Array } {
  const ra: number[] = [], de: number[] = [];
  {
    for (const a of alerts) {
      for (let i = -3; i <= 3; i++) {
        for (let j = -3; j <= 3; j++) {
          const d = Math.max(-90, Math.min(90, a.dec + (j * 30) / 3600));
          ra.push((a.ra + (i * 30) / 3600 / Math.max(0.01, Math.cos((d * Math.PI) / 180)) + 360) % 360);
          de.push(d);
        }
      }
    }
  }
  return { ra: Float64Array.from(ra), dec: Float64Array.from(de) };
}

function randomSky(n: number, seed: number): { ra: Float64Array; dec: Float64Array } {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const ra = new Float64Array(n), dec = new Float64Array(n);
  for (let i = 0; i < n; i++) { ra[i] = rnd() * 360; dec[i] = (Math.asin(2 * rnd() - 1) * 180) / Math.PI; }
  return { ra, dec };
}

/** The whole annotate stage on real alerts (match, annotated records, JSON as the file sink writes it), batches of 200. */
function recordRow(alerts: Alert[], cats: Map<string, ServedCatalog>): Row {
  const ingested = alerts.map((alert, i) => ({
    alert, raw: new Uint8Array(0), schemaText: '', status: 'new', detectionsAdded: 1, nonDetectionsAdded: 0, cutouts: { science: `ztf/x/${i}.science.fits.gz` },
    object: { id: i, aliases: [`ztf:${alert.surveyObjectId}`], nDetections: 1, firstMjd: alert.mjd, lastMjd: alert.mjd, sx: 0, sy: 0, sz: 0, ra: alert.ra, dec: alert.dec, latest: { [alert.band]: [alert.mag ?? 0, alert.mjd] }, surveys: ['ztf'] },
    message: { topic: 'ztf_20231012_programid1', partition: 0, offset: BigInt(i), value: new Uint8Array(0), origin: '' },
  })) as IngestedAlert[];
  let bytes = 0;
  const sink: OutputSink = { write: (_s, recs) => { for (const r of recs) bytes += toJson(r.value).length; }, flush: async () => {}, close: async () => {} };
  let best = Infinity;
  const reps = 40;
  for (let r = 0; r <= RUNS; r++) {
    const a = new AnnotateStage(annotationSpecs(cats));
    const t0 = performance.now();
    for (let k = 0; k < reps; k++) for (let i = 0; i < ingested.length; i += 200) sink.write(a.stream, a.annotateAlerts(ingested.slice(i, i + 200)));
    const us = ((performance.now() - t0) * 1000) / (reps * ingested.length);
    if (r > 0) best = Math.min(best, us);
  }
  return {
    workload: 'annotate stage: real ZTF alerts, records + JSON', alerts: reps * ingested.length, batch: 200,
    'us/alert total': +best.toFixed(2), 'us bsc5': '', 'us openngc': '', 'us gcvs': '', 'alerts/s': Math.round(1e6 / best),
    'hit rate bsc5/openngc/gcvs': `${Math.round(bytes / ((RUNS + 1) * reps * ingested.length))} B of JSON per alert`,
  };
}

export async function runAnnotate(): Promise<Row[]> {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  const cats = await loadCatalogSet(undefined, TMP);
  const alerts = await realAlerts();
  const workloads = { 'real ZTF positions x49': realPositions(alerts), 'random sky': randomSky(20_000, 7) };
  const rows: Row[] = [];
  for (const [name, w] of Object.entries(workloads)) {
    for (const batch of [200, 1000]) {
      let best: { us: number; per: Record<string, number>; hitRate: Record<string, number> } | null = null;
      for (let r = 0; r <= RUNS; r++) {
        const a = new Annotator(annotationSpecs(cats));
        const t0 = performance.now();
        for (let i = 0; i < w.ra.length; i += batch) a.annotate(w.ra.subarray(i, i + batch), w.dec.subarray(i, i + batch));
        const us = ((performance.now() - t0) * 1000) / w.ra.length;
        const h = a.health();
        const per = Object.fromEntries(Object.entries(h).map(([c, x]) => [c, (x.ms * 1000) / x.alertsChecked]));
        const hitRate = Object.fromEntries(Object.entries(h).map(([c, x]) => [c, x.hits / x.alertsChecked]));
        if (r > 0 && (!best || us < best.us)) best = { us, per, hitRate }; // run 0 warms up
      }
      rows.push({
        workload: name, alerts: w.ra.length, batch,
        'us/alert total': +best!.us.toFixed(2),
        'us bsc5': +best!.per.bsc5.toFixed(2), 'us openngc': +best!.per.openngc.toFixed(2), 'us gcvs': +best!.per.gcvs.toFixed(2),
        'alerts/s': Math.round(1e6 / best!.us),
        'hit rate bsc5/openngc/gcvs': ['bsc5', 'openngc', 'gcvs'].map((c) => `${(best!.hitRate[c] * 100).toFixed(1)}%`).join(' / '),
      });
    }
  }
  rows.push(recordRow(alerts, cats));
  report('annotate', `Annotation against bsc5 + openngc (ellipses) + gcvs, one core, best of ${RUNS}`, rows);
  rmSync(TMP, { recursive: true, force: true });
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runAnnotate();
