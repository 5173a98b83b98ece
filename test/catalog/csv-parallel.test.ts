// A CSV file read in blocks by several threads gives exactly what one thread
// reads: the same ids (bytes), positions, kept columns with the same types,
// the same bad rows on the same file lines, the same error in fail mode; and
// a cut that falls inside a quoted field is caught and read again on one thread.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCatalogCsv, type ReadOptions } from '../../src/catalog/csv.js';
import { readCsvParallel, readPlan, type ReadPlan } from '../../src/catalog/csv-parallel.js';
import type { PositionTable } from '../../src/catalog/csv.js';
import { headerLayout } from '../../src/catalog/csv-header.js';
import type { FieldSpans } from '../../src/catalog/csv-parse.js';
import { joinParts, RowReader } from '../../src/catalog/csv-rows.js';
import { FAST_NO, forEachCsvRecord } from '../../src/catalog/csv-stream.js';
import { seededRandom } from '../../src/sky/random.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/**
 * A catalog with the awkward parts of real files: quoted ids and names
 * (commas, doubled quotes, CRLF), blank lines, nulls, columns whose type is
 * only settled late in the file, and a bad row now and then.
 */
function writeCatalog(file: string, rows: number, seed: number, opts: { bad?: number; newlines?: boolean } = {}): void {
  const r = seededRandom(seed);
  const lines = ['\ufeffid, ra ,dec,mag,count,flag,name,big'];
  for (let i = 0; i < rows; i++) {
    const id = i % 97 === 0 ? `"id ""${i}"", quoted"` : `${1_000_000_000_000_000_000n + BigInt(i)}`;
    let ra: string = (r() * 400 - 20).toPrecision(17);
    let dec: string = (Math.asin(2 * r() - 1) * 57.29577951308232).toPrecision(17);
    if (opts.bad && i % opts.bad === 7) { if (i % 2) dec = '91.5'; else ra = 'x'; }
    const mag = i % 13 === 0 ? '' : (r() * 20).toFixed(3);
    const count = i === rows - 3 ? '2.5' : String(Math.floor(r() * 1000)); // an int column until near the end
    const flag = i % 11 === 0 ? '' : r() < 0.5 ? 'true' : 'FALSE';
    const name = opts.newlines && i % 50 === 3 ? `"two\nlines, ${i}"` : i % 7 === 0 ? `"a, b ""${i}"""` : `n${i}`;
    const big = i === Math.floor(rows / 2) ? '9223372036854775807' : String(i * 1_000_003);
    lines.push(`${id},${ra},${dec},${mag},${count},${flag},${name},${big}`);
    if (i % 1000 === 500) lines.push('');
  }
  writeFileSync(file, `${lines.join(seed % 2 ? '\r\n' : '\n')}\n`);
}

const KEEP = ['mag', 'count', 'flag', 'name', 'big'];

function expectSame(a: PositionTable, b: PositionTable): void {
  expect(a.rows).toBe(b.rows);
  expect(Buffer.from(a.ids.data).equals(Buffer.from(b.ids.data))).toBe(true);
  expect(Array.from(a.ids.offsets)).toEqual(Array.from(b.ids.offsets));
  expect(Buffer.from(a.ra.buffer, a.ra.byteOffset, a.ra.byteLength).equals(Buffer.from(b.ra.buffer, b.ra.byteOffset, b.ra.byteLength))).toBe(true);
  expect(Buffer.from(a.dec.buffer, a.dec.byteOffset, a.dec.byteLength).equals(Buffer.from(b.dec.buffer, b.dec.byteOffset, b.dec.byteLength))).toBe(true);
  expect(a.extra.columns.map((c) => [c.name, c.type])).toEqual(b.extra.columns.map((c) => [c.name, c.type]));
  for (let k = 0; k < a.extra.columns.length; k++) {
    expect(Array.from(a.extra.columns[k].values as ArrayLike<unknown>)).toEqual(Array.from(b.extra.columns[k].values as ArrayLike<unknown>));
    expect(a.extra.columns[k].valid && Array.from(a.extra.columns[k].valid!)).toEqual(b.extra.columns[k].valid && Array.from(b.extra.columns[k].valid!));
  }
  expect(a.bad).toEqual(b.bad);
}

async function parallel(file: string, opts: ReadOptions, plan: Partial<ReadPlan>): Promise<PositionTable | null> {
  const base = await readPlan(file, { ...opts, threads: 1 });
  return readCsvParallel(file, opts, { ...base, threads: 3, blockBytes: 64 << 10, ...plan });
}

