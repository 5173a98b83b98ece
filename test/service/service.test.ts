import * as A from 'apache-arrow';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArrowCatalog } from '../../src/catalog/arrow-catalog.js';
import { buildApp } from '../../src/service/app.js';
import { KeyStore } from '../../src/service/keys.js';
import { SkyIndex } from '../../src/match/sky-index.js';
import { separationArcsec } from '../../src/sky/vector.js';
import { ang2pixNest } from '../../src/healpix/api.js';
import type { ServiceContext } from '../../src/service/context.js';
import { randomSky } from '../support/sky.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
let app: FastifyInstance;
let ctx: ServiceContext;
let gcvs: ArrowCatalog;

beforeAll(async () => {
  app = await buildApp({ dataDir: tmp.dir, uploadTtlSeconds: 3600 });
  ctx = (app as unknown as { skyjoin: ServiceContext }).skyjoin;
  gcvs = ctx.catalogs.get('gcvs')!.catalog;
});
afterAll(async () => {
  await app.close();
  tmp.cleanup();
});

const json = (r: { body: string }) => JSON.parse(r.body);

describe('catalog endpoints', () => {
  it('lists the shipped catalogs with rows, columns, scheme, default radius and coverage', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/catalogs' });
    expect(r.statusCode).toBe(200);
    const names = json(r).catalogs.map((c: { name: string }) => c.name);
    expect(names).toEqual(['bsc5', 'openngc', 'gcvs']);
    const one = json(await app.inject({ method: 'GET', url: '/v1/catalogs/openngc' }));
    expect(one).toMatchObject({ name: 'openngc', rows: 13950, default_radius_arcsec: 60 });
    expect(one.columns.map((c: { name: string }) => c.name)).toContain('major_axis_arcmin');
    expect(one.coverage.skyFraction).toBeGreaterThan(0.1);
    const missing = await app.inject({ method: 'GET', url: '/v1/catalogs/nope' });
    expect(missing.statusCode).toBe(404);
    expect(json(missing)).toMatchObject({ code: 'SKY_CATALOG_NOT_FOUND', message: "catalog 'nope' is not served here (GET /v1/catalogs lists them)" });
  });

  it('cone search equals the library, nearest first, across RA 0/360 and at the poles', async () => {
    for (const [ra, dec, r] of [[0.001, 10, 7200], [359.999, -20, 3600], [0, 90, 36000], [123, -90, 36000], [10.68, 41.27, 600]]) {
      const res = await app.inject({ method: 'GET', url: `/v1/catalogs/gcvs/cone?ra=${ra}&dec=${dec}&radius_arcsec=${r}&columns=vartype&limit=100000` });
      expect(res.statusCode).toBe(200);
      const body = json(res);
      const want = gcvs.index.coneSorted(ra, dec, r);
      expect(body.count).toBe(want.length);
      expect(body.rows.map((x: { id: string }) => x.id)).toEqual(want.map((h) => gcvs.id(h.row)));
      for (const row of body.rows) {
        expect(Math.abs(row.sep_arcsec - separationArcsec(ra, dec, row.ra, row.dec))).toBeLessThan(1e-6);
        expect(row.vartype === null || typeof row.vartype === 'string').toBe(true); // GCVS leaves some types blank: null, not ''
      }
    }
    const wrap = json(await app.inject({ method: 'GET', url: '/v1/catalogs/gcvs/cone?ra=0&dec=0&radius_arcsec=36000' }));
    expect(wrap.rows.some((x: { ra: number }) => x.ra > 350)).toBe(true);
    expect(wrap.rows.some((x: { ra: number }) => x.ra < 10)).toBe(true);
    const lim = json(await app.inject({ method: 'GET', url: '/v1/catalogs/gcvs/cone?ra=0&dec=0&radius_arcsec=36000&limit=3' }));
    expect(lim.rows).toHaveLength(3);
    expect(lim.truncated).toBe(true);
  });

  it('rejects bad cone parameters with 4xx naming the field', async () => {
    const cases: Array<[string, number, string]> = [
      ['ra=10&dec=91.2', 400, 'dec must be <= 90'],
      ['ra=abc&dec=1', 400, 'ra must be number'],
      ['dec=1', 400, "'ra' is required"],
      ['ra=1&dec=1&radius_arcsec=-1', 400, 'radius_arcsec must be >= 0'],
      ['ra=1&dec=1&columns=nope', 400, "catalog 'gcvs' has no column 'nope'"],
      ['ra=1&dec=1&bogus=2', 400, "unknown field 'bogus'"],
    ];
    for (const [q, status, msg] of cases) {
      const r = await app.inject({ method: 'GET', url: `/v1/catalogs/gcvs/cone?${q}` });
      expect(r.statusCode, q).toBe(status);
      expect(json(r).message, q).toContain(msg);
      expect(json(r).code).toMatch(/^SKY_/);
    }
  });
});

