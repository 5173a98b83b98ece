import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ang2pixNest } from '../../src/healpix/api.js';
import { buildApp } from '../../src/service/app.js';
import type { ServiceContext } from '../../src/service/context.js';
import { KeyStore } from '../../src/service/keys.js';
import { separationArcsec } from '../../src/sky/vector.js';
import type { Alert } from '../../src/stream/decoding/alert.js';
import { AlertDecoder } from '../../src/stream/decoding/decoder.js';
import { alertStages, StreamPipeline } from '../../src/stream/pipeline.js';
import type { Batch, IngestedAlert, SourceMessage, Stage } from '../../src/stream/stage.js';
import { DirSink } from '../../src/stream/sinks/dir.js';
import type { OutRecord, OutputSink } from '../../src/stream/sinks/sink.js';
import { fileBatches } from '../../src/stream/sources/file.js';
import { StreamStore } from '../../src/stream/store.js';
import { WatchStage } from '../../src/stream/stages/watch.js';
import { openStore } from '../../src/watch/open.js';
import { listStamp, TargetSnapshot } from '../../src/stream/watch/target-snapshot.js';
import type { HitFields } from '../../src/watch/hit-fields.js';
import { WatchlistStore, type CheckHit } from '../../src/watch/store.js';
import { randomSky } from '../support/sky.js';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const ZTF = path.join(SHARED_DATA, 'ztf', 'alerts');
const A = path.join(ZTF, 'kowalski_20200202'); // 12 alerts, one per object
const B = path.join(ZTF, 'kowalski_20231012'); // 24 alerts, one per object
const C = path.join(ZTF, 'pgb_alerts_for_testing_20210901'); // 50 alerts
const D = path.join(ZTF, 'ampel_20180819_mod1000_v3.0'); // 30 alerts

const tmp = tempDir();
const SVC = path.join(tmp.dir, 'svc'); // the service's data folder: DATA/store is the shared LMDB
let app: FastifyInstance;
let key = '';

beforeAll(async () => {
  app = await buildApp({ dataDir: SVC, logger: false, publicUrl: 'http://127.0.0.1:8080' /* where the stream's records point by default */ });
  const ctx = (app as unknown as { skyjoin: ServiceContext }).skyjoin;
  key = (await new KeyStore(ctx.env).create('watcher')).key;
});
afterAll(async () => {
  await app.close();
  tmp.cleanup();
});

const auth = () => ({ authorization: `Bearer ${key}` });
const json = (r: { body: string }) => JSON.parse(r.body);
const ARC = 1 / 3600;
/** Lists copied to memory from their first batch on (and dropped on any change), so the tests check that path. */
const MEM = { settleBatches: 1 };

async function decodeDir(dir: string): Promise<Alert[]> {
  const d = new AlertDecoder();
  const out: Alert[] = [];
  for (const b of fileBatches(dir, 1000)) for (const m of b) out.push(...(await d.decode(m.value)));
  return out;
}

async function createList(body: Record<string, unknown>): Promise<string> {
  const r = await app.inject({ method: 'POST', url: '/v1/watchlists', headers: auth(), payload: body });
  expect(r.statusCode, r.body).toBe(201);
  return json(r).id;
}

async function hitsOf(id: string): Promise<HitFields[]> {
  const r = await app.inject({ method: 'GET', url: `/v1/watchlists/${id}/hits?limit=100000`, headers: auth() });
  expect(r.statusCode, r.body).toBe(200);
  return json(r).hits;
}

function readOut(out: string, id: string): Array<{ key: string; v: Record<string, any> }> {
  const f = path.join(out, `watchlist-${id}.jsonl`);
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').trim().split('\n').map((l) => {
    const v = JSON.parse(l);
    return { key: v.kind === 'region' ? `${v.alert_id}:region:${v.target}` : `${v.alert_id}:${v.target}`, v };
  });
}

/** Records every ingested alert it sees (to build synthetic ones from real ones). */
class Capture implements Stage {
  readonly name = 'capture';
  readonly seen: IngestedAlert[] = [];
  afterCommit(batch: Batch): void {
    this.seen.push(...batch.alerts);
  }
}

