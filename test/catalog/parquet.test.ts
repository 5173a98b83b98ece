import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } from 'hyparquet';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { CatalogInputError, readCatalogCsv, type BadRow } from '../../src/catalog/csv.js';
import { readParquetTable, writeParquetTable, type ParquetCodec } from '../../src/catalog/parquet.js';
import { loadPositions } from '../../src/catalog/positions.js';
import { cellValue, type Column, type ColumnTable } from '../../src/catalog/table.js';
import { tempDir } from '../support/tmp.js';

const FIX = path.join(process.cwd(), 'test', 'fixtures', 'csv');
const tmp = tempDir();
afterAll(() => tmp.cleanup());
let seq = 0;
const out = (name = 'x') => path.join(tmp.dir, `${name}-${seq++}.parquet`);
const cells = (c: Column, n: number) => Array.from({ length: n }, (_, i) => cellValue(c, i));
const rowsOf = (bad: BadRow[]) => bad.map((b) => [b.line, b.column, b.value, b.reason]);

/** A table of n rows with every column type, nulls and values at the edges of their types. */
function sample(n: number): ColumnTable {
  const valid = (k: number) => Uint8Array.from({ length: n }, (_, i) => (i % k === 3 ? 0 : 1));
  return {
    length: n,
    columns: [
      { name: 'id', type: 'utf8', values: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? `é-${i}` : `s${i}`)) },
      { name: 'ra', type: 'float64', values: Float64Array.from({ length: n }, (_, i) => (i * 0.7371) % 360) },
      { name: 'dec', type: 'float64', values: Float64Array.from({ length: n }, (_, i) => ((i * 0.3141) % 180) - 90) },
      { name: 'big', type: 'int64', values: BigInt64Array.from({ length: n }, (_, i) => (i % 2 ? 2n ** 62n + BigInt(i) : -(2n ** 63n) + BigInt(i))), valid: valid(7) },
      { name: 'small', type: 'int32', values: Int32Array.from({ length: n }, (_, i) => (i % 3 ? 2147483647 - i : -2147483648 + i)) },
      { name: 'mag', type: 'float64', values: Float64Array.from({ length: n }, (_, i) => i / 7), valid: valid(11) },
      { name: 'flag', type: 'bool', values: Uint8Array.from({ length: n }, (_, i) => i % 2), valid: valid(13) },
      { name: 'note', type: 'utf8', values: Array.from({ length: n }, (_, i) => (i % 17 === 3 ? '' : `n,"${i}"`)), valid: valid(17) },
    ],
  };
}

