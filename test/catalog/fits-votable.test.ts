// FITS binary tables and VOTables: files written by astropy and by STILTS
// (made in the setup with Debian's python3-astropy and stilts) read exactly;
// what skyjoin writes is read back exactly by itself, astropy and STILTS.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFitsColumns } from '../../src/catalog/fits-read.js';
import { writeFitsTable } from '../../src/catalog/fits-write.js';
import { loadPositions, readTablePositions, sniffFormat } from '../../src/catalog/positions.js';
import type { Column, ColumnTable } from '../../src/catalog/table.js';
import { readVoTableColumns } from '../../src/catalog/votable-read.js';
import { writeVoTable } from '../../src/catalog/votable-write.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const file = (name: string) => path.join(tmp.dir, name);
const SCRIPT = path.join(import.meta.dirname, '../support/astropy_tables.py');

type Values = Record<string, Array<string | boolean | null>>;
let expected: { fits: Values; vot: Values };

/** What astropy reads from a file: values as text (exact), masked as null. */
function astropyRead(f: string): { columns: Values; dtypes: Record<string, string>; units: Record<string, string | null>; ucds: Record<string, string | null> } {
  return JSON.parse(execFileSync('/usr/bin/python3', [SCRIPT, 'read', f], { maxBuffer: 1 << 26 }).toString());
}

