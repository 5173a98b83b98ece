// Users' filters on the alert stream, on the real ZTF alerts: filters created
// over HTTP (buildApp + inject), the pipeline with annotation, watch lists and
// filters over the service's store (the same LMDB a `serve` writes).

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureBuilder, withWatch, type FilterInput, type WatchHitRef } from '../../src/filters/features.js';
import { FilterStore } from '../../src/filters/store.js';
import { buildApp } from '../../src/service/app.js';
import type { ServiceContext } from '../../src/service/context.js';
import { KeyStore } from '../../src/service/keys.js';
import { Annotator } from '../../src/stream/annotate/annotator.js';
import { annotationSpecs } from '../../src/stream/annotate/config.js';
import { AlertDecoder } from '../../src/stream/decoding/decoder.js';
import { alertStages, StreamPipeline, type PipelineOptions } from '../../src/stream/pipeline.js';
import { DirSink } from '../../src/stream/sinks/dir.js';
import { fileBatches } from '../../src/stream/sources/file.js';
import type { Batch, BatchAlert, Stage } from '../../src/stream/stage.js';
import { AnnotateStage } from '../../src/stream/stages/annotate.js';
import { FilterStage } from '../../src/stream/stages/filters.js';
import { WatchStage } from '../../src/stream/stages/watch.js';
import { WatchlistStore } from '../../src/watch/store.js';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const ZTF = path.join(SHARED_DATA, 'ztf', 'alerts');

const tmp = tempDir();
const SVC = path.join(tmp.dir, 'svc');
let app: FastifyInstance;
let ctx: ServiceContext;
let keyA = '', keyB = '';

beforeAll(async () => {
  app = await buildApp({ dataDir: SVC, logger: false });
  ctx = (app as unknown as { skyjoin: ServiceContext }).skyjoin;
  keyA = (await new KeyStore(ctx.env).create('alice')).key;
  keyB = (await new KeyStore(ctx.env).create('bob')).key;
});
afterAll(async () => {
  await app.close();
  tmp.cleanup();
});

const auth = (k: string) => ({ authorization: `Bearer ${k}` });
const json = (r: { body: string }) => JSON.parse(r.body);

async function createFilter(key: string, body: Record<string, unknown>): Promise<string> {
  const r = await app.inject({ method: 'POST', url: '/v1/filters', headers: auth(key), payload: body });
  expect(r.statusCode, r.body).toBe(201);
  return json(r).id;
}

function readOut(out: string, stream: string): Array<Record<string, any>> {
  const f = path.join(out, `${stream}.jsonl`);
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
}

/** Builds, after annotation and watch lists, the same inputs the filters see (to test them against plain TypeScript). */
class Inputs implements Stage {
  readonly name = 'inputs';
  readonly seen: Array<{ input: FilterInput; hits: WatchHitRef[] | undefined; alert: BatchAlert }> = [];
  private readonly features = new FeatureBuilder();
  afterCommit(batch: Batch): void {
    for (const a of batch.alerts) this.seen.push({ input: this.features.build(a.alert, a.object, a.annotations), hits: a.watchHitRefs, alert: a });
  }
}

type StageOptions = Pick<PipelineOptions, 'annotate' | 'watch' | 'filters' | 'stages'>;

/** The annotate, watch and filters stages on the service's store; `extra` stages go just before the filters. */
function stagesFor(extra: Stage[] = []): { list: StageOptions; filters: FilterStage } {
  const filters = new FilterStage(new FilterStore(ctx.env));
  const list: StageOptions = { annotate: new AnnotateStage(new Annotator(annotationSpecs(ctx.catalogs))), watch: new WatchStage(new WatchlistStore(ctx.env)), filters };
  if (extra.length) list.stages = (parts) => { const l = alertStages(parts); l.splice(l.indexOf(filters), 0, ...extra); return l; };
  return { list, filters };
}

function pipeline(streamData: string, out: string, list: StageOptions): StreamPipeline {
  return new StreamPipeline({ dataDir: streamData, sink: new DirSink(out), cutouts: false, parquet: false, ...list });
}