describe('the one-pass reading of plain records', () => {
  it('gives what the general path gives, row for row, on a file full of records it must hand over', async () => {
    const file = path.join(tmp.dir, 'awkward.csv');
    writeCatalog(file, 5_000, 5, { bad: 97, newlines: true });
    const text = readFileSync(file, 'utf8').replace(/\n(\d+),/g, (m, id: string) => (Number(id) % 5 === 0 ? `\n ${id} , ` : m)).replace(/,(-?\d+\.\d+),/g, (m, v: string) => (v.endsWith('3') ? `, ${v} ,` : m));
    writeFileSync(file, text);
    const layout = headerLayout(file, { keep: KEEP, onBad: 'skip' }, text.split('\n')[0].split(',').map((s) => s.trim().replace(/^\ufeff/, '')));
    const withFast = new RowReader(layout);
    const general = new RowReader(layout);
    const skipHeader = (r: RowReader) => ({ first: true, record(b: Uint8Array, s: FieldSpans, l: number) { if (this.first) { this.first = false; return false; } return r.record(b, s, l); }, malformed: (l: number, f: number, why: string, t: string) => r.malformed(l, f, why, t) });
    const fastVisitor = { ...skipHeader(withFast), fast(b: Uint8Array, p: number, e: number) { return this.first ? FAST_NO : withFast.fast(b, p, e); } };
    await forEachCsvRecord(file, fastVisitor);
    await forEachCsvRecord(file, skipHeader(general));
    const a = withFast.parts(), b = general.parts();
    expect(a.rows).toBeGreaterThan(4000);
    expect(a.bad.length).toBeGreaterThan(40);
    const join = (p: typeof a) => joinParts(layout, [p]);
    expectSame({ ...join(a), extra: { length: a.rows, columns: join(a).kept }, bad: a.bad }, { ...join(b), extra: { length: b.rows, columns: join(b).kept }, bad: b.bad });
  });
});

describe('reading a CSV file on several threads', () => {
  const file = path.join(tmp.dir, 'cat.csv');
  writeCatalog(file, 40_000, 1, { bad: 1009 });

  it('equals the one-thread read: ids, positions, typed kept columns and bad rows with their lines', async () => {
    const opts: ReadOptions = { keep: KEEP, onBad: 'skip' };
    const one = await readCatalogCsv(file, { ...opts, threads: 1 });
    expect(one.bad.length).toBeGreaterThan(30);
    expect(one.extra.columns.map((c) => c.type)).toEqual(['float64', 'float64', 'bool', 'utf8', 'int64']);
    // The workers alone (this thread reads nothing), then this thread with them.
    for (const plan of [{ callerReads: false }, { callerReads: true }, { threads: 2, blockBytes: 300_000 }]) {
      const many = await parallel(file, opts, plan);
      expect(many).not.toBeNull();
      expectSame(many!, one);
    }
    // And through the public reader, with the threads it chooses.
    expectSame(await readCatalogCsv(file, { ...opts, threads: 4 }), one);
  });

  it('fails with the same message: the first 20 bad rows of the file, on their lines', async () => {
    const one = await readCatalogCsv(file, { threads: 1 }).catch((e: Error) => e);
    const many = await parallel(file, {}, { callerReads: false }).catch((e: Error) => e);
    expect(one).toBeInstanceOf(Error);
    expect((many as Error).message).toBe((one as Error).message);
    expect((one as Error).message).toContain('stopped at 20 bad rows');
    const few = path.join(tmp.dir, 'few-bad.csv');
    writeCatalog(few, 30_000, 3, { bad: 10_007 });
    const a = await readCatalogCsv(few, { threads: 1 }).catch((e: Error) => e.message);
    const b = await parallel(few, {}, {}).catch((e: Error) => e.message);
    expect(a).toMatch(/few-bad\.csv: 3 bad rows:\n.*few-bad\.csv:\d+: column 'dec'/);
    expect(b).toBe(a);
  });

  it('a cut inside a quoted field is detected: that read gives way to one thread, with the same result', async () => {
    const quoted = path.join(tmp.dir, 'newlines.csv');
    writeCatalog(quoted, 8_000, 4, { newlines: true });
    const opts: ReadOptions = { keep: KEEP };
    const one = await readCatalogCsv(quoted, { ...opts, threads: 1 });
    // Blocks of a few hundred bytes: some cut falls inside a two-line name.
    let refused = 0;
    for (const blockBytes of [1500, 4096]) {
      const many = await parallel(quoted, opts, { blockBytes });
      if (many === null) refused++;
      else expectSame(many, one);
    }
    expect(refused).toBeGreaterThan(0);
    expectSame(await readCatalogCsv(quoted, { ...opts, threads: 3 }), one);
  });

  it('threads must be a whole number from 1', async () => {
    await expect(readCatalogCsv(file, { threads: 0 })).rejects.toThrow('threads must be an integer in [1, 256], got 0');
  });
});