/** The standard stages with these before the outputs. */
function pipeline(streamDir: string, out: string, extra: Stage[]): StreamPipeline {
  return new StreamPipeline({
    dataDir: streamDir, sink: new DirSink(out), archive: false, cutouts: false, parquet: false,
    stages: (parts) => { const list = alertStages(parts); list.splice(list.length - 1, 0, ...extra); return list; },
  });
}

type T = { name: string; ra: number; dec: number; radius_arcsec?: number };
type Region = { kind: 'circle'; name: string; ra: number; dec: number; radius_arcsec: number } | { kind: 'moc'; name: string; order: number; ranges: Array<[number, number]> };

/** Brute force: every (alert, target) within the target's radius, and (alert, region) inside the region. */
function expected(alerts: Alert[], targets: T[], defaultRadius: number, regions: Region[] = []): string[] {
  const out: string[] = [];
  for (const a of alerts) {
    for (const t of targets) if (separationArcsec(a.ra, a.dec, t.ra, t.dec) <= (t.radius_arcsec ?? defaultRadius)) out.push(`${a.alertId}:${t.name}`);
    for (const r of regions) {
      const inside = r.kind === 'circle'
        ? separationArcsec(a.ra, a.dec, r.ra, r.dec) <= r.radius_arcsec
        : r.ranges.some(([lo, hi]) => { const p = ang2pixNest(r.order, a.ra, a.dec); return p >= lo && p <= hi; });
      if (inside) out.push(`${a.alertId}:region:${r.name}`);
    }
  }
  return out.sort();
}

/** The alerts of a batch (the files are named by alert id). */
function alertsOf(batch: SourceMessage[], alerts: Alert[]): Alert[] {
  return alerts.filter((a) => batch.some((m) => path.basename(m.origin).includes(String(a.alertId))));
}

const hitKey = (h: HitFields) => (h.kind === 'region' ? `${h.alert_id}:region:${h.target}` : `${h.alert_id}:${h.target}`);

