// Opening a built catalog reads its footer and schema, not its rows: the bytes
// read (counted on the file functions themselves) are the same for 10^3 and
// 10^5 rows, and a one-source query then reads the few rows it touches.

import fs from 'node:fs';
import { open } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeArrowCatalog } from '../../src/catalog/arrow-catalog.js';
import { MAPPED } from '../../src/catalog/mmap.js';
import { loadPositions } from '../../src/catalog/positions.js';
import { randomSky } from '../support/sky.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

let counted = 0;

/** Counts the bytes read through readSync and FileHandle.read while `fn` runs. */
async function bytesRead(fn: () => Promise<unknown> | unknown): Promise<number> {
  const readSync = fs.readSync;
  const fh = await open(path.join(tmp.dir, 'small.arrow'));
  const proto = Object.getPrototypeOf(fh) as { read: (...a: unknown[]) => Promise<{ bytesRead: number }> };
  await fh.close();
  const read = proto.read;
  counted = 0;
  fs.readSync = ((...a: Parameters<typeof readSync>) => { const n = readSync(...a); counted += n; return n; }) as typeof readSync;
  proto.read = async function (this: unknown, ...a: unknown[]) { const r = await read.apply(this, a); counted += r.bytesRead; return r; };
  syncBuiltinESMExports();
  try {
    await fn();
    return counted;
  } finally {
    fs.readSync = readSync;
    proto.read = read;
    syncBuiltinESMExports();
  }
}

async function build(name: string, n: number, intIds: boolean): Promise<string> {
  const sky = randomSky(n, n);
  const file = path.join(tmp.dir, name);
  const ids = intIds
    ? { name: 'id', type: 'int64' as const, values: BigInt64Array.from({ length: n }, (_, i) => 2n ** 60n + BigInt(i)) }
    : { name: 'id', type: 'utf8' as const, values: Array.from({ length: n }, (_, i) => `star-${i}`) };
  const mag = { name: 'mag', type: 'float64' as const, values: Float64Array.from({ length: n }, (_, i) => i % 17) };
  await writeArrowCatalog(file, { name, ids, ra: sky.ra, dec: sky.dec, extra: { length: n, columns: [mag] }, scheme: 'zones' });
  return file;
}

describe('opening a built catalog', () => {
  const files: Record<string, string> = {};
  beforeAll(async () => {
    files.small = await build('small.arrow', 1_000, false);
    files.large = await build('large.arrow', 100_000, false);
    files.smallInt = await build('small-int.arrow', 1_000, true);
    files.largeInt = await build('large-int.arrow', 100_000, true);
    // The counter itself works: reading a whole file counts its size.
    expect(await bytesRead(() => fs.readFileSync(files.large))).toBe(fs.statSync(files.large).size);
  }, 60_000);

  it('reads the same few bytes for 10^3 and 10^5 rows (footer and schema only)', async () => {
    for (const [small, large] of [[files.small, files.large], [files.smallInt, files.largeInt]]) {
      const a = await bytesRead(() => loadPositions(small));
      const b = await bytesRead(() => loadPositions(large));
      expect(a).toBeGreaterThan(0);
      expect(a).toBeLessThan(16_384);
      // Only the metadata's digits (row counts, coverage) differ.
      expect(Math.abs(b - a)).toBeLessThan(256);
      expect(b).toBeLessThan(fs.statSync(large).size / 100);
    }
  });

  it.skipIf(!MAPPED)('a one-source query and the ids of its rows read O(1) bytes more (the columns are mapped)', async () => {
    for (const [small, large] of [[files.small, files.large], [files.smallInt, files.largeInt]]) {
      const query = async (file: string) => {
        const p = await loadPositions(file);
        const m = p.index!.crossmatch(Float64Array.of(10), Float64Array.of(20), { radiusArcsec: 3600 });
        for (let i = 0; i < m.length; i++) expect(p.id(m.row[i])).toMatch(/^(star-|\d{19})/);
        return m.length;
      };
      const a = await bytesRead(() => query(small));
      const b = await bytesRead(() => query(large));
      expect(Math.abs(b - a)).toBeLessThan(256);
    }
  });

  it('gives the rows as written: ids, positions and the index, read on demand', async () => {
    const p = await loadPositions(files.largeInt);
    expect(p.format).toBe('arrow');
    expect(p.rows).toBe(100_000);
    const m = p.index!.crossmatch(Float64Array.of(10), Float64Array.of(20), { radiusArcsec: 7200 });
    expect(m.length).toBeGreaterThan(0);
    for (let i = 0; i < m.length; i++) {
      const row = m.row[i];
      expect(p.id(row)).toBe(p.ids.get(row));
      expect(BigInt(p.id(row)) >= 2n ** 60n).toBe(true);
      const ra = p.ra[row] * Math.PI / 180, dec = p.dec[row] * Math.PI / 180;
      const d = Math.acos(Math.min(1, Math.sin(dec) * Math.sin(20 * Math.PI / 180) + Math.cos(dec) * Math.cos(20 * Math.PI / 180) * Math.cos(ra - 10 * Math.PI / 180)));
      expect(d * 180 / Math.PI * 3600).toBeCloseTo(m.sepArcsec[i], 3);
    }
  });
});
