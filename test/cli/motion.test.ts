// Proper motions through the command line: catalogs built with motions
// (the shipped BSC5, the KStars Hipparcos/Tycho stars, a CSV in Gaia units)
// matched at a 2026 epoch against positions astropy computed from other data.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArrowCatalog } from '../../src/catalog/arrow-catalog.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const file = (name: string) => path.join(tmp.dir, name);
const KSTARS = path.resolve(import.meta.dirname, '../../../shared/data/catalogs/kstars_hipparcos_tycho_stars.csv.gz');

interface Ref { ra: number; dec: number }
function astropy(stars: object[]): Ref[] {
  const script = path.join(import.meta.dirname, '../support/astropy_motion.py');
  return JSON.parse(execFileSync('/usr/bin/python3', [script], { input: JSON.stringify({ stars }) }).toString()) as Ref[];
}

// 61 Cyg A and B as in the KStars copy of Hipparcos (J2000, mas/yr), and
// Barnard's star with Gaia DR3-like astrometry (J2016.0, with parallax and rv).
const CYG_A = { ra: 316.724792, dec: 38.749417, pmra: 4155.1, pmdec: 3258.9, plx: null, rv: null, t0: 2000, t1: 2026 };
const CYG_B = { ra: 316.730250, dec: 38.742056, pmra: 4107.4, pmdec: 3143.7, plx: null, rv: null, t0: 2000, t1: 2026 };
const BARNARD = { ra: 269.44850252543836, dec: 4.739420051112412, pmra: -801.551, pmdec: 10362.394, plx: 546.9759, rv: -110.353, t0: 2016, t1: 2026.5 };
let at: Ref[] = [];

beforeAll(async () => {
  at = astropy([CYG_A, CYG_B, BARNARD]);
  writeFileSync(file('alerts.csv'), [
    'id,ra,dec,mjd',
    `cyg-a,${at[0].ra},${at[0].dec},61041.0`, // MJD 61041.0 = J2026.0 (to 0.1 d)
    `cyg-b,${at[1].ra},${at[1].dec},61041.0`,
    `barnard,${at[2].ra},${at[2].dec},61223.625`,
    'elsewhere,10,10,61041.0',
  ].join('\n') + '\n');
  writeFileSync(file('gaia.csv'), [
    'source_id,ra,dec,pmra,pmdec,parallax,radial_velocity',
    `4472832130942575872,${BARNARD.ra},${BARNARD.dec},${BARNARD.pmra},${BARNARD.pmdec},${BARNARD.plx},${BARNARD.rv}`,
    // A still star where Barnard's star will be, 8" off: what a no-motion match takes.
    `1,${at[2].ra + 8 / 3600},${at[2].dec},,,,`,
  ].join('\n') + '\n');
  const r = await runCli(['catalog', 'build-shipped', '--data', tmp.dir]);
  expect(r.code, r.stderr).toBe(0);
});

const pairs = (csv: string) => csv.trim().split('\n').slice(1).map((l) => l.split(','));

describe('shipped BSC5 carries its motions', () => {
  it('records them in the catalog', () => {
    const cat = ArrowCatalog.open(file('catalogs/bsc5.arrow'));
    expect(cat.info.motion).toEqual({ pmRa: 'pmra', pmDec: 'pmdec', parallax: 'parallax', rv: 'radvel', pmUnit: 'arcsec/yr', parallaxUnit: 'arcsec', refEpoch: 2000 });
    expect(cat.motion!.maxMuRadYr).toBeGreaterThan(0);
  });

  it('61 Cyg A and B, from Hipparcos via astropy at J2026.0, match BSC5 at --epoch J2026.0 and not without it', async () => {
    // BSC5's own J2000 positions of 61 Cyg lie 15" from Hipparcos' (the
    // catalogue's error, not the motion's): a 20" radius, against the 135"
    // the stars have moved since 2000.
    const args = ['xmatch', '--catalog', file('catalogs/bsc5.arrow'), '--sources', file('alerts.csv'), '--radius-arcsec', '20', '--mode', 'best'];
    const moving = await runCli([...args, '--epoch', 'J2026.0']);
    expect(moving.code, moving.stderr).toBe(0);
    const got = pairs(moving.stdout);
    expect(got.map((p) => [p[0], p[1]])).toEqual([['cyg-a', 'HR8085'], ['cyg-b', 'HR8086']]);
    for (const p of got) expect(Number(p[2])).toBeLessThan(17);
    const still = await runCli(args);
    expect(pairs(still.stdout)).toEqual([]);
    // Per-source epochs from a column of MJDs give the same pairs.
    const perRow = await runCli([...args, '--epoch-col', 'mjd']);
    expect(pairs(perRow.stdout).map((p) => p[1])).toEqual(['HR8085', 'HR8086']);
  });
});

