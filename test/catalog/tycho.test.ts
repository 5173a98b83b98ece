// The 1.87-million-star Tycho-2 subset against the KStars stars: the same
// pairs whether the catalog is read from CSV, from a built Arrow file, or
// from an LMDB live catalog.

import path from 'node:path';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { ArrowCatalog } from '../../src/catalog/arrow-catalog.js';
import { buildCatalogFile } from '../../src/catalog/build.js';
import { readCatalogCsv } from '../../src/catalog/csv.js';
import { LiveCatalog } from '../../src/catalog/live.js';
import { SkyIndex } from '../../src/match/sky-index.js';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const TYCHO = path.join(SHARED_DATA, 'catalogs', 'tycho2_astrometrynet_index4107.csv.gz');
const KSTARS = path.join(SHARED_DATA, 'catalogs', 'kstars_hipparcos_tycho_stars.csv.gz');
const R = 3;
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('Tycho-2 x KStars through CSV, Arrow and LMDB', () => {
  it('gives the same pairs', async () => {
    const [tycho, kstars] = await Promise.all([readCatalogCsv(TYCHO), readCatalogCsv(KSTARS)]);
    expect(tycho.rows).toBe(1_871_010);
    const key = (probe: number, catId: string) => `${kstars.ids.get(probe)}:${catId}`;

    const mem = SkyIndex.build(tycho.ra, tycho.dec, 'zones');
    const m1 = mem.crossmatch(kstars.ra, kstars.dec, { radiusArcsec: R });
    const viaCsv = Array.from({ length: m1.length }, (_, i) => key(m1.probe[i], tycho.ids.get(m1.row[i])));

    const file = path.join(tmp.dir, 'tycho.arrow');
    await buildCatalogFile({ input: TYCHO, output: file, name: 'tycho2', scheme: 'healpix' });
    const cat = ArrowCatalog.open(file);
    const m2 = cat.index.crossmatch(kstars.ra, kstars.dec, { radiusArcsec: R });
    const viaArrow = Array.from({ length: m2.length }, (_, i) => key(m2.probe[i], cat.id(m2.row[i])));

    const env = open({ path: path.join(tmp.dir, 'lmdb'), maxDbs: 8 });
    const live = LiveCatalog.open(env, 'tycho2');
    const BATCH = 100_000;
    for (let s = 0; s < tycho.rows; s += BATCH) {
      await env.transaction(() => {
        for (let i = s; i < Math.min(tycho.rows, s + BATCH); i++) live.upsertInTxn({ id: i, ra: tycho.ra[i], dec: tycho.dec[i] });
      });
    }
    const m3 = live.crossmatch(kstars.ra, kstars.dec, { radiusArcsec: R });
    const viaLmdb = Array.from({ length: m3.length }, (_, i) => key(m3.probe[i], tycho.ids.get(m3.id[i])));
    await env.close();

    // KStars (mag < 9) lies on the same epoch-2000 positions: most stars find their Tycho-2 counterpart.
    expect(viaCsv.length).toBeGreaterThan(100_000);
    expect([...viaArrow].sort()).toEqual([...viaCsv].sort());
    expect([...viaLmdb].sort()).toEqual([...viaCsv].sort());
  }, 180_000);
});