describe('watch lists on the alert stream', () => {
  let alertsA: Alert[], alertsB: Alert[];
  let wl1 = '', wl2 = '';
  let targets1: T[] = [];
  let regions2: Region[] = [];
  let targets2: T[] = [];
  const capture = new Capture();
  const OUT = path.join(tmp.dir, 'out');

  it('records and publishes hits of targets on real alert positions, none 1.6" outside; regions (circle, MOC) too', async () => {
    alertsA = await decodeDir(A);
    alertsB = await decodeDir(B);
    expect(alertsA).toHaveLength(12);
    expect(alertsB).toHaveLength(24);
    const on = (a: Alert, name: string): T => ({ name, ra: a.ra, dec: a.dec });
    const off = (a: Alert, name: string): T => ({ name, ra: a.ra, dec: a.dec + 1.6 * ARC }); // 1.6" north, exactly
    targets1 = [
      on(alertsA[0], 'on-A0'), on(alertsA[1], 'on-A1'), on(alertsA[2], 'on-A2'),
      off(alertsA[3], 'out-A3'), off(alertsA[4], 'out-A4'),
      on(alertsB[0], 'on-B0'), on(alertsB[1], 'on-B1'),
      off(alertsB[2], 'out-B2'), off(alertsB[3], 'out-B3'),
      // Its own radius: 20" east of alert B4 with a 30" radius.
      { name: 'wide-B4', ra: alertsB[4].ra + (20 * ARC) / Math.cos((alertsB[4].dec * Math.PI) / 180), dec: alertsB[4].dec, radius_arcsec: 30 },
    ];
    wl1 = await createList({ name: 'on and off', default_radius_arcsec: 1.5, targets: targets1 });

    const b8 = alertsB[8];
    const pix = ang2pixNest(12, b8.ra, b8.dec);
    regions2 = [
      { kind: 'circle', name: 'shared-name', ra: alertsB[6].ra, dec: alertsB[6].dec + 5 * ARC, radius_arcsec: 10 },
      { kind: 'circle', name: 'circle-out', ra: alertsB[7].ra, dec: alertsB[7].dec + 12 * ARC, radius_arcsec: 10 },
      { kind: 'moc', name: 'moc', order: 12, ranges: [[pix - 3, pix]] },
    ];
    // A target named like a region, on the same alert: both hits are kept apart.
    targets2 = [{ name: 'shared-name', ra: alertsB[6].ra, dec: alertsB[6].dec }];
    wl2 = await createList({ name: 'areas', default_radius_arcsec: 1.5, regions: regions2, targets: targets2 });

    const watch = await WatchStage.open(SVC, MEM);
    const p = pipeline(path.join(tmp.dir, 'stream'), OUT, [capture, watch]);
    for (const dir of [A, B]) for (const b of fileBatches(dir, 200)) await p.handle(b);
    await p.close();
    await watch.close();

    const all = [...alertsA, ...alertsB];
    const want1 = expected(all, targets1, 1.5);
    const want2 = expected(all, targets2, 1.5, regions2);
    // The brute force itself: each "on" target hit by its alert, no "out" target hit at all.
    for (const [a, t] of [[alertsA[0], 'on-A0'], [alertsA[1], 'on-A1'], [alertsA[2], 'on-A2'], [alertsB[0], 'on-B0'], [alertsB[1], 'on-B1'], [alertsB[4], 'wide-B4']] as const) {
      expect(want1).toContain(`${a.alertId}:${t}`);
    }
    expect(want1.filter((k) => k.includes(':out-'))).toEqual([]);
    expect(want2).toEqual(expect.arrayContaining([`${alertsB[6].alertId}:shared-name`, `${alertsB[6].alertId}:region:shared-name`, `${b8.alertId}:region:moc`]));
    expect(want2.some((k) => k.endsWith('circle-out'))).toBe(false);

    const store = StreamStore.at(path.join(tmp.dir, 'stream'));
    for (const [id, want] of [[wl1, want1], [wl2, want2]] as const) {
      const out = readOut(OUT, id);
      const hits = await hitsOf(id);
      expect(out.map((r) => r.key).sort()).toEqual(want);
      expect(hits.map(hitKey).sort()).toEqual(want);
      for (const r of out) {
        const h = hits.find((x) => hitKey(x) === r.key)!;
        const a = all.find((x) => String(x.alertId) === r.v.alert_id)!;
        // The route and the output stream: the same fields, names and values.
        expect(r.v).toMatchObject(h);
        expect(r.v).toMatchObject({ watchlist_id: id, survey: 'ztf', survey_object_id: a.surveyObjectId, ra: a.ra, dec: a.dec, mjd: a.mjd });
        expect(typeof r.v.alert_id).toBe('string');
        expect(h.object_id).toBe(String(store.aliases.get(`ztf:${a.surveyObjectId}`)));
        if (r.v.kind === 'target') {
          const t = [...targets1, ...targets2].find((x) => x.name === r.v.target)!;
          expect(Math.abs(r.v.sep_arcsec - separationArcsec(a.ra, a.dec, t.ra, t.dec))).toBeLessThan(1e-6);
          expect(r.v.target_radius_arcsec).toBe(t.radius_arcsec ?? 1.5);
          if (t.name.startsWith('on-')) expect(r.v.sep_arcsec).toBeLessThan(1e-6);
        } else {
          const g = regions2.find((x) => x.name === r.v.region)!;
          expect(r.v.region_kind).toBe(g.kind);
          if (g.kind === 'circle') expect(Math.abs(r.v.sep_arcsec - separationArcsec(a.ra, a.dec, g.ra, g.dec))).toBeLessThan(1e-6);
          else expect(r.v.sep_arcsec).toBeNull();
        }
      }
    }
    await store.close();
    expect(watch.report()).toMatchObject({
      alertsChecked: 36, snapshotLoads: 2, hitsRecorded: want1.length + want2.length, hitsRepublished: 0, regionHits: want2.filter((k) => k.includes(':region:')).length,
      hitsByWatchlist: { [wl1]: { name: 'on and off', hits: want1.length, republished: 0 }, [wl2]: { name: 'areas', hits: want2.length, republished: 0 } },
    });
  });

  it('an upstream replay (duplicates) and a replay after a lost stream store record no second hit', async () => {
    const before1 = await hitsOf(wl1), before2 = await hitsOf(wl2);
    const lines1 = readOut(OUT, wl1);
    // Upstream replay: the same packets under new names, same stream store: every alert is a duplicate.
    const copy = path.join(tmp.dir, 'replay-src');
    cpSync(A, path.join(copy, 'a'), { recursive: true });
    cpSync(B, path.join(copy, 'b'), { recursive: true });
    let watch = await WatchStage.open(SVC, MEM);
    let p = pipeline(path.join(tmp.dir, 'stream'), OUT, [watch]);
    for (const b of fileBatches(copy, 200)) await p.handle(b);
    expect(p.store.counts().totals.duplicatesSkipped).toBe(36);
    await p.close();
    await watch.close();
    expect(await hitsOf(wl1)).toEqual(before1);
    expect(await hitsOf(wl2)).toEqual(before2);
    // Outputs are re-published (at-least-once) with the same keys and the first record's values.
    const after1 = readOut(OUT, wl1);
    expect(after1).toHaveLength(2 * lines1.length);
    expect(after1.slice(lines1.length)).toEqual(lines1);
    expect(watch.report()).toMatchObject({ hitsRecorded: 0, hitsRepublished: before1.length + before2.length });

    // A fresh stream store (alerts are 'new' again, as after a crash before the hits were known): still no second hit.
    watch = await WatchStage.open(SVC, MEM);
    p = pipeline(path.join(tmp.dir, 'stream-again'), path.join(tmp.dir, 'out-again'), [watch]);
    for (const dir of [A, B]) for (const b of fileBatches(dir, 200)) await p.handle(b);
    expect(p.store.counts().totals.duplicatesSkipped).toBe(0);
    await p.close();
    await watch.close();
    expect(await hitsOf(wl1)).toEqual(before1);
    expect(await hitsOf(wl2)).toEqual(before2);
  });

  it('a target added over HTTP between two batches (a new list, a new radius class) is hit by the next batch', async () => {
    const alertsC = await decodeDir(C);
    const [c1, c2] = [...fileBatches(C, 25)];
    const inBatch2 = alertsOf(c2, alertsC);
    expect(inBatch2.length).toBeGreaterThan(2);
    const watch = await WatchStage.open(SVC, MEM);
    const p = pipeline(path.join(tmp.dir, 'stream-live'), OUT, [watch]);
    await p.handle(c1);
    // After the watch stage has run: an existing list gets a target in a radius class it did not have,
    // and a list is created.
    const x = inBatch2[0], y = inBatch2[1];
    const add = await app.inject({ method: 'POST', url: `/v1/watchlists/${wl1}/targets`, headers: auth(), payload: [{ name: 'late', ra: x.ra, dec: x.dec + 0.04 * ARC, radius_arcsec: 0.05 }] });
    expect(add.statusCode, add.body).toBe(200);
    const wl3 = await createList({ name: 'created late', targets: [{ name: 'late-list', ra: y.ra, dec: y.dec, radius_arcsec: 2 }] });
    await p.handle(c2);
    await p.close();
    await watch.close();
    expect((await hitsOf(wl1)).filter((h) => h.target === 'late').map(hitKey)).toEqual(expected(inBatch2, [{ name: 'late', ra: x.ra, dec: x.dec + 0.04 * ARC, radius_arcsec: 0.05 }], 0.05));
    expect((await hitsOf(wl1)).filter((h) => h.target === 'late').map((h) => h.alert_id)).toContain(String(x.alertId));
    expect((await hitsOf(wl3)).map(hitKey)).toEqual(expected(inBatch2, [{ name: 'late-list', ra: y.ra, dec: y.dec, radius_arcsec: 2 }], 2));
    expect((await hitsOf(wl3)).map((h) => h.alert_id)).toContain(String(y.alertId));
    expect(readOut(OUT, wl3).map((r) => r.key)).toEqual((await hitsOf(wl3)).map(hitKey));
  });

  it('a target added over HTTP to a `serve` running in another process is live for the next batch', async () => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      const { buildApp } = await import(process.argv[1]);
      const app = await buildApp({ dataDir: process.argv[2], logger: false });
      await app.listen({ port: 0, host: '127.0.0.1' });
      process.stdout.write(JSON.stringify({ port: app.server.address().port }) + '\\n');
      process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
    `, path.resolve('src/service/app.ts'), SVC], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let buf = '';
        child.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          const nl = buf.indexOf('\n');
          if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)).port);
        });
        child.on('exit', (code) => reject(new Error(`service child exited with ${code}`)));
      });
      const base = `http://127.0.0.1:${port}`;
      const alertsD = await decodeDir(D);
      const [d1, d2] = [...fileBatches(D, 15)];
      const z = alertsOf(d2, alertsD)[0];
      expect(z).toBeDefined();
      const watch = await WatchStage.open(SVC, MEM);
      const p = pipeline(path.join(tmp.dir, 'stream-child'), OUT, [watch]);
      await p.handle(d1);
      const created = await fetch(`${base}/v1/watchlists`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'from another process', default_radius_arcsec: 1.5 }) });
      const wl4 = ((await created.json()) as { id: string }).id;
      const add = await fetch(`${base}/v1/watchlists/${wl4}/targets`, { method: 'POST', headers: { ...auth(), 'content-type': 'text/csv' }, body: `name,ra,dec\nremote,${z.ra},${z.dec}\n` });
      expect(add.status).toBe(200);
      await p.handle(d2);
      await p.close();
      await watch.close();
      // Recorded here, read back over HTTP by the other process.
      const hits = ((await (await fetch(`${base}/v1/watchlists/${wl4}/hits`, { headers: auth() })).json()) as { hits: HitFields[] }).hits;
      expect(hits.map(hitKey)).toEqual(expected(alertsOf(d2, alertsD), [{ name: 'remote', ra: z.ra, dec: z.dec }], 1.5));
      expect(hits.map((h) => h.alert_id)).toContain(String(z.alertId));
      expect(readOut(OUT, wl4).map((r) => r.key)).toEqual(hits.map(hitKey));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    }
  });

  it.each([['in memory', MEM], ['in LMDB', { snapshotMaxTargets: 0 }]] as const)('is exact across RA 0/360 and at both poles (targets and regions), checked %s', async (_label, opts) => {
    const base = capture.seen[0];
    let n = 0;
    const at = (ra: number, dec: number): IngestedAlert => ({ ...base, status: 'new', alert: { ...base.alert, alertId: 990000000000000000n + BigInt(++n), ra, dec } });
    const alerts = [at(359.9999, 0), at(0.00005, 30), at(10, 89.9999), at(0, -90)];
    const targets: T[] = [
      { name: 'wrap', ra: 0.0001, dec: 0 },               // 0.72" across RA 0 from alert 1
      { name: 'wrap-out', ra: 0.0004, dec: 0 },           // 1.8": outside
      { name: 'wrap-back', ra: 359.99995, dec: 30 },      // 0.31" from alert 2
      { name: 'north', ra: 190, dec: 89.9999 },           // over the pole from alert 3: 0.72"
      { name: 'north-out', ra: 190, dec: 89.9996 },       // 1.8"
      { name: 'south-pole', ra: 45, dec: -89.9997 },      // 1.08" from alert 4 (the pole itself)
      { name: 'south-across', ra: 250, dec: -89.9998 },   // 0.72"
      { name: 'south-out', ra: 300, dec: -89.9995 },      // 1.8"
    ];
    const regions: Region[] = [
      { kind: 'circle', name: 'wrap-circle', ra: 0.0005, dec: 0, radius_arcsec: 3 }, // alert 1 at 2.16"
      { kind: 'moc', name: 'north-cap', order: 6, ranges: [[ang2pixNest(6, 0, 90), ang2pixNest(6, 0, 90)]] },
    ];
    const id = await createList({ name: `edges ${_label}`, default_radius_arcsec: 1.5, targets, regions });
    const want = expected(alerts.map((a) => a.alert), targets, 1.5, regions);
    const names = want.map((k) => k.slice(k.indexOf(':') + 1)).sort();
    expect(names).toEqual(['north', 'region:north-cap', 'region:wrap-circle', 'south-across', 'south-pole', 'wrap', 'wrap-back']);
    const written: Array<[string, OutRecord[]]> = [];
    const sink: OutputSink = { write: (s, r) => { written.push([s, [...r]]); }, flush: async () => {}, close: async () => {} };
    const watch = await WatchStage.open(SVC, opts);
    for (const [s, r] of await watch.checkAlerts(alerts)) sink.write(s, r);
    await watch.close();
    expect(watch.report().snapshotLoads === 0).toBe(opts !== MEM);
    const hits = await hitsOf(id);
    expect(hits.map(hitKey).sort()).toEqual(want);
    const recs = written.filter(([s]) => s === `watchlist-${id}`).flatMap(([, r]) => r);
    expect(recs.map((r) => r.key).sort()).toEqual(want);
    for (const h of hits) {
      const a = alerts.find((x) => String(x.alert.alertId) === h.alert_id)!.alert;
      const t = targets.find((x) => x.name === h.target);
      if (h.kind === 'target') expect(Math.abs(h.sep_arcsec! - separationArcsec(a.ra, a.dec, t!.ra, t!.dec))).toBeLessThan(1e-9);
    }
  });
});

