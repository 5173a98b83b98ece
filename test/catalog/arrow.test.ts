import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as A from 'apache-arrow';
import { readFileSync } from 'node:fs';
import { ArrowCatalog, writeArrowCatalog } from '../../src/catalog/arrow-catalog.js';
import { SkyIndex } from '../../src/match/sky-index.js';
import { byNumber, edgeSky, randomSky } from '../support/sky.js';
import { SCHEMES } from '../support/schemes.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function sample(n: number, seed: number) {
  const sky = randomSky(n, seed);
  const e = edgeSky();
  const ra = Float64Array.from([...sky.ra, ...e.ra]);
  const dec = Float64Array.from([...sky.dec, ...e.dec]);
  const m = ra.length;
  return {
    ra, dec,
    ids: { name: 'id', type: 'utf8' as const, values: Array.from({ length: m }, (_, i) => `S${i}`) },
    extra: {
      length: m,
      columns: [
        { name: 'mag', type: 'float64' as const, values: Float64Array.from({ length: m }, (_, i) => 10 + (i % 7)), valid: Uint8Array.from({ length: m }, (_, i) => (i % 5 ? 1 : 0)) },
        { name: 'big', type: 'int64' as const, values: BigInt64Array.from({ length: m }, (_, i) => 2n ** 60n + BigInt(i)) },
        { name: 'kind', type: 'utf8' as const, values: Array.from({ length: m }, (_, i) => (i % 2 ? 'star' : 'galaxy')) },
      ],
    },
  };
}

describe.each(SCHEMES)('Arrow catalog, scheme %j', (scheme) => {
  it('round trip: every query equals the in-memory index on the same rows', async () => {
    const s = sample(3000, 5);
    const file = path.join(tmp.dir, `c-${JSON.stringify(scheme).replace(/\W/g, '')}.arrow`);
    const info = await writeArrowCatalog(file, { name: 'test', ids: s.ids, ra: s.ra, dec: s.dec, extra: s.extra, scheme });
    expect(info.rows).toBe(s.ra.length);
    const cat = ArrowCatalog.open(file);
    expect(cat.info.scheme).toEqual(scheme);
    expect(cat.length).toBe(s.ra.length);
    const mem = SkyIndex.build(s.ra, s.dec, scheme);
    const probes = randomSky(200, 9);
    for (const r of [0, 2, 600, 7200, 40 * 3600]) {
      const a = mem.crossmatch(probes.ra, probes.dec, { radiusArcsec: r });
      const b = cat.index.crossmatch(probes.ra, probes.dec, { radiusArcsec: r });
      // Catalog rows are in key order: map them back to input rows through the ids.
      const pa = Array.from({ length: a.length }, (_, i) => `${a.probe[i]}:${s.ids.values[a.row[i]]}:${a.sepArcsec[i]}`);
      const pb = Array.from({ length: b.length }, (_, i) => `${b.probe[i]}:${cat.id(b.row[i])}:${b.sepArcsec[i]}`);
      // Ties (duplicate positions) order by row, and rows are numbered differently: compare as sets.
      expect(pb.sort()).toEqual(pa.sort());
    }
    for (let q = 0; q < 30; q++) {
      const want = Array.from(mem.cone(s.ra[q], s.dec[q], 3600)).map((r) => s.ids.values[r]).sort();
      const got = Array.from(cat.index.cone(s.ra[q], s.dec[q], 3600)).map((r) => cat.id(r)).sort();
      expect(got).toEqual(want);
    }
    // Kept columns come back with their types and nulls, in catalog row order.
    const row = Array.from(cat.index.cone(s.ra[7], s.dec[7], 0))[0];
    expect(cat.id(row)).toBe('S7');
    expect(cat.values([row], ['mag', 'big', 'kind'])[0]).toEqual({ mag: 10, big: (2n ** 60n + 7n).toString(), kind: 'star' });
    const row5 = Array.from(cat.index.cone(s.ra[5], s.dec[5], 0)).find((r) => cat.id(r) === 'S5')!;
    expect(cat.values([row5], ['mag'])[0]).toEqual({ mag: null });
    expect(() => cat.values([row], ['nope'])).toThrow("has no column 'nope'");
  });
});

describe('Arrow catalog file', () => {
  it('is a plain Arrow IPC file with the index in columns and metadata', async () => {
    const s = sample(500, 3);
    const file = path.join(tmp.dir, 'plain.arrow');
    await writeArrowCatalog(file, { name: 'plain', ids: s.ids, ra: s.ra, dec: s.dec, scheme: 'zones' });
    const t = A.tableFromIPC(readFileSync(file));
    expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'ra', 'dec', '_key', '_x', '_y', '_z', '_run']);
    const keys = t.getChild('_key')!.toArray() as Float64Array;
    for (let i = 1; i < keys.length; i++) expect(keys[i]).toBeGreaterThanOrEqual(keys[i - 1]);
    const meta = JSON.parse(t.schema.metadata.get('skyjoin.catalog')!);
    expect(meta).toMatchObject({ format: 'skyjoin-catalog', name: 'plain', rows: s.ra.length });
  });

  it('views its columns in the mapped file without copying', async () => {
    const s = sample(200, 4);
    const file = path.join(tmp.dir, 'view.arrow');
    await writeArrowCatalog(file, { name: 'view', ids: s.ids, ra: s.ra, dec: s.dec, scheme: { kind: 'zones', zoneHeightDeg: 1 } });
    const cat = ArrowCatalog.open(file);
    // Each column is its own mapping of the file: views, not copies.
    expect(cat.index.keys.buffer).not.toBe(cat.ra.buffer);
    const bytes = readFileSync(file);
    const at = (v: Float64Array) => bytes.indexOf(Buffer.from(v.buffer, v.byteOffset, 64));
    expect(at(cat.index.keys)).toBeGreaterThan(0);
    expect(at(cat.index.x)).toBeGreaterThan(0);
    expect(at(cat.ra)).toBeGreaterThan(0);
  });

  it('handles tiny and empty catalogs (run table rebuilt at open)', async () => {
    const file = path.join(tmp.dir, 'tiny.arrow');
    await writeArrowCatalog(file, { name: 'tiny', ids: { name: 'id', type: 'int32', values: Int32Array.of(7, 8) }, ra: Float64Array.of(10, 350), dec: Float64Array.of(0, 0), scheme: { kind: 'zones', zoneHeightDeg: 0.1 } });
    const cat = ArrowCatalog.open(file);
    expect(cat.info.runColumn).toBe(false);
    expect(Array.from(cat.index.cone(10, 0, 1)).map((r) => cat.id(r))).toEqual(['7']);
    const efile = path.join(tmp.dir, 'empty.arrow');
    await writeArrowCatalog(efile, { name: 'empty', ids: { name: 'id', type: 'utf8', values: [] }, ra: new Float64Array(0), dec: new Float64Array(0) });
    expect(ArrowCatalog.open(efile).index.cone(0, 0, 3600 * 180).length).toBe(0);
  });

  it('refuses files that are not skyjoin catalogs', () => {
    const file = path.join(tmp.dir, 'other.arrow');
    const t = new A.Table({ a: A.makeVector(Float64Array.of(1, 2)) });
    require('node:fs').writeFileSync(file, A.tableToIPC(t, 'file'));
    expect(() => ArrowCatalog.open(file)).toThrow('not a skyjoin catalog');
    const bad = path.join(tmp.dir, 'bad.arrow');
    require('node:fs').writeFileSync(bad, 'hello world, not arrow');
    expect(() => ArrowCatalog.open(bad)).toThrow('not an Arrow IPC file');
  });
});

void byNumber;
