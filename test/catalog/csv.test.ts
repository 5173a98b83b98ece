import fc from 'fast-check';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CatalogInputError, readCatalogCsv, type BadRow } from '../../src/catalog/csv.js';
import { parseDecimal } from '../../src/catalog/csv-parse.js';
import { cellValue } from '../../src/catalog/table.js';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const FIX = path.join(process.cwd(), 'test', 'fixtures', 'csv');
const fix = (name: string) => path.join(FIX, name);
const tmp = tempDir();
afterAll(() => tmp.cleanup());

const rowsOf = (bad: BadRow[]) => bad.map((b) => [b.line, b.column, b.value, b.reason]);

describe('readCatalogCsv: good input', () => {
  it('reads quoted fields, nulls, kept columns and folds ra, from plain and gzip files alike', async () => {
    for (const f of ['good.csv', 'good.csv.gz']) {
      const t = await readCatalogCsv(fix(f), { keep: ['mag', 'name'] });
      expect(t.rows).toBe(3);
      expect(t.ids.toArray()).toEqual(['1', '2', '3']);
      expect(Array.from(t.ra)).toEqual([10.5, 359.9999999, 359.5]);
      expect(Array.from(t.dec)).toEqual([-20.25, 89.9, 0]);
      expect(t.bad).toEqual([]);
      const [mag, name] = t.extra.columns;
      expect(t.extra.length).toBe(3);
      expect([mag.name, mag.type, Array.from(mag.valid!)]).toEqual(['mag', 'float64', [1, 0, 1]]);
      expect([cellValue(mag, 0), cellValue(mag, 1), cellValue(mag, 2)]).toEqual([12.5, null, 7]);
      expect(name.values).toEqual(['Alpha, the first', 'say "hi"', 'plain']);
      expect(name.valid).toBeUndefined();
    }
  });

  it('tells gzip by its magic bytes, not by its name', async () => {
    const gzNamedCsv = path.join(tmp.dir, 'really-gzip.csv');
    const csvNamedGz = path.join(tmp.dir, 'really-plain.csv.gz');
    copyFileSync(fix('good.csv.gz'), gzNamedCsv);
    copyFileSync(fix('good.csv'), csvNamedGz);
    for (const f of [gzNamedCsv, csvNamedGz]) expect((await readCatalogCsv(f)).ids.toArray()).toEqual(['1', '2', '3']);
  });

  it('keeps quoted ids exactly, trims unquoted ones, and counts lines inside quoted fields', async () => {
    const t = await readCatalogCsv(fix('quoted.csv'), { keep: ['name'], onBad: 'skip' });
    expect(t.ids.toArray()).toEqual(['HR 1', ' spaced id ', 'c3', 'c4']);
    expect(t.extra.columns[0].values).toEqual(['Alpha, the first', 'quoted after a blank', 'two\nlines', 'say "hi"']);
    // The header has a BOM and blanks around names; the bad row comes after a two-line record.
    expect(rowsOf(t.bad)).toEqual([[7, 'dec', '95', 'dec must be in [-90, 90], got 95']]);
  });

  it('reads CRLF files, also with CRLF inside a quoted field', async () => {
    const a = await readCatalogCsv(fix('crlf.csv'));
    expect(a.ids.toArray()).toEqual(['a', 'b']);
    expect(Array.from(a.dec)).toEqual([2, 4]);
    const b = await readCatalogCsv(fix('crlf-quoted.csv'), { keep: ['name'] });
    expect(b.ids.toArray()).toEqual(['a', 'b']);
    expect(b.extra.columns[0].values).toEqual(['x\r\ny', 'plain']);
  });

  it('reads renamed columns and ignores the others', async () => {
    const t = await readCatalogCsv(fix('renamed.csv'), { idCol: 'name', raCol: 'alpha', decCol: 'delta' });
    expect(t.ids.toArray()).toEqual(['M 31', 'M 33']);
    expect(Array.from(t.ra)).toEqual([10.6847, 23.4621]);
    expect(Array.from(t.dec)).toEqual([41.269, 30.6599]);
    expect(t.extra.columns).toEqual([]);
  });

  it('types kept columns from their values: int32, int64, float64 (nan, inf), bool, utf8, nulls', async () => {
    const names = ['i32', 'i64', 'f64', 'flag', 'text', 'empty', 'mixed'];
    const t = await readCatalogCsv(fix('types.csv'), { keep: names });
    const col = Object.fromEntries(t.extra.columns.map((c) => [c.name, c]));
    expect(t.extra.columns.map((c) => c.type)).toEqual(['int32', 'int64', 'float64', 'bool', 'utf8', 'utf8', 'utf8']);
    expect(Array.from(col.i32.values as Int32Array)).toEqual([1, -2147483648, 2147483647, 0]);
    expect(Array.from(col.i32.valid!)).toEqual([1, 1, 1, 0]);
    expect(Array.from(col.i64.values as BigInt64Array)).toEqual([9007199254740993n, -(2n ** 63n), 3n, 0n]);
    expect(Array.from(col.f64.values as Float64Array)).toEqual([1.5, NaN, -Infinity, NaN]);
    expect(Array.from(col.f64.valid!)).toEqual([1, 1, 1, 0]);
    expect([0, 1, 2, 3].map((i) => cellValue(col.flag, i))).toEqual([true, false, true, null]);
    expect([0, 1, 2, 3].map((i) => cellValue(col.text, i))).toEqual(['a', null, 'é', 'd']);
    expect(Array.from(col.empty.valid!)).toEqual([0, 0, 0, 0]);
    expect(col.mixed.values).toEqual(['1', '2.5', 'x', '']);
  });

  it('reports progress as rows kept and file bytes read, ending at the file size', async () => {
    const file = path.join(SHARED_DATA, 'catalogs', 'bsc5.csv.gz');
    const seen: Array<[number, number]> = [];
    const t = await readCatalogCsv(file, { onProgress: (rows, bytes) => seen.push([rows, bytes]) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toEqual([t.rows, statSync(file).size]);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i][0]).toBeGreaterThanOrEqual(seen[i - 1][0]);
      expect(seen[i][1]).toBeGreaterThanOrEqual(seen[i - 1][1]);
    }
  });

  it('reads real catalogs with the right row counts and kept column types (BSC5, OpenNGC)', async () => {
    const bsc = await readCatalogCsv(path.join(SHARED_DATA, 'catalogs', 'bsc5.csv.gz'), { keep: ['vmag', 'name', 'hd'] });
    expect(bsc.rows).toBe(9096);
    expect(bsc.ids.get(0)).toBe('HR1');
    expect(bsc.extra.columns.map((c) => c.type)).toEqual(['float64', 'utf8', 'int32']);
    const ngc = await readCatalogCsv(path.join(SHARED_DATA, 'catalogs', 'openngc_v20210306.csv.gz'), { keep: ['name', 'mag', 'type_code'] });
    expect(ngc.rows).toBe(13950);
    expect(ngc.bad).toEqual([]);
    const ids = ngc.ids.toArray();
    const m31 = ids.indexOf('NGC0224');
    expect(m31).toBeGreaterThanOrEqual(0);
    expect(ngc.ra[m31]).toBeCloseTo(10.68, 1);
    expect(ngc.dec[m31]).toBeCloseTo(41.27, 1);
    expect(ngc.extra.columns.map((c) => c.type)).toEqual(['utf8', 'float64', 'int32']);
  });
});

