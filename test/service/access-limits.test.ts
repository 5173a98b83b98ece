// What an anonymous caller may do (config `access`), upload limits, and how
// much of the offending input an error message quotes.

import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/catalog/set.js';
import { buildApp } from '../../src/service/app.js';
import type { ServiceContext } from '../../src/service/context.js';
import { KeyStore } from '../../src/service/keys.js';
import { DEFAULT_LIMITS, resolveConfig } from '../../src/service/options.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
const apps: FastifyInstance[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
  tmp.cleanup();
});
const json = (r: { body: string }) => JSON.parse(r.body);

async function app(name: string, opts: Record<string, unknown> = {}): Promise<{ app: FastifyInstance; key: string }> {
  const a = await buildApp({ dataDir: `${tmp.dir}/${name}`, ...opts });
  apps.push(a);
  const key = (await new KeyStore((a as unknown as { skyjoin: ServiceContext }).skyjoin.env).create('t')).key;
  return { app: a, key };
}

const upload = { method: 'POST' as const, url: '/v1/sources', payload: [{ id: 'a', ra: 1, dec: 2 }] };
const cone = { method: 'GET' as const, url: '/v1/catalogs/gcvs/cone?ra=1&dec=2' };
const xmatch = { method: 'POST' as const, url: '/v1/xmatch?catalog=gcvs', payload: [{ id: 'a', ra: 1, dec: 2 }] };

describe('access without a key', () => {
  it('is open for reads and uploads by default (the quick start), closed for watch lists', async () => {
    const { app: a } = await app('open');
    expect((await a.inject(upload)).statusCode).toBe(201);
    expect((await a.inject(cone)).statusCode).toBe(200);
    expect((await a.inject(xmatch)).statusCode).toBe(200);
    expect((await a.inject({ method: 'GET', url: '/v1/watchlists' })).statusCode).toBe(401);
    expect(resolveConfig({ dataDir: 'x' }).access).toEqual({ reads: 'open', uploads: 'open' });
  });

  it("closes reads and uploads with access: {reads: 'key', uploads: 'key'}; a key opens them; health, metrics and docs stay open", async () => {
    const { app: a, key } = await app('closed', { access: { reads: 'key', uploads: 'key' } });
    for (const req of [upload, cone, xmatch, { method: 'GET' as const, url: '/v1/catalogs' }]) {
      const r = await a.inject(req);
      expect(r.statusCode, req.url).toBe(401);
      expect(json(r).message).toMatch(/requires an API key for (reads|uploads): Authorization: Bearer <key> \(its access\.(reads|uploads) is 'key'\)/);
    }
    const auth = { authorization: `Bearer ${key}` };
    expect((await a.inject({ ...upload, headers: auth })).statusCode).toBe(201);
    expect((await a.inject({ ...cone, headers: auth })).statusCode).toBe(200);
    for (const url of ['/healthz', '/metrics', '/docs/json']) expect((await a.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    // A wrong key is refused everywhere, never treated as anonymous.
    expect((await a.inject({ method: 'GET', url: '/healthz', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
  });

  it('can close uploads alone; the older requireKeyForReads closes both', async () => {
    const { app: a } = await app('uploads-closed', { access: { uploads: 'key' } });
    expect((await a.inject(upload)).statusCode).toBe(401);
    expect((await a.inject(cone)).statusCode).toBe(200);
    expect(resolveConfig({ dataDir: 'x', requireKeyForReads: true }).access).toEqual({ reads: 'key', uploads: 'key' });
  });

  it('refuses incoherent or unknown settings at boot', async () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ access: { reads: 'key', uploads: 'open' } }, "access.uploads 'open' needs access.reads 'open'"],
      [{ access: { reads: 'closed' } }, `access.reads must be 'open' or 'key', got "closed"`],
      [{ access: { writes: 'key' } }, "unknown access setting 'writes'"],
      [{ requireKeyForReads: true, access: { reads: 'open' } }, 'contradicts'],
      [{ acess: { reads: 'key' } }, "unknown option 'acess'"],
      [{ limits: { maxBodyBytes: 0 } }, 'limits.maxBodyBytes must be an integer in [1, 2147483648], got 0'],
    ];
    for (const [opts, msg] of bad) {
      await expect(buildApp({ dataDir: `${tmp.dir}/bad`, ...opts } as never), JSON.stringify(opts)).rejects.toThrow(ConfigError);
      expect(() => resolveConfig({ dataDir: 'x', ...opts } as never)).toThrow(msg);
    }
  });
});

describe('upload limits', () => {
  it('default to what 10^6-row uploads need (128 MiB, 2 x 10^6 rows), not 1 GiB', () => {
    expect(DEFAULT_LIMITS.maxBodyBytes).toBe(128 * 1024 * 1024);
    expect(DEFAULT_LIMITS.maxSourcesPerUpload).toBe(2_000_000);
    // 10^6 sources as JSON with full-precision coordinates and a radius fit.
    const row = JSON.stringify({ id: '1234567890123456789', ra: 123.45678901234567, dec: -12.345678901234567, radius_arcsec: 1.5 });
    expect((row.length + 1) * 1e6).toBeLessThan(DEFAULT_LIMITS.maxBodyBytes);
  });

  it('are configurable: a body over limits.maxBodyBytes is a 413 that names the limit', async () => {
    const { app: a } = await app('small', { limits: { maxBodyBytes: 10_000 } });
    for (const [type, body] of [['text/csv', `id,ra,dec\n${'a,1,2\n'.repeat(2000)}`], ['application/json', JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ id: `s${i}`, ra: 1, dec: 2 })))]]) {
      const r = await a.inject({ method: 'POST', url: '/v1/sources', headers: { 'content-type': type }, payload: body });
      expect(r.statusCode, type).toBe(413);
      expect(json(r)).toMatchObject({ code: 'SKY_BODY_TOO_LARGE', message: 'request body is larger than 10000 bytes (the service\'s limits.maxBodyBytes)' });
    }
    expect((await a.inject({ method: 'POST', url: '/v1/sources', headers: { 'content-type': 'text/csv' }, payload: 'id,ra,dec\na,1,2\n' })).statusCode).toBe(201);
  });
});

