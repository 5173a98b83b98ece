// The mmap addon is optional: without it (no compiler at install, or
// SKYJOIN_NO_MMAP=1) catalogs are read into memory, give the same answers,
// and the process is told once. The install side (an install with no
// compiler still succeeds) is in test/package/tarball.test.ts.

import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { randomSky } from '../support/sky.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => {
  tmp.cleanup();
  delete process.env.SKYJOIN_NO_MMAP;
});

type Modules = { cat: typeof import('../../src/catalog/arrow-catalog.js'); mmap: typeof import('../../src/catalog/mmap.js') };

/** A fresh copy of the catalog modules, loaded with SKYJOIN_NO_MMAP as given. */
async function load(noMmap: string | undefined): Promise<Modules> {
  if (noMmap === undefined) delete process.env.SKYJOIN_NO_MMAP;
  else process.env.SKYJOIN_NO_MMAP = noMmap;
  vi.resetModules();
  return { cat: await import('../../src/catalog/arrow-catalog.js'), mmap: await import('../../src/catalog/mmap.js') };
}

describe('catalogs without the mmap addon', () => {
  it('read into memory give the same rows as mapped ones, and the fallback is announced once', async () => {
    const mapped = await load(undefined);
    expect(mapped.mmap.MAPPED, 'the addon is built in this clone (npm ci)').toBe(true);
    const sky = randomSky(20_000, 11);
    const ids = { name: 'id', type: 'utf8' as const, values: Array.from({ length: sky.ra.length }, (_, i) => `R${i}`) };
    const files = ['a.arrow', 'b.arrow'].map((f) => path.join(tmp.dir, f));
    for (const [k, file] of files.entries()) {
      await mapped.cat.writeArrowCatalog(file, { name: `t${k}`, ids, ra: sky.ra, dec: sky.dec, scheme: k ? 'healpix' : 'zones' });
    }
    const probes = randomSky(2_000, 12);
    const pairs = (m: Modules, file: string) => {
      const c = m.cat.ArrowCatalog.open(file);
      const x = c.index.crossmatch(probes.ra, probes.dec, { radiusArcsec: 1800 });
      return Array.from({ length: x.length }, (_, i) => `${x.probe[i]}:${c.id(x.row[i])}:${x.sepArcsec[i]}`);
    };
    const want = files.map((f) => pairs(mapped, f));
    expect(want[0].length).toBeGreaterThan(100);

    const warnings: Array<{ name: string; code?: string; message: string }> = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push({ name: w.name, code: w.code, message: w.message });
    process.on('warning', onWarning);
    try {
      for (const off of ['1', 'yes']) {
        const plain = await load(off);
        expect(plain.mmap.MAPPED).toBe(false);
        expect(files.map((f) => pairs(plain, f))).toEqual(want);
      }
      // '0' and '' leave mapping on.
      expect((await load('0')).mmap.MAPPED).toBe(true);
      expect((await load('')).mmap.MAPPED).toBe(true);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    // Four catalogs opened by two fresh copies of the module: one warning for the process.
    expect(warnings).toEqual([{ name: 'SkyjoinWarning', code: 'SKYJOIN_NO_MMAP', message: 'SKYJOIN_NO_MMAP is set: catalogs are read into memory, not memory-mapped' }]);
  });
});