describe('readCatalogCsv: bad input is loud', () => {
  const ALL_BAD = [
    [3, 'id', '', 'missing id'],
    [4, 'ra', 'abc', "ra must be a finite number of degrees, got 'abc'"],
    [5, 'dec', '91.2', 'dec must be in [-90, 90], got 91.2'],
    [6, 'dec', 'NaN', 'dec must be in [-90, 90], got NaN'],
    [7, 'mag', '6,14,24', 'expected 4 fields, found 3'],
    [9, 'ra', '', 'missing ra'],
    [10, 'ra', 'Infinity', 'ra must be a finite number of degrees, got Infinity'],
    [11, 'ra', 'nan', 'ra must be a finite number of degrees, got NaN'],
    [12, 'dec', '-90.5', 'dec must be in [-90, 90], got -90.5'],
    [13, 'dec', 'x', "dec must be in [-90, 90], got 'x'"],
    [14, 'mag', '13,18,27,5,extra', 'expected 4 fields, found 5'],
    [15, 'id', '', 'missing id'],
    [19, 'ra', '1e400', 'ra must be a finite number of degrees, got Infinity'],
  ];

  it("'skip' returns every bad row with file, line, column, value and reason, and the good rows", async () => {
    const file = fix('bad-rows.csv');
    const t = await readCatalogCsv(file, { onBad: 'skip', keep: ['mag'] });
    expect(rowsOf(t.bad)).toEqual(ALL_BAD);
    expect(t.bad.every((b) => b.file === file)).toBe(true);
    expect(t.ids.toArray()).toEqual(['1', '7', '14']);
    expect(Array.from(t.ra)).toEqual([10, 15, 330]);
    expect(t.extra.length).toBe(3);
    expect(Array.from(t.extra.columns[0].values as Int32Array)).toEqual([5, 5, 5]);
  });

  it("'fail' (the default) throws a CatalogInputError listing them as file:line: column 'c': reason", async () => {
    const file = fix('bad-rows.csv');
    const err = await readCatalogCsv(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CatalogInputError);
    const e = err as CatalogInputError;
    expect(rowsOf(e.bad)).toEqual(ALL_BAD);
    expect(e.message).toContain(`${file}: 13 bad rows:\n`);
    expect(e.message).toContain(`${file}:5: column 'dec': dec must be in [-90, 90], got 91.2\n`);
    expect(e.message).toContain(`${file}:7: column 'mag': expected 4 fields, found 3`);
  });

  it("'fail' stops at maxErrors and says so", async () => {
    const file = fix('bad-rows.csv');
    const e = (await readCatalogCsv(file, { maxErrors: 2 }).catch((x: unknown) => x)) as CatalogInputError;
    expect(rowsOf(e.bad)).toEqual(ALL_BAD.slice(0, 2));
    expect(e.message.split('\n')[0]).toBe(`${file}: stopped at 2 bad rows (maxErrors = 2; onBad 'skip' collects them all):`);
  });

  it('reports malformed quoting and goes on at the next line', async () => {
    const t = await readCatalogCsv(fix('bad-quote.csv'), { onBad: 'skip' });
    expect(t.ids.toArray()).toEqual(['1', '3', '5']);
    expect(t.bad.map((b) => [b.line, b.column, b.reason])).toEqual([
      [3, 'ra', 'unexpected character after a quoted field'],
      [5, 'ra', 'unexpected character after a quoted field'],
      [7, 'dec', 'unterminated quoted field'],
    ]);
    expect(t.bad[0].value).toBe('2,"2,2');
  });

  it('names the file, every missing column and the header when the header lacks a column', async () => {
    const file = fix('no-id.csv');
    await expect(readCatalogCsv(file)).rejects.toThrow(`${file}:1: missing id column 'id' in the header (columns: name, ra, dec)`);
    await expect(readCatalogCsv(fix('renamed.csv'), { keep: ['bmag'] })).rejects.toThrow(
      "renamed.csv:1: missing id column 'id' in the header (columns: name, alpha, delta, vmag, other); also missing: ra column 'ra', dec column 'dec', kept column 'bmag'");
    const dup = path.join(tmp.dir, 'dup.csv');
    writeFileSync(dup, 'id,ra,dec,ra\n1,2,3,4\n');
    await expect(readCatalogCsv(dup)).rejects.toThrow(`${dup}:1: column 'ra' appears twice in the header`);
  });

  it('refuses a header it cannot split', async () => {
    const file = path.join(tmp.dir, 'bad-header.csv');
    writeFileSync(file, 'id,"ra,dec\n1,2,3\n');
    await expect(readCatalogCsv(file)).rejects.toThrow(`${file}:1: cannot read the header: unterminated quoted field: id,"ra,dec`);
  });

  it('refuses empty files, accepts a header with no rows', async () => {
    await expect(readCatalogCsv(fix('empty.csv'))).rejects.toThrow('empty.csv: empty file, expected a header with id,ra,dec');
    const t = await readCatalogCsv(fix('header-only.csv'), { keep: [] });
    expect([t.rows, t.ra.length, t.ids.length]).toEqual([0, 0, 0]);
  });

  it('says why a file cannot be read: missing file, truncated or corrupt gzip', async () => {
    await expect(readCatalogCsv(path.join(tmp.dir, 'nope.csv'))).rejects.toThrow(/nope\.csv: cannot open: no such file or folder \(ENOENT\)/);
    const whole = readFileSync(path.join(SHARED_DATA, 'catalogs', 'bsc5.csv.gz'));
    const cut = path.join(tmp.dir, 'cut.csv.gz');
    writeFileSync(cut, whole.subarray(0, whole.length >> 1));
    await expect(readCatalogCsv(cut)).rejects.toThrow(/cut\.csv\.gz: gzip data is corrupt or truncated after line \d+/);
  });

  it('checks its options', async () => {
    await expect(readCatalogCsv(fix('good.csv'), { onBad: 'drop' as 'skip' })).rejects.toThrow(TypeError);
    await expect(readCatalogCsv(fix('good.csv'), { maxErrors: 0 })).rejects.toThrow('maxErrors must be an integer >= 1, got 0');
    await expect(readCatalogCsv(fix('good.csv'), { keep: ['mag', 'mag'] })).rejects.toThrow("keep names column 'mag' twice");
  });
});

