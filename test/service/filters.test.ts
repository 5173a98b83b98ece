// /v1/filters and /v1/streams: refusals naming the problem, keys kept apart,
// versions, restart, the registry, pull and the SSE tail (a real server on
// loopback) with Last-Event-ID resume.

import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilterStore } from '../../src/filters/store.js';
import { StreamRegistry } from '../../src/registry/streams.js';
import { buildApp } from '../../src/service/app.js';
import type { ServiceContext } from '../../src/service/context.js';
import { KeyStore } from '../../src/service/keys.js';
import { DirSink } from '../../src/stream/sinks/dir.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
const DATA = path.join(tmp.dir, 'svc');
let app: FastifyInstance;
let ctx: ServiceContext;
let keyA = '', keyB = '', idA = '';

async function boot(): Promise<void> {
  app = await buildApp({ dataDir: DATA, logger: false });
  ctx = (app as unknown as { skyjoin: ServiceContext }).skyjoin;
}

beforeAll(async () => {
  await boot();
  const a = await new KeyStore(ctx.env).create('alice');
  keyA = a.key;
  idA = a.record.id;
  keyB = (await new KeyStore(ctx.env).create('bob')).key;
});
afterAll(async () => {
  await app.close();
  tmp.cleanup();
});

const auth = (k: string) => ({ authorization: `Bearer ${k}` });
const json = (r: { body: string }) => JSON.parse(r.body);
const post = (url: string, key: string | null, payload: unknown) => app.inject({ method: 'POST', url, headers: key ? auth(key) : {}, payload: payload as object });
const get = (url: string, key: string | null = null) => app.inject({ method: 'GET', url, headers: key ? auth(key) : {} });

describe('expressions refused at creation, each naming its problem', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['constructor chain', 'alert.id.constructor.constructor("return process")() == 1', /'constructor' is not allowed/],
    ['prototype access by field', 'alert.__proto__.polluted == true', /'__proto__' is not allowed/],
    ['prototype access by key', 'annotations["prototype"].matched', /'prototype' is not allowed/],
    ['huge string literal', `alert.id == "${'9'.repeat(5000)}"`, /string literal at character \d+ is 5000 characters; at most 500/],
    ['huge number literal', `alert.mag < ${'9'.repeat(60)}.0`, /number literal .* more than 32 digits/],
    ['huge list literal', `alert.band in [${Array.from({ length: 300 }, (_, i) => `"b${i}"`).join(',')}]`, /more than 100 elements/],
    ['deep nesting', `${'('.repeat(40)}alert.mag < 20.0${')'.repeat(40)}`, /nest deeper than 16 levels/],
    ['catastrophic regex', 'alert.object_id.matches("^(a+)+$")', /catastrophic backtracking/],
    ['alternation under a quantifier', 'alert.object_id.matches("(ZTF|ZTF1)*x")', /catastrophic backtracking/],
    ['back-reference', 'alert.object_id.matches("(a)\\\\1")', /back-reference/],
    ['regex not a literal', 'alert.object_id.matches(alert.band)', /must be a string literal/],
    ['unknown field', 'alert.real_bogus > 0.5', /unknown field 'real_bogus'/],
    ['int in double arithmetic', 'alert.mag + 1 < 19.0', /write 1.0, not 1/],
    ['not a bool', 'alert.mag * 2.0', /gives a double, not a bool/],
    ['unknown catalog', 'annotations.sdss.matched', /annotations.sdss: no catalog of that name/],
    ['syntax', 'alert.mag <', /does not parse/],
    ['too long', `${'alert.mag < 20.0 && '.repeat(300)}true`, /at most 4000/],
  ];
  it.each(cases)('%s', async (_what, expression, message) => {
    const r = await post('/v1/filters', keyA, { name: 'x', expression });
    expect(r.statusCode, r.body).toBe(400);
    expect(json(r).code).toBe(expression.length > 4000 ? 'SKY_BAD_REQUEST' : 'SKY_BAD_EXPRESSION');
    if (expression.length <= 4000) expect(json(r).message).toMatch(message);
    // The trial route refuses the same way, and nothing was saved.
    if (expression.length <= 4000) expect((await post('/v1/filters/test', keyA, { expression })).statusCode).toBe(400);
  });
  it('saved nothing', async () => {
    expect(new FilterStore(ctx.env).list()).toEqual([]);
  });
});

