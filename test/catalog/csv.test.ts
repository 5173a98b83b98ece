import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CatalogInputError, readCatalogCsv } from '../../src/catalog/csv.js';
import { parseDecimal } from '../../src/catalog/csv-parse.js';
import { readParquetTable, writeParquetTable } from '../../src/catalog/parquet.js';
import { loadPositions, sniffFormat } from '../../src/catalog/positions.js';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const FIX = path.join(process.cwd(), 'test', 'fixtures', 'csv');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('CSV reader', () => {
  it('reads quoted fields, nulls, RA folding, gzip and CRLF', async () => {
    for (const f of ['good.csv', 'good.csv.gz']) {
      const t = await readCatalogCsv(path.join(FIX, f), { keep: ['mag', 'name'] });
      expect(t.ids.toArray()).toEqual(['1', '2', '3']);
      expect(Array.from(t.ra)).toEqual([10.5, 359.9999999, 359.5]);
      expect(Array.from(t.dec)).toEqual([-20.25, 89.9, 0]);
      const [mag, name] = t.extra.columns;
      expect(mag.type).toBe('float64');
      expect(Array.from(mag.valid!)).toEqual([1, 0, 1]);
      expect(name.values).toEqual(['Alpha, the first', 'say "hi"', 'plain']);
    }
    const c = await readCatalogCsv(path.join(FIX, 'crlf.csv'));
    expect(c.ids.toArray()).toEqual(['a', 'b']);
    expect(Array.from(c.dec)).toEqual([2, 4]);
  });

  it('reports every kind of bad row with file, line, column and reason', async () => {
    const file = path.join(FIX, 'bad-rows.csv');
    const t = await readCatalogCsv(file, { onBad: 'skip' });
    expect(t.ids.toArray()).toEqual(['1', '7']);
    expect(t.bad.map((b) => [b.line, b.column, b.reason])).toEqual([
      [3, 'id', 'missing id'],
      [4, 'ra', "ra must be a finite number of degrees, got 'abc'"],
      [5, 'dec', 'dec must be in [-90, 90], got 91.2'],
      [6, 'dec', "dec must be a number of degrees, got 'NaN'"],
      [7, 'mag', 'expected 4 fields, found 3'],
      [9, 'ra', 'missing ra'],
    ]);
    await expect(readCatalogCsv(file)).rejects.toThrow(`${file}:5: column 'dec': dec must be in [-90, 90], got 91.2`);
    await expect(readCatalogCsv(file, { maxErrors: 2 })).rejects.toSatisfy((e: CatalogInputError) => e.bad.length === 2);
    await expect(readCatalogCsv(path.join(FIX, 'no-id.csv'))).rejects.toThrow("no-id.csv:1: missing id column 'id' in the header (columns: name, ra, dec)");
  });

  it('parses decimals exactly as Number() does', () => {
    const enc = new TextEncoder();
    fc.assert(fc.property(fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.tuple(fc.integer({ min: -400, max: 400 }), fc.nat(99999999), fc.nat(30)).map(([a, b, z]) => `${a}.${'0'.repeat(z % 5)}${b}`),
      fc.stringMatching(/^-?\d{1,20}(\.\d{0,20})?$/),
    ), (s) => {
      const b = enc.encode(s);
      expect(Object.is(parseDecimal(b, 0, b.length), Number(s))).toBe(true);
    }), { numRuns: 5000 });
    for (const s of ['', 'abc', '0x10', 'Infinity', '1e', '.', '1,5']) {
      const b = enc.encode(s);
      expect(parseDecimal(b, 0, b.length)).toBeNaN();
    }
  });

  it('reads a real catalog (BSC5, 9,096 rows) with its kept columns', async () => {
    const t = await readCatalogCsv(path.join(SHARED_DATA, 'catalogs', 'bsc5.csv.gz'), { keep: ['vmag', 'name', 'hd'] });
    expect(t.rows).toBe(9096);
    expect(t.ids.get(0)).toBe('HR1');
    expect(t.extra.columns.map((c) => c.type)).toEqual(['float64', 'utf8', 'int32']);
  });
});

describe('Parquet and format sniffing', () => {
  it('round trip CSV -> Parquet -> read gives identical rows, nulls and int64', async () => {
    const t = await readCatalogCsv(path.join(FIX, 'good.csv'), { keep: ['mag', 'name'] });
    const file = path.join(tmp.dir, 'good.parquet');
    writeParquetTable(file, {
      length: t.rows,
      columns: [
        { name: 'id', type: 'utf8', values: t.ids.toArray() },
        { name: 'ra', type: 'float64', values: t.ra },
        { name: 'dec', type: 'float64', values: t.dec },
        { name: 'big', type: 'int64', values: BigInt64Array.of(2n ** 62n, -5n, 7n) },
        ...t.extra.columns,
      ],
    });
    expect(await sniffFormat(file)).toBe('parquet');
    const p = await readParquetTable(file, { keep: ['mag', 'name', 'big'] });
    expect(p.ids.toArray()).toEqual(t.ids.toArray());
    expect(Array.from(p.ra)).toEqual(Array.from(t.ra));
    expect(Array.from(p.dec)).toEqual(Array.from(t.dec));
    expect(Array.from(p.extra.columns[0].valid!)).toEqual([1, 0, 1]);
    expect(p.extra.columns[1].values).toEqual(['Alpha, the first', 'say "hi"', 'plain']);
    expect(p.extra.columns[2].type).toBe('int64');
    expect(Array.from(p.extra.columns[2].values as BigInt64Array)).toEqual([2n ** 62n, -5n, 7n]);
    const viaLoad = await loadPositions(file);
    expect(viaLoad.format).toBe('parquet');
  });

  it('reports bad rows in Parquet files too', async () => {
    const file = path.join(tmp.dir, 'bad.parquet');
    writeParquetTable(file, {
      length: 3,
      columns: [
        { name: 'id', type: 'utf8', values: ['a', 'b', ''] },
        { name: 'ra', type: 'float64', values: Float64Array.of(1, 2, 3) },
        { name: 'dec', type: 'float64', values: Float64Array.of(1, 95, 3) },
      ],
    });
    const t = await readParquetTable(file, { onBad: 'skip' });
    expect(t.ids.toArray()).toEqual(['a']);
    expect(t.bad.map((b) => [b.line, b.column])).toEqual([[3, 'dec'], [4, 'id']]);
    await expect(readParquetTable(file)).rejects.toThrow("column 'dec': dec must be in [-90, 90], got 95");
    writeFileSync(path.join(tmp.dir, 'junk.parquet'), 'PAR1 not really');
    await expect(readParquetTable(path.join(tmp.dir, 'junk.parquet'))).rejects.toThrow('not a readable Parquet file');
  });
});