// A seeded generator, so a failure reproduces.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('readCatalogCsv: streaming', () => {
  it('gives the same rows whatever the 1 MiB chunk boundaries cut (CRLF split, quoted newlines), plain and gzip', async () => {
    const rand = rng(7);
    const ids: string[] = [], raText: string[] = [], names: string[] = [];
    const parts: string[] = [];
    let size = 0;
    const add = (s: string) => { parts.push(s); size += s.length; };
    add('id,ra,dec,name\r\n');
    for (let i = 0; size < 2.6 * 2 ** 20; i++) {
      const digits = Math.floor(rand() * 17) + 1;
      let ra = String(Math.floor(rand() * 360));
      if (digits > 3) ra += `.${String(rand()).slice(2, 2 + digits - 3)}`;
      if (rand() < 0.05) ra = `${(rand() * 3.6).toFixed(6)}e2`;
      const pick = rand();
      const name = pick < 0.1 ? `n,${i}` : pick < 0.2 ? `line\r\nbreak ${i}` : pick < 0.3 ? `say "x${i}"` : `n${i}`;
      const quoted = /[",\r\n]/.test(name) ? `"${name.replaceAll('"', '""')}"` : name;
      let line = `r${i},${ra},${(rand() * 180 - 90).toFixed(5)},${quoted}\r\n`;
      // Put a CRLF across the first chunk boundary: CR is the last byte of chunk 1, LF the first of chunk 2.
      const want = 2 ** 20 - 1 - size - (line.length - 2);
      if (size < 2 ** 20 && size + line.length > 2 ** 20 - 200 && want >= 0 && !/[",\r\n]/.test(name)) {
        const padded = name + 'p'.repeat(want);
        line = `r${i},${ra},${line.split(',')[2]},${padded}\r\n`;
        names.push(padded);
      } else {
        names.push(name);
      }
      ids.push(`r${i}`);
      raText.push(ra);
      add(line);
    }
    const text = parts.join('');
    expect(text.slice(2 ** 20 - 1, 2 ** 20 + 1)).toBe('\r\n');
    const plain = path.join(tmp.dir, 'chunks.csv');
    const gz = path.join(tmp.dir, 'chunks.csv.gz');
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(text));
    for (const file of [plain, gz]) {
      const t = await readCatalogCsv(file, { keep: ['name'] });
      expect(t.rows).toBe(ids.length);
      expect(t.ids.toArray()).toEqual(ids);
      expect(t.extra.columns[0].values).toEqual(names);
      // Bit-identical to Number() on the same text.
      let same = 0;
      for (let i = 0; i < ids.length; i++) if (Object.is(t.ra[i], Number(raText[i]) % 360)) same++;
      expect(same).toBe(ids.length);
    }
  });

  it('reports an unterminated quote once and reads the rows after it (memory stays bounded)', async () => {
    const good = Array.from({ length: 400_000 }, (_, i) => `g${i},${i % 360},${(i % 180) - 89.5}`).join('\n');
    const file = path.join(tmp.dir, 'runaway.csv');
    writeFileSync(file, `id,ra,dec\nfirst,1,2\nbad,"3,4\n${good}\n`);
    const t = await readCatalogCsv(file, { onBad: 'skip' });
    expect(t.bad.map((b) => [b.line, b.column, b.reason])).toEqual([[3, 'ra', 'record longer than 4194304 bytes (unterminated quoted field?)']]);
    expect(t.rows).toBe(400_001);
    expect(t.ids.get(400_000)).toBe('g399999');
  });
});

describe('parseDecimal', () => {
  const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  const enc = new TextEncoder();
  const same = (s: string) => {
    const b = enc.encode(s);
    const want = DECIMAL.test(s.trim()) ? Number(s) : NaN;
    expect(Object.is(parseDecimal(b, 0, b.length), want)).toBe(true);
  };

  it('is bit-identical to Number() on random decimal strings', () => {
    fc.assert(fc.property(fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.tuple(fc.integer({ min: -400, max: 400 }), fc.nat(99_999_999), fc.nat(9)).map(([a, b, z]) => `${a}.${'0'.repeat(z)}${b}`),
      fc.stringMatching(/^[+-]?\d{0,20}(\.\d{0,25})?([eE][+-]?\d{1,3})?$/),
      fc.stringMatching(/^ ?-?0*\d{1,17}\.\d{1,17}0* ?$/),
    ), same), { numRuns: 10_000 });
  });

  it('returns NaN for what is not a decimal number', () => {
    for (const s of ['', ' ', 'abc', '0x10', 'Infinity', 'NaN', '1e', '.', '-', '+', '1,5', '1.2.3', '--1', '1 2']) {
      const b = enc.encode(s);
      expect(parseDecimal(b, 0, b.length)).toBeNaN();
    }
  });
});