describe('in-memory copy of a list', () => {
  it('gives exactly what WatchlistStore.check gives, mixed radii, RA 0/360 and poles, and follows changes', async () => {
    const env = openStore(path.join(tmp.dir, 'snap'));
    try {
      const store = new WatchlistStore(env);
      const wl = await store.create('k', { name: 's', defaultRadiusArcsec: 2 });
      const sky = randomSky(3000, 5);
      const radii = [0.05, 1.5, 20, 600, 3600];
      await store.upsertTargets(wl.id, Array.from({ length: 3000 }, (_, i) => ({ name: `t${i}`, ra: sky.ra[i], dec: sky.dec[i], radiusArcsec: radii[i % radii.length] })));
      await store.upsertTargets(wl.id, [{ name: 'w', ra: 359.9999, dec: 1, radiusArcsec: 1 }, { name: 'n', ra: 10, dec: 89.9999, radiusArcsec: 1 }, { name: 's', ra: 10, dec: -90, radiusArcsec: 1 }]);
      const probes = randomSky(2000, 6);
      const ra = Float64Array.from([...probes.ra.slice(0, 1000), ...sky.ra.slice(0, 1000).map((x) => (x + 0.0001) % 360), 0.0001, 190, 300]);
      const dec = Float64Array.from([...probes.dec.slice(0, 1000), ...sky.dec.slice(0, 1000), 1, 89.9999, -89.9999]);
      const strip = (hs: CheckHit[]) => hs.map((h) => ({ ...h, sepArcsec: Math.round(h.sepArcsec * 1e9) }));
      let snap = TargetSnapshot.load(store, store.get(wl.id)!);
      const want = store.check(wl.id, ra, dec);
      expect(want.length).toBeGreaterThan(500);
      expect(want.filter((h) => ['w', 'n', 's'].includes(h.target)).map((h) => h.target).sort()).toEqual(['n', 's', 'w']);
      expect(strip(snap.check(ra, dec))).toEqual(strip(want));
      // Every change of the targets changes the stamp.
      const stamp = snap.stamp;
      await store.removeTarget(wl.id, 'w');
      expect(listStamp(store.get(wl.id)!)).not.toBe(stamp);
      snap = TargetSnapshot.load(store, store.get(wl.id)!);
      expect(strip(snap.check(ra, dec))).toEqual(strip(store.check(wl.id, ra, dec)));
      const s2 = snap.stamp;
      await store.upsertTargets(wl.id, [{ name: 'n', ra: 11, dec: 89.9999, radiusArcsec: 1 }]); // moved, same count
      expect(listStamp(store.get(wl.id)!)).not.toBe(s2);
    } finally {
      await env.close();
    }
  });
});
