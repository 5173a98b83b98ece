import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/service/app.js';
import { ConfigError } from '../../src/catalog/set.js';
import type { ServiceContext } from '../../src/service/context.js';
import { KeyStore } from '../../src/service/keys.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const json = (r: { body: string }) => JSON.parse(r.body);

describe('the service under malformed input', () => {
  it('answers thousands of random malformed requests with 4xx only, never a 5xx or a stack', async () => {
    const app = await buildApp({ dataDir: tmp.dir, limits: { maxBodyBytes: 1 << 20, maxSyncSources: 500 } });
    const ctx = (app as unknown as { skyjoin: ServiceContext }).skyjoin;
    const key = (await new KeyStore(ctx.env).create('fuzz')).key;
    const wl = json(await app.inject({ method: 'POST', url: '/v1/watchlists', headers: { authorization: `Bearer ${key}` }, payload: { name: 'f' } })).id;
    const up = json(await app.inject({ method: 'POST', url: '/v1/sources', payload: [{ id: 'a', ra: 1, dec: 2 }] })).id;
    const junk = fc.oneof(
      fc.string(), fc.integer().map(String), fc.double().map(String), fc.constantFrom('NaN', 'Infinity', '-1e999', '1e400', '', ' ', '%00', '..', '[]', '{}', 'null', '91', '-90.0000001', '1,2'),
    );
    const value = fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.double(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }));
    const row = fc.dictionary(fc.constantFrom('id', 'ra', 'dec', 'radius_arcsec', 'name', 'x'), value, { maxKeys: 5 });
    const body = fc.oneof(
      fc.array(row, { maxLength: 5 }).map((a) => ['application/json', JSON.stringify(a)] as const),
      fc.record({ sources: fc.array(row, { maxLength: 4 }), targets: fc.array(row, { maxLength: 4 }), positions: fc.array(row, { maxLength: 4 }) }).map((o) => ['application/json', JSON.stringify(o)] as const),
      fc.string().map((s) => ['application/json', s] as const),
      fc.string().map((s) => ['text/csv', s] as const),
      fc.array(fc.array(junk, { maxLength: 5 }), { maxLength: 5 }).map((rows) => ['text/csv', `id,ra,dec\n${rows.map((r) => r.join(',')).join('\n')}`] as const),
      fc.uint8Array({ maxLength: 200 }).map((b) => ['application/vnd.apache.arrow.stream', Buffer.from(b)] as const),
      fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data').map((t) => [t, 'x'] as const),
    );
    const query = fc.dictionary(fc.constantFrom('ra', 'dec', 'radius_arcsec', 'limit', 'columns', 'catalog', 'mode', 'k', 'cursor', 'since', 'offset', 'junk'), junk, { maxKeys: 6 })
      .map((q) => Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'));
    const route = fc.constantFrom(
      ['GET', '/v1/catalogs/gcvs/cone'], ['GET', '/v1/catalogs/nope/cone'], ['GET', '/v1/catalogs/gcvs'],
      ['POST', '/v1/sources'], ['GET', `/v1/sources/${up}/matches`], ['GET', '/v1/sources/up_x/matches'], ['POST', '/v1/xmatch'],
      ['POST', '/v1/watchlists'], ['PATCH', `/v1/watchlists/${wl}`], ['POST', `/v1/watchlists/${wl}/targets`], ['POST', `/v1/watchlists/${wl}/check`],
      ['GET', `/v1/watchlists/${wl}/hits`], ['DELETE', `/v1/watchlists/${wl}/targets/zzz`], ['GET', '/v1/watchlists/wl_other'], ['PUT', '/v1/catalogs'],
    );
    const auth = fc.constantFrom(undefined, `Bearer ${key}`, 'Bearer nope', 'Basic abc', `Bearer ${key}x`);
    let n = 0;
    await fc.assert(fc.asyncProperty(route, query, body, auth, fc.constantFrom(undefined, 'application/json', 'text/csv', 'application/vnd.apache.arrow.stream', 'image/png', '*/*;q=0'), async ([method, url], q, [type, payload], authorization, accept) => {
      const headers: Record<string, string> = { 'content-type': type };
      if (authorization) headers.authorization = authorization;
      if (accept) headers.accept = accept;
      const r = await app.inject({ method: method as 'GET', url: `${url}${q ? `?${q}` : ''}`, headers, payload: method === 'GET' || method === 'DELETE' ? undefined : payload });
      n++;
      expect(r.statusCode, `${method} ${url}?${q} ${type} ${String(payload).slice(0, 80)} -> ${r.body.slice(0, 300)}`).toBeLessThan(500);
      if (r.statusCode >= 400) {
        const b = json(r);
        expect(b.code).toMatch(/^SKY_/);
        expect(typeof b.message).toBe('string');
        expect(r.body).not.toMatch(/\n\s+at /);
      }
    }), { numRuns: 3000 });
    expect(n).toBe(3000);
    const big = await app.inject({ method: 'POST', url: '/v1/sources', headers: { 'content-type': 'text/csv' }, payload: `id,ra,dec\n${'a,1,2\n'.repeat(300_000)}` });
    expect(big.statusCode).toBe(413);
    expect(json(big).code).toBe('SKY_BODY_TOO_LARGE');
    const many = await app.inject({ method: 'POST', url: '/v1/xmatch?catalog=gcvs', payload: Array.from({ length: 501 }, (_, i) => ({ id: `s${i}`, ra: 1, dec: 1 })) });
    expect(many.statusCode).toBe(400);
    expect(json(many).message).toContain('at most 500 sources per request');
    await app.close();
  }, 240_000);
});

