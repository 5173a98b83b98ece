// The service takes sources as VOTable or FITS and answers matches as
// VOTable (TOPCAT-style) or FITS by Accept; astropy reads the answers back.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/service/app.js';
import type { ServiceContext } from '../../src/service/context.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
const file = (name: string) => path.join(tmp.dir, name);
let app: FastifyInstance;
let near: Array<{ id: string; ra: number; dec: number }> = [];
const SCRIPT = path.join(import.meta.dirname, '../support/astropy_tables.py');

function astropyRead(bytes: Buffer | string, name: string): { columns: Record<string, Array<string | null>>; dtypes: Record<string, string>; units: Record<string, string | null>; ucds: Record<string, string | null> } {
  writeFileSync(file(name), bytes);
  return JSON.parse(execFileSync('/usr/bin/python3', [SCRIPT, 'read', file(name)]).toString());
}

beforeAll(async () => {
  app = await buildApp({ dataDir: tmp.dir, uploadTtlSeconds: 3600 });
  const ctx = (app as unknown as { skyjoin: ServiceContext }).skyjoin;
  const gcvs = ctx.catalogs.get('gcvs')!.catalog;
  // Sources 0.5" north of three GCVS stars, with ids past 2^53.
  near = [0, 100, 2000].map((row, k) => ({ id: String(9007199254740993n + BigInt(k)), ra: gcvs.ra[row], dec: gcvs.dec[row] + 0.5 / 3600 }));
  writeFileSync(file('src.csv'), ['id,ra,dec', ...near.map((s) => `${s.id},${s.ra},${s.dec}`)].join('\n') + '\n');
  execFileSync('stilts', ['tpipe', `in=${file('src.csv')}`, 'ifmt=csv', `out=${file('src.fits')}`, 'ofmt=fits']);
  execFileSync('stilts', ['tpipe', `in=${file('src.csv')}`, 'ifmt=csv', `out=${file('src.vot')}`, 'ofmt=votable-binary2-inline']);
});
afterAll(async () => {
  await app.close();
  tmp.cleanup();
});

describe('VOTable and FITS through the service', () => {
  it.each([['application/x-votable+xml', 'src.vot'], ['application/fits', 'src.fits']])('POST /v1/xmatch takes %s and answers a VOTable astropy reads', async (type, name) => {
    const r = await app.inject({
      method: 'POST', url: '/v1/xmatch?catalog=gcvs&radius_arcsec=2&columns=vartype',
      headers: { 'content-type': type, accept: 'application/x-votable+xml' }, payload: readFileSync(file(name)),
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/x-votable\+xml/);
    const t = astropyRead(r.body, `answer-${name}.vot`);
    expect(t.columns.source_id).toEqual(near.map((s) => s.id));
    for (const sep of t.columns.sep_arcsec) expect(Number(sep)).toBeCloseTo(0.5, 6);
    expect(t.units.sep_arcsec).toBe('arcsec');
    expect(t.ucds.sep_arcsec).toBe('pos.angDistance');
    expect(Object.keys(t.columns)).toEqual(['source_id', 'catalog_id', 'sep_arcsec', 'vartype']);
  });

  it('upload matches as FITS (64-bit ids) and as BINARY2 VOTable', async () => {
    const up = await app.inject({ method: 'POST', url: '/v1/sources', headers: { 'content-type': 'application/fits' }, payload: readFileSync(file('src.fits')) });
    expect(up.statusCode, up.body).toBe(201);
    const id = JSON.parse(up.body).id;
    const f = await app.inject({ method: 'GET', url: `/v1/sources/${id}/matches?catalog=gcvs&radius_arcsec=2`, headers: { accept: 'application/fits' } });
    expect(f.statusCode).toBe(200);
    expect(f.headers['content-type']).toBe('application/fits');
    const t = astropyRead(f.rawPayload, 'answer.fits');
    expect(t.columns.source_id).toEqual(near.map((s) => s.id));
    expect(t.dtypes.source_id).toMatch(/int64|i8/);
    expect(t.units.sep_arcsec).toBe('arcsec');
    const b = await app.inject({ method: 'GET', url: `/v1/sources/${id}/matches?catalog=gcvs&radius_arcsec=2`, headers: { accept: 'application/x-votable+xml;serialization=BINARY2' } });
    expect(b.body).toMatch(/<BINARY2>/);
    expect(astropyRead(b.body, 'answer-b2.vot').columns.source_id).toEqual(near.map((s) => s.id));
    const none = await app.inject({ method: 'GET', url: `/v1/sources/${id}/matches?catalog=gcvs&radius_arcsec=0.1`, headers: { accept: 'application/fits' } });
    expect(astropyRead(none.rawPayload, 'empty.fits').columns.source_id).toEqual([]);
  });

  it('answers 400 naming what is wrong in a table body', async () => {
    const bad = await app.inject({ method: 'POST', url: '/v1/xmatch?catalog=gcvs', headers: { 'content-type': 'application/fits' }, payload: Buffer.from('not fits at all') });
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'SKY_BAD_TABLE' });
    expect(JSON.parse(bad.body).message).toMatch(/^body is not a readable FITS table: not a FITS file/);
    const vot = readFileSync(file('src.vot'), 'utf8').replace('name="dec"', 'name="decl"');
    const missing = await app.inject({ method: 'POST', url: '/v1/xmatch?catalog=gcvs', headers: { 'content-type': 'application/x-votable+xml' }, payload: vot });
    expect(missing.statusCode).toBe(400);
    expect(JSON.parse(missing.body).message).toMatch(/VOTable: missing column 'dec' \(columns: id, ra, decl\)/);
  });
});