// Three filters over alert scores, light-curve features, annotations and watch lists, each with its TypeScript twin.
const FILTERS: Array<{ name: string; expression: string; predicate: (x: FilterInput) => boolean }> = [
  {
    name: 'bright real positives',
    expression: 'alert.drb > 0.9 && alert.mag < 18.5 && alert.is_diff_pos && !(alert.ssdistnr < 10.0)',
    predicate: (x) => x.alert.drb > 0.9 && x.alert.mag < 18.5 && x.alert.is_diff_pos && !(x.alert.ssdistnr < 10),
  },
  {
    name: 'risers',
    expression: '(features.rise_rate_g > 0.02 || features.rise_rate_r > 0.02) && features.age_days < 60.0 && object.n_detections >= 2.0',
    predicate: (x) => (x.features.rise_rate_g > 0.02 || x.features.rise_rate_r > 0.02) && x.features.age_days < 60 && x.object.n_detections >= 2,
  },
  {
    name: 'near catalogued things or watched, galaxy-like host',
    expression: '(annotations.gcvs.matched || annotations.openngc.matched || watch.hit || alert.object_id.matches("^ZTF18a")) && !(alert.sgscore > 0.8)',
    predicate: (x) => (x.annotations.gcvs.matched || x.annotations.openngc.matched || x.watch.hit || /^ZTF18a/.test(x.alert.object_id)) && !(x.alert.sgscore > 0.8),
  },
];