describe('the service across restarts and on a real port', () => {
  it('keeps keys and watch lists across a restart; revoked keys are refused', async () => {
    const dir = `${tmp.dir}/restart`;
    let app = await buildApp({ dataDir: dir });
    const keys = new KeyStore((app as unknown as { skyjoin: ServiceContext }).skyjoin.env);
    const { key, record } = await keys.create('carol');
    const wl = json(await app.inject({ method: 'POST', url: '/v1/watchlists', headers: { authorization: `Bearer ${key}` }, payload: { name: 'kept', targets: [{ name: 'M31', ra: 10.6847, dec: 41.269, radius_arcsec: 30 }] } }));
    await app.close();
    app = await buildApp({ dataDir: dir });
    const got = json(await app.inject({ method: 'GET', url: `/v1/watchlists/${wl.id}`, headers: { authorization: `Bearer ${key}` } }));
    expect(got).toMatchObject({ name: 'kept', targets: 1, target_list: [{ name: 'M31', ra: 10.6847, dec: 41.269, radius_arcsec: 30 }] });
    const check = json(await app.inject({ method: 'POST', url: `/v1/watchlists/${wl.id}/check`, headers: { authorization: `Bearer ${key}` }, payload: [{ id: 'x', ra: 10.685, dec: 41.269 }] }));
    expect(check.hits).toHaveLength(1);
    await new KeyStore((app as unknown as { skyjoin: ServiceContext }).skyjoin.env).revoke(record.id);
    expect((await app.inject({ method: 'GET', url: `/v1/watchlists/${wl.id}`, headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(401);
    await app.close();
  });

  it('serves over HTTP on a loopback port', async () => {
    const app = await buildApp({ dataDir: tmp.dir });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const r = await fetch(`http://127.0.0.1:${port}/v1/catalogs/bsc5/cone?ra=101.287&dec=-16.716&radius_arcsec=60&columns=name,vmag`);
    expect(r.status).toBe(200);
    const body = await r.json() as { rows: Array<{ id: string; name: string }> };
    expect(body.rows[0]).toMatchObject({ id: 'HR2491' });
    const csv = await fetch(`http://127.0.0.1:${port}/v1/xmatch?catalog=bsc5&radius_arcsec=60`, {
      method: 'POST', headers: { 'content-type': 'text/csv', accept: 'text/csv' }, body: 'id,ra,dec\nsirius,101.287,-16.716\n',
    });
    expect((await csv.text()).split('\n')[1]).toMatch(/^sirius,HR2491,/);
    await app.close();
  });

  it('refuses to start on a bad configuration, naming the setting', async () => {
    await expect(buildApp({ dataDir: tmp.dir, limits: { maxConeRows: 0 } })).rejects.toThrow('limits.maxConeRows must be an integer in [1,');
    await expect(buildApp({ dataDir: tmp.dir, limits: { nope: 1 } as never })).rejects.toThrow("unknown limit 'nope'");
    await expect(buildApp({ dataDir: tmp.dir, catalogs: '/does/not/exist' })).rejects.toThrow(ConfigError);
    await expect(buildApp({ dataDir: tmp.dir, rateLimitPerMinute: -5 })).rejects.toThrow('rateLimitPerMinute must be an integer >= 0');
  });

  it('limits requests per key when configured', async () => {
    const app = await buildApp({ dataDir: `${tmp.dir}/rate`, rateLimitPerMinute: 5, anonymousRateLimitPerMinute: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await app.inject({ method: 'GET', url: '/v1/catalogs' })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const r = await app.inject({ method: 'GET', url: '/v1/catalogs' });
    expect(json(r)).toMatchObject({ code: 'SKY_RATE_LIMITED' });
    await app.close();
  });
});
