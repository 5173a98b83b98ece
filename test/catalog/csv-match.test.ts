// A CSV file streamed through an index of the other side, block by block on
// several threads, gives the very pairs, separations and order that indexing
// the file and probing with the other side gives (ties included), the same
// errors, and gives way (null) when a block cut falls inside a quoted field.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPlan } from '../../src/catalog/csv-blocks.js';
import { crossmatchCsvFile } from '../../src/catalog/csv-match.js';
import { readCatalogCsv } from '../../src/catalog/csv.js';
import { SkyIndex } from '../../src/match/sky-index.js';
import { seededRandom } from '../../src/sky/random.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A catalog with duplicated positions (ties) and rows across RA 0/360 and near the poles; sources near its rows. */
function write(n: number, seed: number, opts: { badEvery?: number; quotedNewlines?: boolean } = {}): { catalog: string; sources: string } {
  const r = seededRandom(seed);
  const cat = ['id,ra,dec,name'];
  const pos: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    let ra = r() * 360, dec = (Math.asin(2 * r() - 1) * 180) / Math.PI;
    if (i % 50 === 1) [ra, dec] = pos[i - 1]; // the same position twice: a tie in separation
    if (i % 97 === 0) ra = i % 2 ? 359.99999 : 0.00001;
    if (i % 193 === 0) dec = i % 2 ? 89.9999 : -89.9999;
    pos.push([ra, dec]);
    const bad = opts.badEvery && i % opts.badEvery === 5;
    const name = opts.quotedNewlines && i % 40 === 3 ? '"two\nlines"' : `n${i}`;
    cat.push(`${10_000_000_000_000_000_000n + BigInt(i)},${ra.toPrecision(17)},${bad ? '95' : dec.toPrecision(17)},${name}`);
  }
  const src = ['id,ra,dec'];
  for (let j = 0; j < n / 10; j++) {
    const [ra, dec] = pos[Math.floor(r() * n)];
    const d = Math.max(-90, Math.min(90, dec + (r() - 0.5) / 3600));
    src.push(`S${j},${((ra + (r() - 0.5) / 3600 + 360) % 360).toPrecision(17)},${d.toPrecision(17)}`);
  }
  const catalog = path.join(tmp.dir, `cat-${seed}.csv`), sources = path.join(tmp.dir, `src-${seed}.csv`);
  writeFileSync(catalog, `${cat.join('\n')}\n`);
  writeFileSync(sources, `${src.join('\n')}\n`);
  return { catalog, sources };
}

async function both(catalog: string, sources: string, mode: 'all' | 'best', plan: { callerReads?: boolean; blockBytes?: number }) {
  const [cat, src] = await Promise.all([readCatalogCsv(catalog, { threads: 1 }), readCatalogCsv(sources, { threads: 1 })]);
  const want = SkyIndex.build(cat.ra, cat.dec, 'zones', { rowIds: true }).crossmatch(src.ra, src.dec, { radiusArcsec: 1.5, mode });
  const base = await readPlan(catalog, { threads: 1 });
  const indexing = Promise.resolve({ index: SkyIndex.build(src.ra, src.dec, 'htm', { rowIds: true }), ra: src.ra, dec: src.dec });
  const got = await crossmatchCsvFile(catalog, {}, { ...base, threads: 3, blockBytes: 64 << 10, ...plan }, indexing, 1.5, mode);
  return { cat, want, got };
}

describe('streaming a CSV file through an index of the other side', () => {
  const { catalog, sources } = write(30_000, 1);

  it.each([
    ['all', { callerReads: false }], ['all', { callerReads: true }], ['best', { callerReads: true, blockBytes: 200_000 }],
  ] as const)('mode %s, %j: the same pairs, separations and order as indexing the file', async (mode, plan) => {
    const { cat, want, got } = await both(catalog, sources, mode, plan);
    expect(got).not.toBeNull();
    const m = got!.matches;
    expect(m.length).toBe(want.length);
    expect(want.length).toBeGreaterThan(2500);
    expect(got!.rows).toBe(cat.rows);
    for (let i = 0; i < m.length; i++) {
      expect(m.probe[i]).toBe(want.probe[i]);
      expect(got!.fileId(m.row[i])).toBe(cat.ids.get(want.row[i]));
      expect(m.sepArcsec[i]).toBe(want.sepArcsec[i]);
    }
  });

  it('bad rows: the same error as reading the file', async () => {
    const bad = write(20_000, 2, { badEvery: 700 });
    const one = await readCatalogCsv(bad.catalog, { threads: 1 }).catch((e: Error) => e.message);
    const src = await readCatalogCsv(bad.sources);
    const base = await readPlan(bad.catalog, { threads: 1 });
    const indexing = Promise.resolve({ index: SkyIndex.build(src.ra, src.dec), ra: src.ra, dec: src.dec });
    const many = await crossmatchCsvFile(bad.catalog, {}, { ...base, threads: 2, blockBytes: 50_000 }, indexing, 2, 'all').catch((e: Error) => e.message);
    expect(one).toMatch(/cat-2\.csv: stopped at 20 bad rows/);
    expect(many).toBe(one);
  });

  it('an index that fails to build fails the match (no thread left waiting)', async () => {
    const base = await readPlan(catalog, { threads: 1 });
    const failing = Promise.reject(new RangeError('sources: dec[3] must be in [-90, 90], got 91'));
    await expect(crossmatchCsvFile(catalog, {}, { ...base, threads: 2, blockBytes: 100_000 }, failing, 2, 'all')).rejects.toThrow('dec[3] must be in [-90, 90]');
  });

  it('gives way when a block cut falls inside a quoted field', async () => {
    const q = write(5_000, 3, { quotedNewlines: true });
    const src = await readCatalogCsv(q.sources);
    const base = await readPlan(q.catalog, { threads: 1 });
    const indexing = Promise.resolve({ index: SkyIndex.build(src.ra, src.dec), ra: src.ra, dec: src.dec });
    expect(await crossmatchCsvFile(q.catalog, {}, { ...base, threads: 2, blockBytes: 1000 }, indexing, 2, 'all')).toBeNull();
  });
});