describe('sources and crossmatch', () => {
  const sky = randomSky(5000, 21);
  // Half the sources sit on GCVS stars (within an arcsecond), some across RA 0/360.
  let src: Array<{ id: string; ra: number; dec: number }> = [];
  beforeAll(() => { src = makeSources(); });
  const makeSources = () => Array.from({ length: 5000 }, (_, i) => {
    if (i % 2 === 0) {
      const row = (i * 7) % gcvsRows();
      return { id: `s${i}`, ra: gcvs.ra[row] + 1e-4, dec: gcvs.dec[row] };
    }
    return { id: `s${i}`, ra: sky.ra[i], dec: sky.dec[i] };
  });
  function gcvsRows(): number { return 59099; }
  function library(radius: number, mode: 'all' | 'best' = 'all'): string[] {
    const m = gcvs.index.crossmatch(Float64Array.from(src, (s) => s.ra), Float64Array.from(src, (s) => s.dec), { radiusArcsec: radius, mode });
    return Array.from({ length: m.length }, (_, i) => `${src[m.probe[i]].id},${gcvs.id(m.row[i])},${m.sepArcsec[i]}`);
  }

  it('asks for the catalog by name when several are served: a 400 naming the parameter', async () => {
    const up = json(await app.inject({ method: 'POST', url: '/v1/sources', payload: [{ id: 'a', ra: 1, dec: 2 }] })).id;
    for (const [method, url, payload] of [['GET', `/v1/sources/${up}/matches`, undefined], ['POST', '/v1/xmatch', [{ id: 'a', ra: 1, dec: 2 }]]] as const) {
      const r = await app.inject({ method, url, payload });
      expect(r.statusCode, url).toBe(400);
      expect(json(r)).toMatchObject({ code: 'SKY_BAD_REQUEST', message: "querystring: 'catalog' is required when more than one catalog is served (one of: bsc5, openngc, gcvs)" });
    }
    expect((await app.inject({ method: 'GET', url: `/v1/sources/${up}/matches?catalog=nope` })).statusCode).toBe(404);
  });

  it('uploads JSON, CSV and Arrow and returns the same matches as the library in every format', async () => {
    const bodies: Array<[string, string | Buffer]> = [
      ['application/json', JSON.stringify(src)],
      ['text/csv', `id,ra,dec\n${src.map((s) => `${s.id},${s.ra},${s.dec}`).join('\n')}\n`],
      ['application/vnd.apache.arrow.stream', Buffer.from(A.tableToIPC(new A.Table({
        id: A.vectorFromArray(src.map((s) => s.id), new A.Utf8()), ra: A.makeVector(Float64Array.from(src, (s) => s.ra)), dec: A.makeVector(Float64Array.from(src, (s) => s.dec)),
      }), 'stream'))],
    ];
    const want = library(5);
    expect(want.length).toBeGreaterThan(2000);
    for (const [type, payload] of bodies) {
      const up = await app.inject({ method: 'POST', url: '/v1/sources', headers: { 'content-type': type }, payload });
      expect(up.statusCode, type).toBe(201);
      const { id, count } = json(up);
      expect(count).toBe(5000);
      const asJson = json(await app.inject({ method: 'GET', url: `/v1/sources/${id}/matches?catalog=gcvs&radius_arcsec=5` }));
      expect(asJson.matches.map((m: Record<string, unknown>) => `${m.source_id},${m.catalog_id},${m.sep_arcsec}`)).toEqual(want);
      const asCsv = await app.inject({ method: 'GET', url: `/v1/sources/${id}/matches?catalog=gcvs&radius_arcsec=5`, headers: { accept: 'text/csv' } });
      expect(asCsv.headers['content-type']).toContain('text/csv');
      expect(asCsv.body.trim().split('\n').slice(1)).toEqual(want);
      const asArrow = await app.inject({ method: 'GET', url: `/v1/sources/${id}/matches?catalog=gcvs&radius_arcsec=5&columns=vartype`, headers: { accept: 'application/vnd.apache.arrow.stream' } });
      const t = A.tableFromIPC(asArrow.rawPayload);
      expect(t.numRows).toBe(want.length);
      expect(Array.from({ length: t.numRows }, (_, i) => `${t.getChild('source_id')!.get(i)},${t.getChild('catalog_id')!.get(i)},${t.getChild('sep_arcsec')!.get(i)}`)).toEqual(want);
      expect(typeof t.getChild('vartype')!.get(0)).toBe('string');
    }
  });

  it('pages by cursor and covers every match exactly once', async () => {
    const up = json(await app.inject({ method: 'POST', url: '/v1/sources', payload: src }));
    const got: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await app.inject({ method: 'GET', url: `/v1/sources/${up.id}/matches?catalog=gcvs&radius_arcsec=5&limit=777${cursor ? `&cursor=${cursor}` : ''}` });
      const b = json(r);
      got.push(...b.matches.map((m: Record<string, unknown>) => `${m.source_id},${m.catalog_id},${m.sep_arcsec}`));
      cursor = b.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(5000 / 777));
    expect(got).toEqual(library(5));
    const bad = await app.inject({ method: 'GET', url: `/v1/sources/${up.id}/matches?catalog=gcvs&cursor=zzz` });
    expect(json(bad).code).toBe('SKY_BAD_CURSOR');
  });

  it('per-source radii, best and nearest modes, and POST /v1/xmatch', async () => {
    const withR = src.slice(0, 1000).map((s, i) => ({ ...s, radius_arcsec: (i % 4) + 0.5 }));
    const up = json(await app.inject({ method: 'POST', url: '/v1/sources', payload: withR }));
    const r = json(await app.inject({ method: 'GET', url: `/v1/sources/${up.id}/matches?catalog=gcvs` }));
    const m = gcvs.index.crossmatch(Float64Array.from(withR, (s) => s.ra), Float64Array.from(withR, (s) => s.dec), { radiusArcsec: Float64Array.from(withR, (s) => s.radius_arcsec) });
    expect(r.matches.length).toBe(m.length);
    const best = json(await app.inject({ method: 'POST', url: '/v1/xmatch?catalog=gcvs&radius_arcsec=60&mode=best', payload: { sources: src.slice(0, 2000) } }));
    const m2 = gcvs.index.crossmatch(Float64Array.from(src.slice(0, 2000), (s) => s.ra), Float64Array.from(src.slice(0, 2000), (s) => s.dec), { radiusArcsec: 60, mode: 'best' });
    expect(best.matches.map((x: { catalog_id: string }) => x.catalog_id)).toEqual(Array.from(m2.row, (row) => gcvs.id(row)));
    const near = json(await app.inject({ method: 'POST', url: '/v1/xmatch?catalog=gcvs&radius_arcsec=36000&mode=nearest&k=3', payload: src.slice(0, 10) }));
    expect(near.matches).toHaveLength(30);
  });

  it('refuses bad uploads with 4xx naming the field or line', async () => {
    const cases: Array<[string, string, number, string]> = [
      ['application/json', '[{"id":"a","ra":1,"dec":91.2}]', 400, 'body[0].dec must be in [-90, 90], got 91.2'],
      ['application/json', '{"sources":[{"id":"a","ra":"x","dec":1}]}', 400, 'sources[0].ra must be a number'],
      ['application/json', '[{"ra":1,"dec":1}]', 400, 'body[0].id must be a non-empty string'],
      ['application/json', '[{"id":"a","ra":1,"dec":1', 400, 'body is not valid JSON'],
      ['text/csv', 'id,ra,dec\na,1,2\nb,1\n', 400, 'CSV line 3: expected 3 fields, found 2'],
      ['text/csv', 'id,ra\na,1\n', 400, 'CSV line 1: the header needs column dec'],
      ['text/csv', 'id,ra,dec\na,x,2\n', 400, "CSV line 2: column 'ra' must be a number of degrees, got 'x'"],
      ['application/vnd.apache.arrow.stream', 'not arrow at all', 400, 'not a readable Arrow IPC stream'],
      ['application/xml', '<x/>', 415, "Content-Type 'application/xml' is not accepted"],
    ];
    for (const [type, payload, status, msg] of cases) {
      const r = await app.inject({ method: 'POST', url: '/v1/sources', headers: { 'content-type': type }, payload });
      expect(r.statusCode, payload).toBe(status);
      expect(json(r).message, payload).toContain(msg);
    }
    const gone = await app.inject({ method: 'GET', url: '/v1/sources/up_nothere/matches?catalog=gcvs' });
    expect(gone.statusCode).toBe(404);
    const notAcc = await app.inject({ method: 'POST', url: '/v1/xmatch?catalog=gcvs', headers: { accept: 'image/png' }, payload: [{ id: 'a', ra: 1, dec: 1 }] });
    expect(notAcc.statusCode).toBe(406);
  });
});