describe('error messages quote at most ~200 characters of the input', () => {
  it('a 20 MB one-line CSV header, long ids, names, values and headers', async () => {
    const { app: a, key } = await app('quotes');
    const long = 'x'.repeat(20_000_000);
    const cases: Array<[string, Parameters<FastifyInstance['inject']>[0], number]> = [
      ['CSV header', { method: 'POST', url: '/v1/sources', headers: { 'content-type': 'text/csv' }, payload: `${long},ra,dec\n` }, 400],
      ['CSV ra', { method: 'POST', url: '/v1/sources', headers: { 'content-type': 'text/csv' }, payload: `id,ra,dec\na,${'9'.repeat(5000)}z,1\n` }, 400],
      ['CSV radius', { method: 'POST', url: '/v1/sources', headers: { 'content-type': 'text/csv' }, payload: `id,ra,dec,radius_arcsec\na,1,2,${'7'.repeat(5000)}q\n` }, 400],
      ['JSON id', { method: 'POST', url: '/v1/sources', payload: [{ id: 'i'.repeat(100_000), ra: 1, dec: 2 }] }, 400],
      ['JSON ra', { method: 'POST', url: '/v1/sources', payload: [{ id: 'a', ra: 'r'.repeat(100_000), dec: 2 }] }, 400],
      ['bad JSON', { method: 'POST', url: '/v1/sources', headers: { 'content-type': 'application/json' }, payload: `[${'{'.repeat(100_000)}` }, 400],
      ['catalog name', { method: 'GET', url: `/v1/catalogs/${'c'.repeat(90)}/cone?ra=1&dec=2` }, 404],
      ['column', { method: 'GET', url: `/v1/catalogs/gcvs/cone?ra=1&dec=2&columns=${'k'.repeat(50_000)}` }, 400],
      ['query field', { method: 'GET', url: `/v1/catalogs/gcvs/cone?ra=1&dec=2&${'q'.repeat(50_000)}=1` }, 400],
      ['upload id', { method: 'GET', url: `/v1/sources/${'u'.repeat(90)}/matches?catalog=gcvs` }, 404],
      ['route', { method: 'GET', url: `/v1/${'p'.repeat(50_000)}` }, 404],
      ['content type', { method: 'POST', url: '/v1/sources', headers: { 'content-type': `text/${'t'.repeat(50_000)}` }, payload: 'x' }, 415],
      ['accept', { method: 'POST', url: '/v1/xmatch?catalog=gcvs', headers: { accept: `text/${'a'.repeat(50_000)}` }, payload: [{ id: 'a', ra: 1, dec: 2 }] }, 406],
      ['watch list id', { method: 'GET', url: `/v1/watchlists/${'w'.repeat(90)}`, headers: { authorization: `Bearer ${key}` } }, 404],
    ];
    for (const [what, req, status] of cases) {
      const r = await a.inject(req);
      expect(r.statusCode, `${what}: ${r.body.slice(0, 300)}`).toBe(status);
      const m = json(r).message as string;
      expect(m.length, `${what}: ${m.slice(0, 400)}`).toBeLessThan(450);
      expect(m, what).not.toMatch(/(.)\1{230}/);
    }
    const header = json(await a.inject(cases[0][1]));
    expect(header.message).toBe(`CSV line 1: the header needs column id (got: ${'x'.repeat(200)}... (20000009 characters))`);
  });
});
