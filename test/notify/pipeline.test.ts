// The seam on the stream side: the notify stage queues, before a batch counts as
// published, the output records of the streams someone subscribes to (and
// only those), and a watch-list hit's notification names the alert's closest
// catalog counterpart from the same batch's annotation. Real alerts, real
// shipped catalogs, real LMDB stores.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogSet, type ServedCatalog } from '../../src/catalog/set.js';
import { resolveNotifyConfig } from '../../src/notify/config.js';
import { topAnnotation } from '../../src/notify/message.js';
import { Notifier, openSharedStore } from '../../src/notify/runtime.js';
import { SubscriptionStore } from '../../src/notify/subscriptions.js';
import { Annotator } from '../../src/stream/annotate/annotator.js';
import { AlertDecoder } from '../../src/stream/decoding/decoder.js';
import { StreamPipeline } from '../../src/stream/pipeline.js';
import { DirSink } from '../../src/stream/sinks/dir.js';
import { fileBatches } from '../../src/stream/sources/file.js';
import { AnnotateStage } from '../../src/stream/stages/annotate.js';
import { FilterStage } from '../../src/stream/stages/filters.js';
import { WatchStage } from '../../src/stream/stages/watch.js';
import { FilterStore } from '../../src/filters/store.js';
import { WatchlistStore } from '../../src/watch/store.js';
import { tempDir } from '../support/tmp.js';
import { SHARED_DATA } from '../support/vectors.js';

const SRC = path.join(SHARED_DATA, 'ztf', 'alerts', 'kowalski_20231012'); // 24 alerts, one per object
const tmp = tempDir();
let cats: Map<string, ServedCatalog>;
beforeAll(async () => { cats = await loadCatalogSet(undefined, tmp.dir); }, 120_000);
afterAll(() => tmp.cleanup());

describe('pipeline -> outbox', () => {
  it('queues the subscribed streams only, watch hits with the top annotation of their alert', async () => {
    const data = path.join(tmp.dir, 'data');
    const env = openSharedStore(data);
    const watchlists = new WatchlistStore(env);
    const alerts = [];
    const dec = new AlertDecoder();
    for (const b of fileBatches(SRC, 100)) for (const m of b) alerts.push(...(await dec.decode(m.value)));
    const wl = await watchlists.create('k', { name: 'picks', defaultRadiusArcsec: 2 });
    await watchlists.upsertTargets(wl.id, alerts.slice(0, 10).map((a, i) => ({ name: `t${i}`, ra: a.ra, dec: a.dec })));
    const subs = new SubscriptionStore(env);
    await subs.create('k', { name: 'n', stream: `watchlist-${wl.id}`, channel: { type: 'voevent', folder: true }, digest: null, rateLimit: null, quietHours: null });

    const out = path.join(data, 'out');
    const gcvs = cats.get('gcvs')!;
    // A wide radius so that most alerts have a counterpart to name.
    const annotate = new AnnotateStage(new Annotator([{ served: gcvs, mode: 'best', radiusArcsec: 3 * 3600, columns: [] }]));
    let notifier!: Notifier;
    const pipeline = new StreamPipeline({
      dataDir: data, sink: new DirSink(out), archive: false, cutouts: false, parquet: false, annotate, watch: new WatchStage(watchlists),
      outbox: (store) => (notifier = new Notifier(data, store.env, resolveNotifyConfig(undefined, data), { deliver: false })).outbox,
    });
    for (const b of fileBatches(SRC, 7)) await pipeline.handle(b);

    const stream = `watchlist-${wl.id}`;
    expect(notifier.outbox.streams()).toEqual([stream]);
    const queued = notifier.outbox.read(stream, 0, 1000);
    const published = readFileSync(path.join(out, `${stream}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(queued.map((m) => m.key).sort()).toEqual(published.map((v) => `${v.alert_id}:${v.target}`).sort());
    expect(queued.length).toBeGreaterThanOrEqual(10);
    const annotated = new Map(readFileSync(path.join(out, 'annotated.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((v) => [String(v.alert_id), topAnnotation(v)]));
    let named = 0;
    for (const m of queued) {
      const want = annotated.get(String(m.value.alert_id)) ?? undefined;
      expect(m.value.top_annotation ?? null, m.key).toBe(want ?? null);
      if (typeof m.value.top_annotation === 'string') {
        named++;
        expect(m.value.top_annotation).toMatch(/^gcvs .+ at \d+(\.\d+)?"$/);
      }
    }
    expect(named).toBeGreaterThan(0);
    // The published hit itself is unchanged: the annotation rides only in the notification.
    expect(published.every((v) => v.top_annotation === undefined)).toBe(true);
    await notifier.close();
    await pipeline.close();
    await env.close();
  }, 120_000);

  it('queues a filter stream\'s matches (a registry stream) with the top annotation of their alert', async () => {
    const data = path.join(tmp.dir, 'data-filters');
    const env = openSharedStore(data);
    const filters = new FilterStore(env);
    const f = await filters.create('k', { name: 'bright', expression: 'alert.mag < 18.5' });
    const subs = new SubscriptionStore(env);
    await subs.create('k', { name: 'n', stream: `filter-${f.id}`, channel: { type: 'voevent', folder: true }, digest: null, rateLimit: null, quietHours: null });

    const out = path.join(data, 'out');
    const annotate = new AnnotateStage(new Annotator([{ served: cats.get('gcvs')!, mode: 'best', radiusArcsec: 3 * 3600, columns: [] }]));
    let notifier!: Notifier;
    const pipeline = new StreamPipeline({
      dataDir: data, sink: new DirSink(out), archive: false, cutouts: false, parquet: false, annotate, filters: new FilterStage(filters),
      outbox: (store) => (notifier = new Notifier(data, store.env, resolveNotifyConfig(undefined, data), { deliver: false, sharedEnv: env })).outbox,
    });
    for (const b of fileBatches(SRC, 7)) await pipeline.handle(b);

    const stream = `filter-${f.id}`;
    expect(notifier.outbox.streams()).toEqual([stream]);
    const queued = notifier.outbox.read(stream, 0, 1000);
    const published = readFileSync(path.join(out, `${stream}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // Some alerts and not all pass: the filter is not trivially all or nothing.
    expect(published.length).toBeGreaterThan(0);
    expect(published.length).toBeLessThan(24);
    expect(queued.map((m) => m.key).sort()).toEqual(published.map((v) => String(v.alert_id)).sort());
    const annotated = new Map(readFileSync(path.join(out, 'annotated.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((v) => [String(v.alert_id), topAnnotation(v)]));
    for (const m of queued) expect(m.value.top_annotation ?? null, m.key).toBe(annotated.get(String(m.value.alert_id)) ?? null);
    expect(pipeline.report().notify).toMatchObject({ queued: queued.length });
    await notifier.close();
    await pipeline.close();
    await env.close();
  }, 120_000);
});