describe('filters on the alert stream', () => {
  const OUT = path.join(tmp.dir, 'out');
  const STREAM = SVC; // stream store under the service's data folder: POST /v1/filters/test reads its archive
  const ids: string[] = [];
  const inputs = new Inputs();
  let watchId = '';

  it('three filters give exactly the alerts a TypeScript predicate over the same fields gives', async () => {
    for (const f of FILTERS) ids.push(await createFilter(keyA, { name: f.name, expression: f.expression }));
    // A watch list of alice's on two alert positions (filter 3 reads watch.hit); bob's list must not count for her.
    const dec = new AlertDecoder();
    const two = [];
    for (const m of [...fileBatches(path.join(ZTF, 'kowalski_20231012'), 2)][0]) two.push(...(await dec.decode(m.value)));
    const targets = two.map((a, i) => ({ name: `p${i}`, ra: a.ra, dec: a.dec }));
    const r = await app.inject({ method: 'POST', url: '/v1/watchlists', headers: auth(keyA), payload: { name: 'two', default_radius_arcsec: 2, targets } });
    expect(r.statusCode, r.body).toBe(201);
    watchId = json(r).id;
    const e = stagesFor([inputs]);
    const p = pipeline(STREAM, OUT, e.list);
    for (const b of fileBatches(ZTF, 40)) await p.handle(b);
    await p.close();

    expect(inputs.seen).toHaveLength(261);
    const uniqueAlerts = new Set(inputs.seen.map((s) => s.input.alert.id));
    for (const [k, f] of FILTERS.entries()) {
      const want = [...new Set(inputs.seen.filter((s) => f.predicate(withWatch(s.input, s.hits, ctx.keys.list().find((x) => x.name === 'alice')!.id))).map((s) => s.input.alert.id))].sort();
      const got = readOut(OUT, `filter-${ids[k]}`).map((v) => v.alert_id).sort();
      // Not trivially all or nothing.
      expect(want.length, f.name).toBeGreaterThan(0);
      expect(want.length, f.name).toBeLessThan(uniqueAlerts.size);
      expect(got, f.name).toEqual(want);
    }
    expect(e.filters.report()).toMatchObject({ errors: 0, batchesOverBudget: 0, filtersPaused: 0 });
    // Watch hits are per owner: alice's list is hit by the two alerts at its targets.
    expect(inputs.seen.filter((s) => s.hits?.some((h) => h.list === watchId)).length).toBeGreaterThanOrEqual(2);
  });

  it('GET /v1/streams/filter-ID/messages gives the same matches in order, with a cursor', async () => {
    const id = ids[0];
    const out = readOut(OUT, `filter-${id}`);
    const page1 = json(await app.inject({ method: 'GET', url: `/v1/streams/filter-${id}/messages?limit=2`, headers: auth(keyA) }));
    expect(page1.messages).toHaveLength(Math.min(2, out.length));
    const rest = json(await app.inject({ method: 'GET', url: `/v1/streams/filter-${id}/messages?after=${page1.next}&limit=1000`, headers: auth(keyA) }));
    const all = [...page1.messages, ...rest.messages];
    expect(all.map((m: any) => m.value.alert_id)).toEqual(out.map((v) => v.alert_id));
    expect(all.map((m: any) => m.key)).toEqual(out.map((v) => v.alert_id));
    expect(all.map((m: any) => m.value.seq)).toEqual(out.map((_v, i) => i + 1));
    // Private: bob does not see alice's filter stream.
    expect((await app.inject({ method: 'GET', url: `/v1/streams/filter-${id}/messages`, headers: auth(keyB) })).statusCode).toBe(404);
  });

  it('a replay (duplicates) and a replay after a lost stream store record no match twice; the same records are republished', async () => {
    const before = ids.map((id) => readOut(OUT, `filter-${id}`));
    const store = new FilterStore(ctx.env);
    const seqs = ids.map((id) => store.lastSeq(id));
    // 1. The same alerts again into the same stream store: duplicates.
    let p = pipeline(STREAM, OUT, stagesFor().list);
    for (const b of fileBatches(ZTF, 40)) await p.handle(b);
    await p.close();
    // 2. A fresh stream store (lost after a crash): every alert is 'new' again.
    p = pipeline(path.join(tmp.dir, 'lost'), OUT, stagesFor().list);
    for (const b of fileBatches(ZTF, 40)) await p.handle(b);
    await p.close();
    for (const [k, id] of ids.entries()) {
      expect(store.lastSeq(id)).toBe(seqs[k]);
      const after = readOut(OUT, `filter-${id}`);
      // Republished at-least-once, always with the values first recorded.
      const byKey = new Map(before[k].map((v) => [v.alert_id, v]));
      for (const v of after) expect(v).toEqual(byKey.get(v.alert_id));
      expect(new Set(after.map((v) => v.alert_id)).size).toBe(byKey.size);
    }
  });

  it('a filter created over HTTP between two batches applies from the next batch; a paused one stops; a deleted one goes', async () => {
    const out = path.join(tmp.dir, 'out-live');
    const batches = [...fileBatches(path.join(ZTF, 'pgb_alerts_for_testing_20210901'), 10)];
    expect(batches).toHaveLength(5);
    const p = pipeline(path.join(tmp.dir, 'live'), out, stagesFor().list);
    const ofBatch = (k: number) => batches[k].map((m) => path.basename(m.origin));
    const alertsOf = (got: Array<Record<string, any>>) => got.map((v) => v.alert_id as string);
    const inBatch = (ids: string[], k: number) => ids.every((a) => ofBatch(k).some((f) => f.includes(a)));
    await p.handle(batches[0]);
    const id = await createFilter(keyB, { name: 'everything', expression: 'alert.ra >= 0.0' });
    await p.handle(batches[1]);
    let got = alertsOf(readOut(out, `filter-${id}`));
    expect(got).toHaveLength(10);
    expect(inBatch(got, 1)).toBe(true);
    expect((await app.inject({ method: 'POST', url: `/v1/filters/${id}/pause`, headers: auth(keyB), payload: {} })).statusCode).toBe(200);
    await p.handle(batches[2]);
    expect(readOut(out, `filter-${id}`)).toHaveLength(10);
    expect(json(await app.inject({ method: 'POST', url: `/v1/filters/${id}/resume`, headers: auth(keyB), payload: {} })).status).toBe('active');
    await p.handle(batches[3]);
    got = alertsOf(readOut(out, `filter-${id}`));
    expect(got).toHaveLength(20);
    expect(inBatch(got.slice(10), 3)).toBe(true);
    expect((await app.inject({ method: 'DELETE', url: `/v1/filters/${id}`, headers: auth(keyB) })).statusCode).toBe(204);
    await p.handle(batches[4]);
    expect(readOut(out, `filter-${id}`)).toHaveLength(20);
    await p.close();
  });

  it('a filter that keeps throwing is paused after repeated failures with the reason on GET; the others go on', async () => {
    // Passes the checks (annotations of a served catalog), fails at run time for alerts where columns lack the key.
    const bad = await createFilter(keyA, { name: 'bad', expression: 'annotations.gcvs.columns.nope == "x"' });
    const good = await createFilter(keyA, { name: 'good', expression: 'alert.mag < 30.0' });
    const out = path.join(tmp.dir, 'out-fail');
    const p = pipeline(path.join(tmp.dir, 'fail'), out, stagesFor().list);
    for (const b of fileBatches(path.join(ZTF, 'fink_20200101'), 10)) await p.handle(b);
    await p.close();
    const r = json(await app.inject({ method: 'GET', url: `/v1/filters/${bad}`, headers: auth(keyA) }));
    expect(r.status).toBe('paused');
    expect(r.paused_reason).toMatch(/^paused after \d+ failures; last: .*nope/);
    expect(r.failures).toBeGreaterThanOrEqual(10);
    expect(readOut(out, `filter-${good}`)).toHaveLength(50);
    // Resumed: failures start again from 0.
    const res = json(await app.inject({ method: 'POST', url: `/v1/filters/${bad}/resume`, headers: auth(keyA), payload: {} }));
    expect(res).toMatchObject({ status: 'active', failures: 0 });
    await app.inject({ method: 'DELETE', url: `/v1/filters/${bad}`, headers: auth(keyA) });
    await app.inject({ method: 'DELETE', url: `/v1/filters/${good}`, headers: auth(keyA) });
  });

  it('POST /v1/filters/test gives over the archived night what the stream gave, saving nothing', async () => {
    const nFilters = new FilterStore(ctx.env).list().length;
    const r = await app.inject({ method: 'POST', url: '/v1/filters/test', headers: auth(keyA), payload: { expression: FILTERS[0].expression, night: '20231012' } });
    expect(r.statusCode, r.body).toBe(200);
    const t = json(r);
    const night = inputs.seen.filter((s) => s.input.alert.night === '20231012');
    const want = [...new Set(night.filter((s) => FILTERS[0].predicate(s.input)).map((s) => s.input.alert.id))].sort();
    expect(t.alerts).toBe(new Set(night.map((s) => s.input.alert.id)).size);
    expect(t.matches.map((m: any) => m.alert_id).sort()).toEqual(want);
    expect(t.matched).toBe(want.length);
    expect(t.timing_ms.total).toBeGreaterThanOrEqual(t.timing_ms.evaluate);
    expect(new FilterStore(ctx.env).list()).toHaveLength(nFilters);
    // A time range over every night: every archived alert.
    const all = json(await app.inject({ method: 'POST', url: '/v1/filters/test', headers: auth(keyA), payload: { expression: 'alert.mag > 0.0', from: '2018-01-01T00:00:00Z', to: 70000 } }));
    expect(all.alerts).toBe(new Set(inputs.seen.map((s) => s.input.alert.id)).size);
  });
});

