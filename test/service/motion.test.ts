// The service's epoch parameter: cone, POST /v1/xmatch and upload matches
// move BSC5's rows (proper motions, parallax, rv) to the sources' epoch.

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArrowCatalog } from '../../src/catalog/arrow-catalog.js';
import { buildApp } from '../../src/service/app.js';
import type { ServiceContext } from '../../src/service/context.js';
import { separationArcsec } from '../../src/sky/vector.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
let app: FastifyInstance;
let bsc5: ArrowCatalog;
let row61: number;
// Where BSC5's 61 Cyg A (HR 8085) is at J2026.0, by its own motions.
let at2026 = { raDeg: 0, decDeg: 0 };

beforeAll(async () => {
  app = await buildApp({ dataDir: tmp.dir, uploadTtlSeconds: 3600 });
  const ctx = (app as unknown as { skyjoin: ServiceContext }).skyjoin;
  bsc5 = ctx.catalogs.get('bsc5')!.catalog;
  row61 = bsc5.ids().toArray().indexOf('HR8085');
  at2026 = bsc5.motion!.positionAt(row61, 2026);
});
afterAll(async () => {
  await app.close();
  tmp.cleanup();
});

const json = (r: { body: string }) => JSON.parse(r.body);

describe('epoch', () => {
  it('the catalog description says which columns move the rows', async () => {
    const d = json(await app.inject({ method: 'GET', url: '/v1/catalogs/bsc5' }));
    expect(d.motion).toEqual({ pm_ra: 'pmra', pm_dec: 'pmdec', parallax: 'parallax', rv: 'radvel', pm_unit: 'arcsec/yr', parallax_unit: 'arcsec', ref_epoch: 2000 });
    expect(json(await app.inject({ method: 'GET', url: '/v1/catalogs/gcvs' })).motion).toBeNull();
  });

  it('cone at an epoch finds 61 Cyg A where it is then, with its position then', async () => {
    const url = `/v1/catalogs/bsc5/cone?ra=${at2026.raDeg}&dec=${at2026.decDeg}&radius_arcsec=5`;
    const moved = json(await app.inject({ method: 'GET', url: `${url}&epoch=J2026.0` }));
    expect(moved.epoch).toBe(2026);
    expect(moved.rows.map((r: { id: string }) => r.id)).toEqual(['HR8085']);
    expect(moved.rows[0].sep_arcsec).toBeLessThan(1e-6);
    expect(separationArcsec(moved.rows[0].ra, moved.rows[0].dec, at2026.raDeg, at2026.decDeg)).toBeLessThan(1e-6);
    const still = json(await app.inject({ method: 'GET', url }));
    expect(still.count).toBe(0);
  });

  it('POST /v1/xmatch and upload matches move the catalog to ?epoch=', async () => {
    const sources = [{ id: 'a', ra: at2026.raDeg, dec: at2026.decDeg + 1 / 3600 }];
    const x = await app.inject({ method: 'POST', url: '/v1/xmatch?catalog=bsc5&radius_arcsec=3&epoch=MJD61041.0', payload: sources });
    expect(x.statusCode, x.body).toBe(200);
    expect(json(x).epoch).toBe(2026);
    expect(json(x).matches.map((m: { catalog_id: string }) => m.catalog_id)).toEqual(['HR8085']);
    expect(json(x).matches[0].sep_arcsec).toBeCloseTo(1, 6);
    const none = json(await app.inject({ method: 'POST', url: '/v1/xmatch?catalog=bsc5&radius_arcsec=3', payload: sources }));
    expect(none.matches).toEqual([]);
    const up = json(await app.inject({ method: 'POST', url: '/v1/sources', payload: sources }));
    const csv = await app.inject({ method: 'GET', url: `/v1/sources/${up.id}/matches?catalog=bsc5&radius_arcsec=3&epoch=J2026`, headers: { accept: 'text/csv' } });
    expect(csv.body.trim().split('\n')[1]).toMatch(/^a,HR8085,(1\.0000|0\.9999)/);
  });

  it('answers 400 naming epoch for a bad epoch or a catalog without motions', async () => {
    const bad = await app.inject({ method: 'GET', url: '/v1/catalogs/bsc5/cone?ra=1&dec=1&epoch=soon' });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).message).toMatch(/^epoch must look like J2016.0/);
    const far = await app.inject({ method: 'POST', url: '/v1/xmatch?catalog=bsc5&epoch=J99999', payload: [{ id: 'a', ra: 1, dec: 1 }] });
    expect(far.statusCode).toBe(400);
    expect(json(far).message).toMatch(/epoch 'J99999' must be a Julian year/);
    const still = await app.inject({ method: 'POST', url: '/v1/xmatch?catalog=gcvs&epoch=J2026', payload: [{ id: 'a', ra: 1, dec: 1 }] });
    expect(still.statusCode).toBe(400);
    expect(json(still).message).toMatch(/^epoch: catalog 'gcvs' has no proper motions/);
  });
});