describe('Parquet round trip', () => {
  it('CSV -> Parquet -> read gives identical ids, ra, dec and kept columns (nulls, int64)', async () => {
    const csv = await readCatalogCsv(path.join(FIX, 'types.csv'), { keep: ['i32', 'i64', 'f64', 'flag', 'text'] });
    const file = out('types');
    writeParquetTable(file, {
      length: csv.rows,
      columns: [
        { name: 'id', type: 'utf8', values: csv.ids.toArray() },
        { name: 'ra', type: 'float64', values: csv.ra },
        { name: 'dec', type: 'float64', values: csv.dec },
        ...csv.extra.columns,
      ],
    });
    const p = await readParquetTable(file, { keep: ['i32', 'i64', 'f64', 'flag', 'text'] });
    expect(p.ids.toArray()).toEqual(csv.ids.toArray());
    expect(p.ra).toEqual(csv.ra);
    expect(p.dec).toEqual(csv.dec);
    expect(p.extra.columns.map((c) => c.type)).toEqual(csv.extra.columns.map((c) => c.type));
    for (let k = 0; k < csv.extra.columns.length; k++) expect(cells(p.extra.columns[k], p.rows)).toEqual(cells(csv.extra.columns[k], csv.rows));
    expect(cells(p.extra.columns[1], 4)).toEqual([9007199254740993n, -(2n ** 63n), 3n, null]);
  });

  it('keeps row order across many row groups, for every type and codec', async () => {
    const n = 5003;
    const t = sample(n);
    const codecs: ParquetCodec[] = ['SNAPPY', 'GZIP', 'BROTLI', 'UNCOMPRESSED'];
    for (const codec of codecs) {
      const file = out(codec);
      writeParquetTable(file, t, { note: 'kept' }, { codec, rowGroupSize: 700 });
      const meta = await parquetMetadataAsync(await asyncBufferFromFile(file));
      expect(meta.row_groups.length).toBe(Math.ceil(n / 700));
      expect(meta.row_groups[0].columns[0].meta_data?.codec).toBe(codec);
      expect(meta.key_value_metadata).toContainEqual({ key: 'note', value: 'kept' });
      const keep = ['big', 'small', 'mag', 'flag', 'note'];
      const p = await readParquetTable(file, { keep });
      expect(p.ids.toArray()).toEqual(t.columns[0].values);
      expect(p.ra).toEqual(t.columns[1].values);
      expect(p.dec).toEqual(t.columns[2].values);
      for (const [k, name] of keep.entries()) {
        const want = t.columns.find((c) => c.name === name)!;
        expect(p.extra.columns[k].type).toBe(want.type);
        expect(cells(p.extra.columns[k], n)).toEqual(cells(want, n));
      }
    }
  });

  it('puts row groups back in file order when they finish out of order (a big group, then small ones)', async () => {
    // hyparquet decodes row groups concurrently and reports each when done: here the
    // small groups finish before the big first one (a reader that appended runs as
    // they came returned these 30,000 rows shuffled).
    const n = 30_000;
    const file = out('uneven');
    parquetWriteFile({
      filename: file,
      rowGroupSize: [25_000, 1000],
      columnData: [
        { name: 'id', type: 'STRING', data: Array.from({ length: n }, (_, i) => `s${i}`) },
        { name: 'ra', type: 'DOUBLE', data: Float64Array.from({ length: n }, (_, i) => i % 360) },
        { name: 'dec', type: 'DOUBLE', data: Float64Array.from({ length: n }, (_, i) => (i % 180) - 90) },
      ],
    });
    const p = await readParquetTable(file);
    const ids = p.ids.toArray();
    let inOrder = 0;
    for (let i = 0; i < n; i++) if (ids[i] === `s${i}` && p.ra[i] === i % 360 && p.dec[i] === (i % 180) - 90) inOrder++;
    expect(inOrder).toBe(n);
  });

  it('writes a column with `valid` as OPTIONAL and one without as REQUIRED', async () => {
    const file = out('rep');
    writeParquetTable(file, sample(10));
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(file));
    const rep = Object.fromEntries(parquetSchema(meta).children.map((c) => [c.element.name, c.element.repetition_type]));
    expect(rep).toMatchObject({ id: 'REQUIRED', ra: 'REQUIRED', big: 'OPTIONAL', flag: 'OPTIONAL', note: 'OPTIONAL' });
  });

  it('is told apart from CSV by loadPositions (magic bytes)', async () => {
    const file = out('sniff');
    writeParquetTable(file, sample(20));
    const p = await loadPositions(file, { keep: ['mag'] });
    expect([p.format, p.rows, p.extra.columns[0].type]).toEqual(['parquet', 20, 'float64']);
  });

  it('writes and reads an empty table', async () => {
    const file = out('empty');
    writeParquetTable(file, { length: 0, columns: sample(0).columns });
    const p = await readParquetTable(file, { keep: ['big'] });
    expect([p.rows, p.ids.length, p.ra.length, p.extra.columns[0].values.length]).toEqual([0, 0, 0, 0]);
  });

  it('reads integer ids as decimal text, integer positions as numbers, timestamps as ISO text', async () => {
    const file = out('foreign');
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'objid', type: 'INT64', data: BigInt64Array.of(1237648720693755918n, 5n) },
        { name: 'ra', type: 'INT32', data: Int32Array.of(-10, 400) },
        { name: 'dec', type: 'DOUBLE', data: Float64Array.of(1, 2) },
        { name: 'seen', type: 'TIMESTAMP', data: [new Date(Date.UTC(2024, 4, 19, 3, 4, 5)), null] },
      ],
    });
    const p = await readParquetTable(file, { idCol: 'objid', keep: ['seen'] });
    expect(p.ids.toArray()).toEqual(['1237648720693755918', '5']);
    expect(Array.from(p.ra)).toEqual([350, 40]);
    expect(p.extra.columns[0].type).toBe('utf8');
    expect(cells(p.extra.columns[0], 2)).toEqual(['2024-05-19T03:04:05.000Z', null]);
  });

  it('refuses a malformed table with an error naming the column', () => {
    const file = out('bad-table');
    const t = sample(4);
    expect(() => writeParquetTable(file, { length: 5, columns: t.columns })).toThrow("column 'id' has 4 values, table.length is 5");
    expect(() => writeParquetTable(file, { length: 4, columns: [t.columns[0], t.columns[0]] })).toThrow("column 'id' appears twice");
    expect(() => writeParquetTable(file, { length: 4, columns: [{ ...t.columns[1], type: 'int32' }] })).toThrow("column 'ra': values do not match type int32");
    expect(() => writeParquetTable(file, t, {}, { codec: 'LZO' as ParquetCodec })).toThrow(RangeError);
  });
});