describe('filters across a kill -9', () => {
  it('a stream process killed at random moments and restarted records each match once', async () => {
    const data = path.join(tmp.dir, 'crash');
    const out = path.join(tmp.dir, 'crash-out');
    const svcEnv = ctx.env;
    const id = await createFilter(keyA, { name: 'all bright', expression: 'alert.mag < 19.5' });
    const src = path.join(ZTF, 'pgb_alerts_for_testing_20210901');
    let kills = 0;
    for (let run = 0; run < 8; run++) {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'support', 'filter-stream-child.ts'), src, data, out, SVC], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      child.stdout.on('data', (c) => { stdout += c; });
      child.stderr.on('data', (c) => { stderr += c; });
      const delay = 600 + ((run * 397) % 900);
      const timer = setTimeout(() => { child.kill('SIGKILL'); kills++; }, delay);
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      clearTimeout(timer);
      if (code === 0) { expect(stdout).toContain('done'); break; }
      expect(code === null || code === 137, stderr).toBe(true);
    }
    // A last clean run to the end.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'support', 'filter-stream-child.ts'), src, data, out, SVC], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => { err += c; });
    expect(await new Promise((r) => child.on('exit', r)), err).toBe(0);
    svcEnv.resetReadTxn();
    const store = new FilterStore(svcEnv);
    const matches = store.matchesAfter(id, 0, 10_000);
    const keys = matches.map((m) => m.alertId);
    expect(new Set(keys).size).toBe(keys.length);
    expect(matches.map((m) => m.seq)).toEqual(matches.map((_m, i) => i + 1));
    // Every bright alert of the folder matched exactly once.
    const lines = readOut(out, `filter-${id}`);
    expect(new Set(lines.map((v) => v.alert_id))).toEqual(new Set(keys));
    expect(keys.length).toBeGreaterThan(10);
    expect(kills).toBeGreaterThan(0);
  }, 120_000);
});