describe('watch lists', () => {
  let alice = '', bob = '';
  beforeAll(async () => {
    const keys = new KeyStore(ctx.env);
    alice = (await keys.create('alice')).key;
    bob = (await keys.create('bob')).key;
  });
  const as = (key: string) => ({ authorization: `Bearer ${key}` });

  it('belong to their key: another key gets 404, no key 401', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/watchlists', headers: as(alice), payload: { name: 'alice list', default_radius_arcsec: 3 } });
    expect(r.statusCode).toBe(201);
    const id = json(r).id;
    expect((await app.inject({ method: 'GET', url: `/v1/watchlists/${id}`, headers: as(bob) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: `/v1/watchlists/${id}`, headers: as(bob) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: `/v1/watchlists/${id}/targets`, headers: as(bob), payload: [{ name: 'x', ra: 1, dec: 1 }] })).statusCode).toBe(404);
    expect(json(await app.inject({ method: 'GET', url: '/v1/watchlists', headers: as(bob) })).watchlists).toEqual([]);
    expect((await app.inject({ method: 'GET', url: `/v1/watchlists/${id}` })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: `/v1/watchlists/${id}`, headers: as('sk_000000000000_notakeynotakeynotakey') })).statusCode).toBe(401);
    expect(json(await app.inject({ method: 'GET', url: `/v1/watchlists/${id}`, headers: as(alice) })).name).toBe('alice list');
  });

  it('check finds each target within its own radius, exactly, across RA 0/360 and at the poles', async () => {
    const id = json(await app.inject({ method: 'POST', url: '/v1/watchlists', headers: as(alice), payload: { name: 'edges' } })).id;
    const targets = [
      { name: 'wrap', ra: 359.9995, dec: 5, radius_arcsec: 4 },
      { name: 'pole', ra: 77, dec: 89.9999, radius_arcsec: 1 },
      { name: 'tiny', ra: 150, dec: -30, radius_arcsec: 0.01 },
      { name: 'wide', ra: 200, dec: 10, radius_arcsec: 3600 },
    ];
    const add = json(await app.inject({ method: 'POST', url: `/v1/watchlists/${id}/targets`, headers: as(alice), payload: targets }));
    expect(add).toMatchObject({ added: 4, updated: 0, targets: 4 });
    const pos = [
      { id: 'p-wrap', ra: 0.0005, dec: 5 },             // 3.6" across RA 0: inside 4"
      { id: 'p-wrap-out', ra: 0.0008, dec: 5 },         // 4.7": outside
      { id: 'p-pole', ra: 257, dec: 89.99995 },         // on the other side of the pole, 0.54"
      { id: 'p-tiny', ra: 150, dec: -30 + 0.005 / 3600 },
      { id: 'p-tiny-out', ra: 150, dec: -30 + 0.011 / 3600 },
      { id: 'p-wide', ra: 200.9, dec: 10 },
    ];
    const r = json(await app.inject({ method: 'POST', url: `/v1/watchlists/${id}/check`, headers: as(alice), payload: { positions: pos } }));
    const hits = r.hits.map((h: { id: string; target: string }) => `${h.id}:${h.target}`).sort();
    expect(hits).toEqual(['p-pole:pole', 'p-tiny:tiny', 'p-wide:wide', 'p-wrap:wrap']);
    for (const h of r.hits) {
      const p = pos.find((x) => x.id === h.id)!, t = targets.find((x) => x.name === h.target)!;
      expect(Math.abs(h.sep_arcsec - separationArcsec(p.ra, p.dec, t.ra, t.dec))).toBeLessThan(1e-6);
    }
    // Moving a target and removing one take effect at once.
    await app.inject({ method: 'POST', url: `/v1/watchlists/${id}/targets`, headers: { ...as(alice), 'content-type': 'text/csv' }, payload: 'name,ra,dec,radius_arcsec\nwide,10,10,60\n' });
    expect((await app.inject({ method: 'DELETE', url: `/v1/watchlists/${id}/targets/tiny`, headers: as(alice) })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: `/v1/watchlists/${id}/targets/tiny`, headers: as(alice) })).statusCode).toBe(404);
    const r2 = json(await app.inject({ method: 'POST', url: `/v1/watchlists/${id}/check`, headers: as(alice), payload: pos }));
    expect(r2.hits.map((h: { id: string; target: string }) => `${h.id}:${h.target}`).sort()).toEqual(['p-pole:pole', 'p-wrap:wrap']);
  });

  it('check equals brute force on 20,000 targets with mixed radii; regions (circle, MOC) report', async () => {
    const id = json(await app.inject({ method: 'POST', url: '/v1/watchlists', headers: as(alice), payload: { name: 'big', regions: [{ kind: 'circle', name: 'c1', ra: 0, dec: 0, radius_arcsec: 3600 }, { kind: 'moc', name: 'm1', order: 3, ranges: [[0, 10], [ang2pixNest(3, 0.5, 0.5), ang2pixNest(3, 0.5, 0.5)]] }] } })).id;
    const sky = randomSky(20000, 77);
    const targets = Array.from({ length: 20000 }, (_, i) => ({ name: `t${i}`, ra: sky.ra[i], dec: sky.dec[i], radius_arcsec: [0.5, 5, 60, 600][i % 4] }));
    await app.inject({ method: 'POST', url: `/v1/watchlists/${id}/targets`, headers: as(alice), payload: { targets } });
    const probes = randomSky(3000, 78);
    const positions = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0
      ? { id: `q${i}`, ra: targets[i].ra + 0.0001, dec: targets[i].dec }
      : { id: `q${i}`, ra: probes.ra[i], dec: probes.dec[i] }));
    const r = json(await app.inject({ method: 'POST', url: `/v1/watchlists/${id}/check`, headers: as(alice), payload: positions }));
    const idx = SkyIndex.build(Float64Array.from(targets, (t) => t.ra), Float64Array.from(targets, (t) => t.dec));
    const m = idx.crossmatch(Float64Array.from(positions, (p) => p.ra), Float64Array.from(positions, (p) => p.dec), { radiusArcsec: 600 });
    const want: string[] = [];
    for (let i = 0; i < m.length; i++) if (m.sepArcsec[i] <= targets[m.row[i]].radius_arcsec) want.push(`${positions[m.probe[i]].id}:${targets[m.row[i]].name}`);
    expect(r.hits.map((h: { id: string; target: string }) => `${h.id}:${h.target}`).sort()).toEqual(want.sort());
    const r2 = json(await app.inject({ method: 'POST', url: `/v1/watchlists/${id}/check`, headers: as(alice), payload: [{ id: 'in-circle', ra: 0.5, dec: 0.5 }, { id: 'far', ra: 200, dec: -60 }] }));
    expect(r2.regions.map((x: { id: string; region: string }) => `${x.id}:${x.region}`)).toEqual(['in-circle:c1', 'in-circle:m1']);
  });

  it('reports hits recorded by the stream, paged', async () => {
    const id = json(await app.inject({ method: 'POST', url: '/v1/watchlists', headers: as(alice), payload: { name: 'hits' } })).id;
    await ctx.env.transaction(() => {
      for (let i = 0; i < 25; i++) {
        ctx.watchlists.recordHitInTxn({ watchlist: id, target: `t${i % 3}`, alertId: String(1000n + BigInt(i)), objectId: `o${i}`, sepArcsec: 0.1, ra: 1, dec: 2, mjd: 60000 + i, recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() });
      }
    });
    const p1 = json(await app.inject({ method: 'GET', url: `/v1/watchlists/${id}/hits?limit=10`, headers: as(alice) }));
    expect(p1.hits).toHaveLength(10);
    const p2 = json(await app.inject({ method: 'GET', url: `/v1/watchlists/${id}/hits?limit=100&cursor=${p1.next}`, headers: as(alice) }));
    expect(p2.hits).toHaveLength(15);
    expect(p2.next).toBeNull();
    const since = json(await app.inject({ method: 'GET', url: `/v1/watchlists/${id}/hits?since=2026-01-01T00:00:20Z`, headers: as(alice) }));
    expect(since.hits.map((h: { alert_id: string }) => h.alert_id)).toEqual(['1020', '1021', '1022', '1023', '1024']);
    // snake_case, the names of the watchlist-ID output stream.
    expect(since.hits[0]).toEqual({
      watchlist_id: id, kind: 'target', target: 't2', sep_arcsec: 0.1, alert_id: '1020', object_id: 'o20', survey: null,
      ra: 1, dec: 2, mjd: 60020, band: null, mag: null, mag_err: null, recorded_at: '2026-01-01T00:00:20.000Z',
      object_url: 'http://localhost:80/v1/objects/o20', alert_url: 'http://localhost:80/v1/alerts/1020',
    });
  });

  it('validates targets: radius 0.01" to 1 deg, names, coordinates', async () => {
    const id = json(await app.inject({ method: 'POST', url: '/v1/watchlists', headers: as(alice), payload: { name: 'v' } })).id;
    const cases: Array<[unknown, string]> = [
      [[{ name: 'a', ra: 1, dec: 1, radius_arcsec: 0.001 }], 'radius_arcsec must be in [0.01, 3600], got 0.001'],
      [[{ name: 'a', ra: 1, dec: 1, radius_arcsec: 3601 }], 'radius_arcsec must be in [0.01, 3600], got 3601'],
      [[{ name: 'a', ra: 1, dec: -91 }], 'dec must be in [-90, 90], got -91'],
      [[{ name: 'a', ra: 1, dec: 1 }, { name: 'a', ra: 2, dec: 2 }], "name 'a' appears twice"],
    ];
    for (const [payload, msg] of cases) {
      const r = await app.inject({ method: 'POST', url: `/v1/watchlists/${id}/targets`, headers: as(alice), payload: payload as object });
      expect(r.statusCode).toBe(400);
      expect(json(r).message).toContain(msg);
    }
    const bad = await app.inject({ method: 'POST', url: '/v1/watchlists', headers: as(alice), payload: { name: '', default_radius_arcsec: 0 } });
    expect(bad.statusCode).toBe(400);
  });
});