function stilts(...args: string[]): string {
  return execFileSync('stilts', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** A column's values as astropy's dump writes them (floats as Python repr, ints as text, null). */
function asText(c: Column): Array<string | boolean | null> {
  return Array.from({ length: c.values.length }, (_, i) => {
    if (c.valid && !c.valid[i]) return null;
    const v = c.values[i];
    if (c.type === 'bool') return v === 1;
    if (c.type === 'float64') return pyRepr(v as number);
    return String(v);
  });
}

/** Python's repr of a float (what the fixture script prints). */
function pyRepr(x: number): string | null {
  if (Number.isNaN(x)) return null;
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  const s = String(x);
  return s.replace(/e([+-])(\d)$/, 'e$10$2').replace(/e\+/, 'e+');
}

beforeAll(() => {
  expected = JSON.parse(execFileSync('/usr/bin/python3', [SCRIPT, 'write', tmp.dir]).toString());
  // STILTS writes the same CSV as FITS and as VOTable (TABLEDATA, BINARY2).
  writeFileSync(file('stilts-in.csv'), [
    'id,ra,dec,mag,name',
    '9007199254740993,10.123456789012345,-20.5,12.25,alpha',
    '1234567890123456789,359.99999999999994,89.99999999,,"b, c"',
    '3,0.0,-90.0,1.5,',
  ].join('\n') + '\n');
  stilts('tpipe', `in=${file('stilts-in.csv')}`, 'ifmt=csv', `out=${file('stilts.fits')}`, 'ofmt=fits');
  stilts('tpipe', `in=${file('stilts-in.csv')}`, 'ifmt=csv', `out=${file('stilts-td.vot')}`, 'ofmt=votable-tabledata');
  stilts('tpipe', `in=${file('stilts-in.csv')}`, 'ifmt=csv', `out=${file('stilts-b2.vot')}`, 'ofmt=votable-binary2-inline');
});

describe('reading files astropy wrote', () => {
  it('FITS: unsigned 64-bit ids past 2^63, TNULL, TZERO 32768, TSCAL/TZERO, E, L, A, units', async () => {
    const t = await readFitsColumns(file('astropy.fits'));
    for (const [name, want] of Object.entries(expected.fits)) {
      const got = asText(t.columns.get(name)!);
      // astropy reads an empty A string as masked; the file holds an empty string.
      expect(got.map((v) => (v === '' ? null : v)), name).toEqual(want.map((v) => (v === '' ? null : v)));
    }
    expect(t.fields.find((f) => f.name === 'ra')!.unit).toBe('deg');
    expect(t.columns.get('u16')!.type).toBe('int32');
    expect(t.columns.get('id')!.type).toBe('utf8'); // values past 2^63 - 1: exact decimal text
  });

  it.each(['td', 'b2'])('VOTable %s: long ids past 2^53, nulls, bit, unicodeChar, float32 exact', async (kind) => {
    const t = await readVoTableColumns(file(`astropy-${kind}.vot`));
    for (const [name, want] of Object.entries(expected.vot)) {
      const got = asText(t.columns.get(name)!);
      expect(got.map((v) => (v === '' ? null : v)), name).toEqual(want.map((v) => (v === '' ? null : v)));
    }
    expect(t.fields.find((f) => f.name === 'ra')).toMatchObject({ unit: 'deg', ucd: 'pos.eq.ra;meta.main' });
  });

  it('positions and kept columns through loadPositions, told apart by their bytes', async () => {
    expect(await sniffFormat(file('astropy.fits'))).toBe('fits');
    expect(await sniffFormat(file('astropy-b2.vot'))).toBe('votable');
    const p = await loadPositions(file('astropy.fits'), { keep: ['mag', 'name'] });
    expect(p.format).toBe('fits');
    expect(p.ids.toArray()).toEqual(expected.fits.id);
    expect(Array.from(p.ra)).toEqual([0, 359.99999999999994, 123.45678901234568, 10.5, 200.25]);
    expect(p.extra.columns[0].valid).toEqual(Uint8Array.of(1, 0, 1, 1, 1));
    const v = await loadPositions(file('astropy-td.vot'));
    expect(v.ids.toArray()).toEqual(expected.vot.id);
  });
});

describe('reading files STILTS wrote', () => {
  it.each(['stilts.fits', 'stilts-td.vot', 'stilts-b2.vot'])('%s: 19-digit ids exact, full-precision positions, nulls', async (name) => {
    const p = await loadPositions(file(name), { keep: ['mag', 'name'] });
    expect(p.ids.toArray()).toEqual(['9007199254740993', '1234567890123456789', '3']);
    expect(Array.from(p.ra)).toEqual([10.123456789012345, 359.99999999999994, 0]);
    expect(Array.from(p.dec)).toEqual([-20.5, 89.99999999, -90]);
    const mag = p.extra.columns[0];
    expect(mag.valid).toEqual(Uint8Array.of(1, 0, 1));
    expect((p.extra.columns[1].values as string[])[1]).toBe('b, c');
  });
});

describe('writing: read back exactly by skyjoin, astropy and STILTS', () => {
  const table: ColumnTable = {
    length: 4,
    columns: [
      { name: 'id', type: 'utf8', values: ['18446744073709551615', '9223372036854775808', '9007199254740993', '0'] },
      { name: 'ra', type: 'float64', values: Float64Array.of(0.1 + 0.2, 359.99999999999994, 1e-300, 180) },
      { name: 'dec', type: 'float64', values: Float64Array.of(-90, 90, 0, NaN), valid: Uint8Array.of(1, 1, 1, 0) },
      { name: 'n', type: 'int32', values: Int32Array.of(-2147483647, 0, 7, 2147483647), valid: Uint8Array.of(1, 0, 1, 1) },
      { name: 'big', type: 'int64', values: BigInt64Array.of(-(2n ** 63n) + 1n, 2n ** 63n - 1n, 9007199254740993n, 0n), valid: Uint8Array.of(1, 1, 1, 0) },
      { name: 'ok', type: 'bool', values: Uint8Array.of(1, 0, 1, 0), valid: Uint8Array.of(1, 1, 0, 1) },
      { name: 'text', type: 'utf8', values: ['plain', 'a<b & "c"', '', 'éß'] },
    ],
  };
  const back = (c: Column) => asText(c);

  it('FITS (ids past 2^63 as unsigned K)', async () => {
    writeFitsTable(file('ours.fits'), { ...table, columns: table.columns.map((c) => (c.name === 'text' ? { ...c, values: ['plain', 'a<b & "c"', '', 'ss'] } : c)) }, { units: { ra: 'deg' }, integerColumns: ['id'] });
    const t = await readFitsColumns(file('ours.fits'));
    expect(t.columns.get('id')!.values).toEqual(table.columns[0].values);
    for (const c of table.columns.slice(1, 6)) expect(back(t.columns.get(c.name)!), c.name).toEqual(back(c));
    const a = astropyRead(file('ours.fits'));
    expect(a.dtypes.id).toBe('uint64');
    expect(a.columns.id).toEqual(table.columns[0].values);
    expect(a.columns.ra).toEqual(back(table.columns[1]));
    expect(a.columns.n).toEqual(back(table.columns[3]));
    expect(a.columns.big).toEqual(back(table.columns[4]));
    expect(a.units.ra).toBe('deg');
    const csv = stilts('tpipe', `in=${file('ours.fits')}`, 'ifmt=fits', 'ofmt=csv', 'out=-', 'cmd=keepcols "ra n"');
    expect(csv.trim().split('\n').slice(1)).toEqual(['0.30000000000000004,-2147483647', '359.99999999999994,', '1.0E-300,7', '180.0,2147483647']);
  });

  it.each(['tabledata', 'binary2'] as const)('VOTable %s (ids past 2^63 as text, the rest as long)', async (format) => {
    const f = file(`ours-${format}.vot`);
    const withLong: ColumnTable = { ...table, columns: [...table.columns, { name: 'lid', type: 'utf8', values: ['1', '-9223372036854775808', '9007199254740993', '42'] }] };
    writeVoTable(f, withLong, { format, units: { ra: 'deg' }, ucds: { ra: 'pos.eq.ra' }, integerColumns: ['id', 'lid'] });
    const t = await readVoTableColumns(f);
    expect(t.columns.get('id')!.values).toEqual(table.columns[0].values);
    expect(t.columns.get('lid')!.type).toBe('int64');
    for (const c of table.columns.slice(1)) expect(back(t.columns.get(c.name)!), c.name).toEqual(back(c));
    const a = astropyRead(f);
    expect(a.columns.id).toEqual(table.columns[0].values);
    expect(a.dtypes.lid).toBe('int64');
    expect(a.columns.lid).toEqual(['1', '-9223372036854775808', '9007199254740993', '42']);
    expect(a.columns.ra).toEqual(back(table.columns[1]));
    expect(a.columns.text.map((v) => v ?? '')).toEqual(['plain', 'a<b & "c"', '', 'éß']);
    expect(a.ucds.ra).toBe('pos.eq.ra');
    const csv = stilts('tpipe', `in=${f}`, 'ifmt=votable', 'ofmt=csv', 'out=-', 'cmd=keepcols "lid text"');
    expect(csv.trim().split('\n').slice(1)).toEqual(['1,plain', '-9223372036854775808,"a<b & ""c"""', '9007199254740993,', '42,éß']);
  });
});

describe('errors name the file, column and row', () => {
  it('a VOTable cell that is not a number', async () => {
    const f = file('bad.vot');
    writeFileSync(f, readFileSync(file('astropy-td.vot'), 'utf8').replace('<TD>123.45678901234568</TD>', '<TD>12x</TD>'));
    await expect(readVoTableColumns(f)).rejects.toThrow(/bad\.vot: row 3, column 'ra': '12x' is not a double/);
  });

  it('truncated or not FITS, a missing column, an array column', async () => {
    const whole = readFileSync(file('astropy.fits'));
    writeFileSync(file('cut.fits'), whole.subarray(0, whole.length - 2880));
    await expect(readFitsColumns(file('cut.fits'))).rejects.toThrow(/cut\.fits: the table has 5 rows of \d+ bytes but the file ends before them/);
    await expect(readTablePositions('fits', file('astropy.fits'), { idCol: 'nope' })).rejects.toThrow(/missing id column 'nope' \(columns: id, ra, dec/);
    writeFileSync(file('notfits.fits'), 'SIMPLE  = T'.padEnd(2880, ' '));
    await expect(readFitsColumns(file('notfits.fits'))).rejects.toThrow(/no END card|no binary table/);
  });

  it('bad rows as in CSV: the row and the value', async () => {
    writeFitsTable(file('badrow.fits'), { length: 2, columns: [
      { name: 'id', type: 'utf8', values: ['a', 'b'] }, { name: 'ra', type: 'float64', values: Float64Array.of(1, 2) },
      { name: 'dec', type: 'float64', values: Float64Array.of(0, 95) },
    ] });
    await expect(loadPositions(file('badrow.fits'))).rejects.toThrow(/badrow\.fits:3: column 'dec': dec must be in \[-90, 90\], got 95/);
  });
});

describe('the command line', () => {
  it('xmatch reads FITS and VOTable inputs and writes pairs as FITS or VOTable (by extension or --format)', async () => {
    const base = ['xmatch', '--catalog', file('stilts-b2.vot'), '--sources', file('stilts.fits'), '--radius-arcsec', '1'];
    const csv = await runCli(base);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toBe('source_id,catalog_id,sep_arcsec\n3,3,0.000000\n9007199254740993,9007199254740993,0.000000\n1234567890123456789,1234567890123456789,0.000000\n');
    expect((await runCli([...base, '--out', file('pairs.fits')])).code).toBe(0);
    const a = astropyRead(file('pairs.fits'));
    expect(a.columns.source_id).toEqual(['3', '9007199254740993', '1234567890123456789']);
    expect(a.dtypes.source_id).toMatch(/^(int64|>i8)$/);
    expect(a.units.sep_arcsec).toBe('arcsec');
    const v = await runCli([...base, '--out', file('pairs.xml'), '--format', 'vot-binary2']);
    expect(v.code, v.stderr).toBe(0);
    const b = astropyRead(file('pairs.xml'));
    expect(b.columns.catalog_id).toEqual(['3', '9007199254740993', '1234567890123456789']);
    expect(b.ucds.sep_arcsec).toBe('pos.angDistance');
    const stdout = await runCli([...base, '--format', 'vot']);
    expect(stdout.stdout).toMatch(/^<\?xml[\s\S]*<TD>1234567890123456789<\/TD><TD>1234567890123456789<\/TD>/);
    const noFile = await runCli([...base, '--format', 'fits']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/--format fits writes a file: give --out FILE/);
  });

  it('catalog build from FITS and VOTable; catalog export to FITS and VOTable', async () => {
    const b = await runCli(['catalog', 'build', '--in', file('astropy.fits'), '--out', file('a.arrow'), '--keep', 'mag,count']);
    expect(b.code, b.stderr).toBe(0);
    const e = await runCli(['catalog', 'export', '--in', file('a.arrow'), '--out', file('a.fits')]);
    expect(e.code, e.stderr).toBe(0);
    const a = astropyRead(file('a.fits'));
    expect([...a.columns.id].sort()).toEqual([...expected.fits.id].sort());
    expect(a.dtypes.id).toBe('uint64');
    const v = await runCli(['catalog', 'export', '--in', file('a.arrow'), '--out', file('a.vot')]);
    expect(v.code, v.stderr).toBe(0);
    expect(astropyRead(file('a.vot')).ucds.ra).toBe('pos.eq.ra;meta.main');
    const vb = await runCli(['catalog', 'build', '--in', file('astropy-b2.vot'), '--out', file('v.arrow')]);
    expect(vb.code, vb.stderr).toBe(0);
  });
});