describe('Parquet bad input is loud', () => {
  // The bad-rows CSV fixture as a Parquet file of text columns: same rows, same checks, same lines.
  async function badRowsAsParquet(): Promise<string> {
    const lines = (await import('node:fs')).readFileSync(path.join(FIX, 'bad-rows.csv'), 'utf8').split('\n').slice(1);
    const rows = lines.map((l) => l.split(',')).filter((f) => f.length === 4);
    const file = out('bad-rows');
    // Blank or null ids: '' and null alike are missing.
    writeParquetTable(file, {
      length: rows.length,
      columns: ['id', 'ra', 'dec', 'mag'].map((name, k) => ({ name, type: 'utf8' as const, values: rows.map((r) => r[k].trim()) })),
    });
    return file;
  }

  it("reports every bad row with the CSV reader's columns and reasons; line = data row + 1", async () => {
    const file = await badRowsAsParquet();
    const t = await readParquetTable(file, { onBad: 'skip' });
    expect(t.ids.toArray()).toEqual(['1', '7', '14']);
    expect(Array.from(t.ra)).toEqual([10, 15, 330]);
    expect(rowsOf(t.bad)).toEqual([
      [3, 'id', '', 'missing id'],
      [4, 'ra', 'abc', "ra must be a finite number of degrees, got 'abc'"],
      [5, 'dec', '91.2', 'dec must be in [-90, 90], got 91.2'],
      [6, 'dec', 'NaN', 'dec must be in [-90, 90], got NaN'],
      [8, 'ra', '', 'missing ra'],
      [9, 'ra', 'Infinity', 'ra must be a finite number of degrees, got Infinity'],
      [10, 'ra', 'nan', 'ra must be a finite number of degrees, got NaN'],
      [11, 'dec', '-90.5', 'dec must be in [-90, 90], got -90.5'],
      [12, 'dec', 'x', "dec must be in [-90, 90], got 'x'"],
      [13, 'id', '', 'missing id'],
      [15, 'ra', '1e400', 'ra must be a finite number of degrees, got Infinity'],
    ]);
    const e = (await readParquetTable(file, { maxErrors: 3 }).catch((x: unknown) => x)) as CatalogInputError;
    expect(e).toBeInstanceOf(CatalogInputError);
    expect(e.bad.length).toBe(3);
    expect(e.message).toContain(`${file}:5: column 'dec': dec must be in [-90, 90], got 91.2`);
  });

  it('reports nulls and NaN in numeric columns, and keeps the kept columns of good rows only', async () => {
    const file = out('nulls');
    writeParquetTable(file, {
      length: 4,
      columns: [
        { name: 'id', type: 'utf8', values: ['a', 'b', 'c', 'd'], valid: Uint8Array.of(1, 1, 0, 1) },
        { name: 'ra', type: 'float64', values: Float64Array.of(1, NaN, 3, 4), valid: Uint8Array.of(1, 1, 1, 0) },
        { name: 'dec', type: 'float64', values: Float64Array.of(1, 2, 3, 4) },
        { name: 'k', type: 'int64', values: BigInt64Array.of(10n, 20n, 30n, 40n) },
      ],
    });
    const t = await readParquetTable(file, { onBad: 'skip', keep: ['k'] });
    expect(rowsOf(t.bad)).toEqual([
      [3, 'ra', 'NaN', 'ra must be a finite number of degrees, got NaN'],
      [4, 'id', '', 'missing id'],
      [5, 'ra', '', 'missing ra'],
    ]);
    expect(t.ids.toArray()).toEqual(['a']);
    expect(t.extra).toEqual({ length: 1, columns: [{ name: 'k', type: 'int64', values: BigInt64Array.of(10n) }] });
  });

  it('names missing columns, and refuses files that are not Parquet', async () => {
    const file = out('cols');
    writeParquetTable(file, sample(3));
    await expect(readParquetTable(file, { raCol: 'alpha', keep: ['zz'] })).rejects.toThrow(
      `${file}: missing ra column 'alpha' in the schema (columns: id, ra, dec, big, small, mag, flag, note); also missing: kept column 'zz'`);
    await expect(readParquetTable(file, { decCol: 'flag' })).rejects.toThrow("column 'flag' holds booleans, not degrees");
    const junk = path.join(tmp.dir, 'junk.parquet');
    writeFileSync(junk, 'PAR1 not really');
    await expect(readParquetTable(junk)).rejects.toThrow(`${junk}: not a readable Parquet file`);
    await expect(readParquetTable(path.join(tmp.dir, 'none.parquet'))).rejects.toThrow(/none\.parquet: cannot open: no such file or folder \(ENOENT\)/);
  });

  it('says which compression it cannot read', async () => {
    const file = out('lz4');
    // A file that claims LZ4_RAW (the bytes are not really compressed: reading must stop at the codec).
    parquetWriteFile({
      filename: file, codec: 'LZ4_RAW', compressors: { LZ4_RAW: (b: Uint8Array) => b },
      columnData: [
        { name: 'id', type: 'STRING', data: ['a'] },
        { name: 'ra', type: 'DOUBLE', data: Float64Array.of(1) },
        { name: 'dec', type: 'DOUBLE', data: Float64Array.of(2) },
      ],
    });
    await expect(readParquetTable(file)).rejects.toThrow(/data compressed with LZ4_RAW, which cannot be read here \(Node v\d+\.\d+\.\d+ reads UNCOMPRESSED, SNAPPY, GZIP, BROTLI/);
  });
});