describe('operations', () => {
  it('healthz, metrics and OpenAPI with every route described', async () => {
    expect(json(await app.inject({ method: 'GET', url: '/healthz' }))).toMatchObject({ status: 'ok', store: 'open', catalogs: { gcvs: 59099 } });
    const m = await app.inject({ method: 'GET', url: '/metrics' });
    expect(m.body).toContain('skyjoin_http_requests_total{');
    expect(m.body).toContain('skyjoin_matches_served_total{');
    expect(m.body).toContain('skyjoin_http_request_duration_seconds_bucket{');
    // Counted per route, method and status by the route's own hook; unknown routes too.
    const count = (body: string, labels: string) => Number(new RegExp(`^skyjoin_http_requests_total\\{${labels}\\} (\\d+)$`, 'm').exec(body)?.[1] ?? 0);
    const ok = 'method="GET",route="/v1/catalogs/:name/cone",status="200"', bad = 'method="GET",route="/v1/catalogs/:name/cone",status="400"';
    const before = [count(m.body, ok), count(m.body, bad), count(m.body, 'method="any",route="unknown",status="404"')];
    await app.inject({ method: 'GET', url: '/v1/catalogs/gcvs/cone?ra=1&dec=2' });
    await app.inject({ method: 'GET', url: '/v1/catalogs/gcvs/cone?ra=1&dec=2' });
    await app.inject({ method: 'GET', url: '/v1/catalogs/gcvs/cone?ra=1&dec=91' });
    await app.inject({ method: 'GET', url: '/nowhere' });
    const after = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect([count(after, ok), count(after, bad), count(after, 'method="any",route="unknown",status="404"')]).toEqual([before[0] + 2, before[1] + 1, before[2] + 1]);
    expect(after).toMatch(/^skyjoin_http_request_duration_seconds_count\{route="\/v1\/catalogs\/:name\/cone"\} \d+$/m);
    const doc = json(await app.inject({ method: 'GET', url: '/docs/json' }));
    for (const p of ['/v1/catalogs', '/v1/catalogs/{name}/cone', '/v1/sources', '/v1/sources/{id}/matches', '/v1/xmatch', '/v1/watchlists', '/v1/watchlists/{id}/check', '/v1/watchlists/{id}/hits', '/healthz', '/metrics']) {
      expect(doc.paths[p], p).toBeDefined();
      for (const op of Object.values(doc.paths[p]) as Array<{ summary?: string }>) expect(op.summary, p).toBeTruthy();
    }
    const cone = doc.paths['/v1/catalogs/{name}/cone'].get.parameters.find((x: { name: string }) => x.name === 'radius_arcsec');
    expect(cone.schema.description ?? cone.description).toMatch(/arcsec/);
    expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
    const nf = await app.inject({ method: 'GET', url: '/v2/nothing' });
    expect(json(nf)).toMatchObject({ statusCode: 404, code: 'SKY_NOT_FOUND' });
  });
});