describe('filters belong to their key', () => {
  let priv = '', pub = '';
  it('creates, lists and reads; others get 404 for a private filter and read a public one', async () => {
    let r = await post('/v1/filters', keyA, { name: 'mine', description: 'private one', expression: 'alert.drb > 0.9' });
    expect(r.statusCode, r.body).toBe(201);
    priv = json(r).id;
    expect(json(r)).toMatchObject({ name: 'mine', public: false, version: 1, status: 'active', failures: 0, stream: `filter-${priv}`, owner: idA });
    r = await post('/v1/filters', keyA, { name: 'shared', expression: 'alert.mag < 18.0', public: true });
    pub = json(r).id;
    expect((await get(`/v1/filters/${priv}`, keyA)).statusCode).toBe(200);
    expect((await get(`/v1/filters/${priv}`, keyB)).statusCode).toBe(404);
    expect((await get(`/v1/filters/${priv}`)).statusCode).toBe(404);
    expect((await get(`/v1/filters/${pub}`, keyB)).statusCode).toBe(200);
    expect((await get(`/v1/filters/${pub}`)).statusCode).toBe(200);
    expect(json(await get('/v1/filters', keyA)).filters.map((f: any) => f.id).sort()).toEqual([priv, pub].sort());
    expect(json(await get('/v1/filters', keyB)).filters.map((f: any) => f.id)).toEqual([pub]);
    expect(json(await get('/v1/filters')).filters.map((f: any) => f.id)).toEqual([pub]);
  });

  it('only the owner changes, pauses, resumes or deletes (404 for others, public or not); writing needs a key', async () => {
    for (const id of [priv, pub]) {
      expect((await app.inject({ method: 'PATCH', url: `/v1/filters/${id}`, headers: auth(keyB), payload: { name: 'taken' } })).statusCode).toBe(404);
      expect((await post(`/v1/filters/${id}/pause`, keyB, {})).statusCode).toBe(404);
      expect((await app.inject({ method: 'DELETE', url: `/v1/filters/${id}`, headers: auth(keyB) })).statusCode).toBe(404);
    }
    expect((await post('/v1/filters', null, { name: 'x', expression: 'true' })).statusCode).toBe(401);
    expect(json(await get(`/v1/filters/${pub}`, keyA)).name).toBe('shared');
  });

  it('an update of the expression is a new version; pause and resume say so on GET', async () => {
    const r = await app.inject({ method: 'PATCH', url: `/v1/filters/${priv}`, headers: auth(keyA), payload: { expression: 'alert.drb > 0.95' } });
    expect(r.statusCode, r.body).toBe(200);
    expect(json(r)).toMatchObject({ version: 2, expression: 'alert.drb > 0.95' });
    expect(json(await app.inject({ method: 'PATCH', url: `/v1/filters/${priv}`, headers: auth(keyA), payload: { name: 'renamed' } }))).toMatchObject({ version: 2, name: 'renamed' });
    expect((await app.inject({ method: 'PATCH', url: `/v1/filters/${priv}`, headers: auth(keyA), payload: { expression: 'alert.drb' } })).statusCode).toBe(400);
    expect(json(await post(`/v1/filters/${priv}/pause`, keyA, {}))).toMatchObject({ status: 'paused', paused_reason: 'paused by its owner' });
    const g = json(await get(`/v1/filters/${priv}`, keyA));
    expect(g).toMatchObject({ status: 'paused', version: 2 });
    expect(g.versions).toEqual([
      { version: 1, expression: 'alert.drb > 0.9', created_at: expect.any(String) },
      { version: 2, expression: 'alert.drb > 0.95', created_at: expect.any(String) },
    ]);
  });

  it('a restart keeps filters, versions and status', async () => {
    await app.close();
    await boot();
    const g = json(await get(`/v1/filters/${priv}`, keyA));
    expect(g).toMatchObject({ id: priv, name: 'renamed', status: 'paused', version: 2, public: false });
    expect(g.versions).toHaveLength(2);
    expect(json(await post(`/v1/filters/${priv}/resume`, keyA, {})).status).toBe('active');
    expect(json(await get('/v1/filters', keyB)).filters.map((f: any) => f.id)).toEqual([pub]);
  });

  it('GET /v1/filters/fields lists every field with type and unit', async () => {
    const f = json(await get('/v1/filters/fields'));
    const byName = new Map(f.fields.map((x: any) => [x.name, x]));
    expect(byName.get('features.rise_rate_g')).toMatchObject({ type: 'double', unit: 'mag/day' });
    expect(byName.get('annotations.CATALOG.sep_arcsec')).toMatchObject({ unit: 'arcsec' });
    expect(f.catalogs).toEqual(expect.arrayContaining(['gcvs', 'openngc']));
  });

  describe('the stream registry', () => {
    it('lists the built-in streams, the caller\'s watch lists and the visible filters, with counts and addresses', async () => {
      const w = json(await post('/v1/watchlists', keyA, { name: 'wl', default_radius_arcsec: 2 }));
      // What a stream run records about its outputs (file mode).
      const out = path.join(tmp.dir, 'out');
      const sink = new DirSink(out);
      await new StreamRegistry(ctx.env).recordWrites(new Map([['annotated', 3], [`filter-${pub}`, 2]]), (s) => sink.where(s));
      const names = (k: string | null) => get('/v1/streams', k).then((r) => json(r).streams.map((s: any) => s.name));
      const builtins = ['annotated', 'objects', 'detections', 'nondetections', 'deadletter'];
      expect(await names(keyA)).toEqual([...builtins, `watchlist-${w.id}`, ...[`filter-${priv}`, `filter-${pub}`].sort((a, b) => (ctx.filters.get(a.slice(7))!.id < ctx.filters.get(b.slice(7))!.id ? -1 : 1))]);
      expect(await names(keyB)).toEqual([...builtins, `filter-${pub}`]);
      const ann = json(await get('/v1/streams/annotated'));
      expect(ann).toMatchObject({ name: 'annotated', owner: 'skyjoin', public: true, protocol: 'file', address: path.join(out, 'annotated.jsonl'), schema_file: 'annotated.avsc', messages: { today: 3, total: 3 } });
      expect(ann.avro_schema).toMatchObject({ type: 'record', name: 'AnnotatedAlert' });
      expect(ann.provenance.skyjoin_version).toMatch(/^\d+\.\d+\.\d+/);
      expect(ann.provenance.catalogs.map((c: any) => c.name)).toEqual([...ctx.catalogs.keys()]);
      for (const c of ann.provenance.catalogs) expect(c.rows).toBe(ctx.catalogs.get(c.name)!.catalog.length);
      const f = json(await get(`/v1/streams/filter-${pub}`, keyB));
      expect(f).toMatchObject({ kind: 'filter', title: 'shared', author: 'alice', schema_file: 'filtermatch.avsc', provenance: { filter: { expression: 'alert.mag < 18.0', version: 1, language: 'CEL' } } });
      expect(f.avro_schema.name).toBe('FilterMatch');
      expect((await get(`/v1/streams/filter-${priv}`, keyB)).statusCode).toBe(404);
      expect((await get(`/v1/streams/watchlist-${w.id}`, keyB)).statusCode).toBe(404);
      expect((await get(`/v1/streams/watchlist-${w.id}`, keyA)).statusCode).toBe(200);
      expect((await get('/v1/streams/nope')).statusCode).toBe(404);
    });

    it('owners change title and description; others cannot; filters leave the registry when deleted', async () => {
      const patch = (name: string, key: string, payload: object) => app.inject({ method: 'PATCH', url: `/v1/streams/${name}`, headers: auth(key), payload });
      let r = await patch(`filter-${pub}`, keyA, { title: 'Bright things', description: 'mag < 18' });
      expect(r.statusCode, r.body).toBe(200);
      expect(json(await get(`/v1/streams/filter-${pub}`, keyB))).toMatchObject({ title: 'Bright things', description: 'mag < 18' });
      r = await patch(`filter-${pub}`, keyB, { title: 'mine now' });
      expect(r.statusCode).toBe(403);
      expect((await patch(`filter-${priv}`, keyB, { title: 'x' })).statusCode).toBe(404);
      expect((await patch('annotated', keyA, { title: 'x' })).statusCode).toBe(403);
      expect((await app.inject({ method: 'DELETE', url: `/v1/filters/${pub}`, headers: auth(keyA) })).statusCode).toBe(204);
      expect((await get(`/v1/streams/filter-${pub}`, keyA)).statusCode).toBe(404);
      expect(json(await get('/v1/streams', keyB)).streams.map((s: any) => s.name)).not.toContain(`filter-${pub}`);
    });
  });

  describe('consumers without Kafka', () => {
    /** What the stream does when a filter matches: one recorded match per alert, in order. */
    async function record(id: string, alertIds: string[]): Promise<void> {
      const store = new FilterStore(ctx.env);
      await ctx.env.transaction(() => {
        for (const a of alertIds) {
          store.recordMatchOnceInTxn({ filter: id, version: 1, alertId: a, objectId: '1', surveyObjectId: `ZTF${a}`, survey: 'ztf', ra: 1, dec: 2, mjd: 60000, night: '20230225', band: 'g', mag: 18, recordedAt: new Date().toISOString() });
        }
      });
    }

    it('pulls a file-mode built-in stream with byte cursors; a Kafka one answers 409 naming the topic', async () => {
      const out = path.join(tmp.dir, 'out');
      const sink = new DirSink(out);
      sink.write('annotated', [1, 2, 3].map((i) => ({ key: String(i), value: { alert_id: String(i), n: i } })));
      await sink.flush();
      const p1 = json(await get('/v1/streams/annotated/messages?limit=2'));
      expect(p1.messages.map((m: any) => [m.key, m.value.n])).toEqual([['1', 1], ['2', 2]]);
      const p2 = json(await get(`/v1/streams/annotated/messages?after=${p1.next}`));
      expect(p2.messages.map((m: any) => m.value.n)).toEqual([3]);
      expect(json(await get(`/v1/streams/annotated/messages?after=${p2.next}`)).messages).toEqual([]);
      expect((await get('/v1/streams/annotated/messages?after=zz')).statusCode).toBe(400);
      await new StreamRegistry(ctx.env).recordWrites(new Map([['objects', 1]]), () => ({ protocol: 'kafka', address: 'kafka://127.0.0.1:9092/objects' }));
      const k = await get('/v1/streams/objects/messages');
      expect(k.statusCode).toBe(409);
      expect(json(k).message).toContain('kafka://127.0.0.1:9092/objects');
    });

    it('tails a filter stream over SSE and resumes from Last-Event-ID without loss or repeats', async () => {
      const id = json(await post('/v1/filters', keyA, { name: 'tail', expression: 'alert.mag < 20.0' })).id;
      await record(id, ['100', '101']); // before the tail: not sent without a cursor (live tail from now)
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as AddressInfo).port;
      const events = (lastId: string | null, want: number) => new Promise<Array<{ id: string; data: any }>>((resolve, reject) => {
        const got: Array<{ id: string; data: any }> = [];
        const req = request({ host: '127.0.0.1', port, path: `/v1/streams/filter-${id}/events`, headers: { ...auth(keyA), accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) } }, (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString();
            for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
              const block = buf.slice(0, i);
              buf = buf.slice(i + 2);
              const idLine = /^id: (.*)$/m.exec(block), data = /^data: (.*)$/m.exec(block);
              if (idLine && data) got.push({ id: idLine[1], data: JSON.parse(data[1]) });
              if (got.length === want) { req.destroy(); resolve(got); }
            }
          });
        });
        req.on('error', (e) => { if (got.length < want) reject(e); });
        req.end();
      });
      // Live tail: the matches recorded after it started.
      const first = events(null, 3);
      await new Promise((r) => setTimeout(r, 400));
      await record(id, ['102', '103', '104']);
      const a = await first;
      expect(a.map((e) => e.data.key)).toEqual(['102', '103', '104']);
      expect(a.map((e) => e.id)).toEqual(['3', '4', '5']);
      expect(a[0].data.value).toMatchObject({ filter_id: id, alert_id: '102', seq: 3, filter_name: 'tail' });
      // Disconnected after event 4 was handled (say): matches arrive meanwhile; resume from 4.
      await record(id, ['105', '106']);
      const b = await events('4', 3);
      expect(b.map((e) => e.data.key)).toEqual(['104', '105', '106']);
      // From the start of the stream with Last-Event-ID 0: every match once, in order.
      const c = await events('0', 7);
      expect(c.map((e) => e.data.key)).toEqual(['100', '101', '102', '103', '104', '105', '106']);
      // Another key does not see the private stream.
      const r = await get(`/v1/streams/filter-${id}/events`, keyB);
      expect(r.statusCode).toBe(404);
    });
  });
});