describe('catalog build with motions', () => {
  it('the KStars Hipparcos/Tycho stars, built with --pm-ra-col --pm-dec-col --parallax-col --ref-epoch, match 61 Cyg at 2026', async () => {
    const b = await runCli(['catalog', 'build', '--in', KSTARS, '--out', file('kstars.arrow'), '--keep', 'mag',
      '--pm-ra-col', 'pmra', '--pm-dec-col', 'pmdec', '--parallax-col', 'parallax', '--ref-epoch', 'J2000.0']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/proper motions from pmra, pmdec at J2000/);
    const r = await runCli(['xmatch', '--catalog', file('kstars.arrow'), '--sources', file('alerts.csv'), '--radius-arcsec', '0.5', '--epoch', 'J2026.0', '--mode', 'best']);
    expect(r.code, r.stderr).toBe(0);
    expect(pairs(r.stdout).map((p) => [p[0], p[1]])).toEqual([['cyg-a', '2061'], ['cyg-b', '5319']]);
    for (const p of pairs(r.stdout)) expect(Number(p[2])).toBeLessThan(0.01); // astropy and skyjoin agree
  });

  it('a Gaia-like CSV with parallax and rv (--rv-col) finds Barnard\'s star at J2026.5 where a still match takes the neighbour', async () => {
    const b = await runCli(['catalog', 'build', '--in', file('gaia.csv'), '--out', file('gaia.arrow'), '--id-col', 'source_id',
      '--pm-ra-col', 'pmra', '--pm-dec-col', 'pmdec', '--parallax-col', 'parallax', '--rv-col', 'radial_velocity', '--ref-epoch', 'J2016.0']);
    expect(b.code, b.stderr).toBe(0);
    const args = ['xmatch', '--catalog', file('gaia.arrow'), '--sources', file('alerts.csv'), '--radius-arcsec', '10', '--mode', 'best'];
    const moving = await runCli([...args, '--epoch-col', 'mjd']);
    expect(pairs(moving.stdout).map((p) => [p[0], p[1]])).toEqual([['barnard', '4472832130942575872']]);
    expect(Number(pairs(moving.stdout)[0][2])).toBeLessThan(0.001);
    const still = await runCli(args);
    expect(pairs(still.stdout).map((p) => [p[0], p[1]])).toEqual([['barnard', '1']]);
    // The CSV itself, not built, with the same flags on xmatch.
    const csv = await runCli(['xmatch', '--catalog', file('gaia.csv'), '--sources', file('alerts.csv'), '--radius-arcsec', '10', '--mode', 'best',
      '--id-col', 'id', '--epoch', 'J2026.5', '--pm-ra-col', 'pmra', '--pm-dec-col', 'pmdec', '--parallax-col', 'parallax', '--rv-col', 'radial_velocity', '--ref-epoch', 'J2016']);
    expect(csv.code).toBe(1); // the catalog has no 'id' column: named
    expect(csv.stderr).toMatch(/id column 'id'/);
  });

  it('says what is wrong in one line', async () => {
    const noEpoch = await runCli(['catalog', 'build', '--in', file('gaia.csv'), '--out', file('x.arrow'), '--id-col', 'source_id', '--pm-ra-col', 'pmra', '--pm-dec-col', 'pmdec']);
    expect(noEpoch.code).toBe(2);
    expect(noEpoch.stderr.trim().split('\n')).toHaveLength(1);
    expect(noEpoch.stderr).toMatch(/--epoch-col COL or --ref-epoch J2016.0/);
    const half = await runCli(['catalog', 'build', '--in', file('gaia.csv'), '--out', file('x.arrow'), '--id-col', 'source_id', '--pm-ra-col', 'pmra', '--ref-epoch', 'J2016']);
    expect(half.stderr).toMatch(/both --pm-ra-col and --pm-dec-col/);
    const badEpoch = await runCli(['xmatch', '--catalog', file('catalogs/bsc5.arrow'), '--sources', file('alerts.csv'), '--radius-arcsec', '3', '--epoch', 'J20260']);
    expect(badEpoch.code).toBe(2);
    expect(badEpoch.stderr).toMatch(/--epoch 'J20260' must be a Julian year/);
    const still = await runCli(['xmatch', '--catalog', file('catalogs/gcvs.arrow'), '--sources', file('alerts.csv'), '--radius-arcsec', '3', '--epoch', 'J2026']);
    expect(still.code).toBe(2);
    expect(still.stderr).toMatch(/holds no proper motions/);
    const badCol = await runCli(['xmatch', '--catalog', file('catalogs/bsc5.arrow'), '--sources', file('alerts.csv'), '--radius-arcsec', '3', '--epoch-col', 'ra']);
    expect(badCol.code).toBe(1);
    expect(badCol.stderr).toMatch(/column 'ra' row 1: .* is not an epoch/);
    const missing = await runCli(['xmatch', '--catalog', file('catalogs/bsc5.arrow'), '--sources', file('alerts.csv'), '--radius-arcsec', '3', '--epoch-col', 'when']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/'when'/);
  });
});
