// Positional uncertainties through the command line: catalogs built with an
// error column, sources with error ellipses, --within-sigma, --bayes.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArrowCatalog } from '../../src/catalog/arrow-catalog.js';
import { SkyIndex } from '../../src/match/sky-index.js';
import { crossmatchUncertain } from '../../src/match/uncertain-match.js';
import { runCli } from '../support/cli.js';
import { randomSky, rng } from '../support/sky.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const file = (name: string) => path.join(tmp.dir, name);

// A catalog with per-row errors in mas; sources near some rows with error ellipses in arcsec.
const cat = randomSky(3000, 21);
const r = rng(22);
const eMas = Float64Array.from({ length: cat.ra.length }, () => 50 + Math.floor(r() * 400));
const P = 400;
const src = { ra: new Float64Array(P), dec: new Float64Array(P), a: new Float64Array(P), b: new Float64Array(P), pa: new Float64Array(P) };
for (let p = 0; p < P; p++) {
  const j = (p * 5) % cat.ra.length;
  src.a[p] = +(0.3 + r() * 1.2).toFixed(3); src.b[p] = +(src.a[p] * (0.3 + 0.7 * r())).toFixed(3); src.pa[p] = +(r() * 180).toFixed(2);
  src.dec[p] = Math.max(-89.9, Math.min(89.9, cat.dec[j] + (r() - 0.5) * 3 / 3600));
  src.ra[p] = (cat.ra[j] + (r() - 0.5) * 3 / 3600 / Math.cos(src.dec[p] * Math.PI / 180) + 360) % 360;
}
writeFileSync(file('cat.csv'), ['id,ra,dec,e_pos_mas', ...Array.from(cat.ra, (ra, i) => `C${i},${ra},${cat.dec[i]},${eMas[i]}`)].join('\n') + '\n');
writeFileSync(file('src.csv'), ['id,ra,dec,err_a,err_b,err_pa', ...Array.from(src.ra, (ra, p) => `S${p},${ra},${src.dec[p]},${src.a[p]},${src.b[p]},${src.pa[p]}`)].join('\n') + '\n');

const rows = (csv: string) => csv.trim().split('\n').map((l) => l.split(','));

describe('xmatch with positional uncertainties', () => {
  it('catalog build --sigma-col --sigma-unit mas records the errors', async () => {
    const b = await runCli(['catalog', 'build', '--in', file('cat.csv'), '--out', file('cat.arrow'), '--sigma-col', 'e_pos_mas', '--sigma-unit', 'mas']);
    expect(b.code, b.stderr).toBe(0);
    const c = ArrowCatalog.open(file('cat.arrow'));
    expect(c.info.errors).toEqual({ sigma: 'e_pos_mas', unit: 'mas' });
    expect(c.info.columns).toContainEqual({ name: 'e_pos_mas', type: 'float64' });
  });

  it('--within-sigma and --bayes give sigma_sep, bayes_factor and probability as the library does', async () => {
    const args = ['xmatch', '--catalog', file('cat.arrow'), '--sources', file('src.csv'), '--radius-arcsec', '5', '--ellipse-cols', 'err_a,err_b,err_pa'];
    const within = await runCli([...args, '--within-sigma', '3']);
    expect(within.code, within.stderr).toBe(0);
    const w = rows(within.stdout);
    expect(w[0]).toEqual(['source_id', 'catalog_id', 'sep_arcsec', 'sigma_sep']);
    expect(w.length).toBeGreaterThan(100);
    for (const row of w.slice(1)) expect(Number(row[3])).toBeLessThanOrEqual(3);

    const best = await runCli([...args, '--bayes', '--mode', 'best']);
    expect(best.code, best.stderr).toBe(0);
    const b = rows(best.stdout);
    expect(b[0]).toEqual(['source_id', 'catalog_id', 'sep_arcsec', 'sigma_sep', 'bayes_factor', 'probability']);
    // The library on the same data (the catalog's own rows, errors in arcsec).
    const c = ArrowCatalog.open(file('cat.arrow'));
    const lib = crossmatchUncertain(c.index, src.ra, src.dec, {
      radiusArcsec: 5, mode: 'best', catalogRa: c.ra, catalogDec: c.dec, bayes: true,
      sourceErrors: { majorArcsec: src.a, minorArcsec: src.b, paDeg: src.pa }, catalogErrors: c.positionErrors!,
    });
    const byId = new Map(b.slice(1).map((row) => [row[0], row]));
    expect(byId.size).toBe(lib.length);
    for (let i = 0; i < lib.length; i++) {
      const row = byId.get(`S${lib.probe[i]}`)!;
      expect(row[1]).toBe(c.id(lib.row[i]));
      expect(Number(row[3])).toBeCloseTo(lib.sigmaSep[i], 5);
      expect(Number(row[4]) / lib.bayesFactor![i]).toBeCloseTo(1, 7);
      expect(Number(row[5])).toBeCloseTo(lib.probability![i], 8);
      expect(Number(row[5])).toBeGreaterThan(0);
    }
  });

  it('the same with a CSV catalog and --catalog-sigma-col, or one sigma for all', async () => {
    const a = await runCli(['xmatch', '--catalog', file('cat.csv'), '--sources', file('src.csv'), '--radius-arcsec', '5', '--within-sigma', '3',
      '--ellipse-cols', 'err_a,err_b,err_pa', '--catalog-sigma-col', 'e_pos_mas', '--catalog-sigma-unit', 'mas']);
    const b = await runCli(['xmatch', '--catalog', file('cat.arrow'), '--sources', file('src.csv'), '--radius-arcsec', '5', '--within-sigma', '3',
      '--ellipse-cols', 'err_a,err_b,err_pa']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const fixed = await runCli(['xmatch', '--catalog', file('cat.csv'), '--sources', file('src.csv'), '--radius-arcsec', '5', '--within-sigma', '2', '--sigma-arcsec', '1']);
    for (const row of rows(fixed.stdout).slice(1)) expect(Number(row[3])).toBeCloseTo(Number(row[2]), 5); // sep / 1"
  });

  it('--mode best picks the most probable row, not the nearest', async () => {
    writeFileSync(file('two.csv'), `id,ra,dec,e\nprecise,10,${20 + 1 / 3600},0.05\nloose,10,${20 - 2 / 3600},2\n`);
    writeFileSync(file('one.csv'), 'id,ra,dec\ns,10,20\n');
    const base = ['xmatch', '--catalog', file('two.csv'), '--sources', file('one.csv'), '--radius-arcsec', '5', '--sigma-arcsec', '0.1', '--catalog-sigma-col', 'e', '--mode', 'best'];
    expect(rows((await runCli([...base.slice(0, 7), '--mode', 'best'])).stdout)[1][1]).toBe('precise');
    expect(rows((await runCli([...base, '--bayes', '--prior', '0.01'])).stdout)[1][1]).toBe('loose');
    expect(rows((await runCli([...base, '--within-sigma', '5'])).stdout)[1][1]).toBe('loose');
  });

  it('says what is wrong in one line', async () => {
    const none = await runCli(['xmatch', '--catalog', file('cat.csv'), '--sources', file('src.csv'), '--radius-arcsec', '5', '--within-sigma', '3']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/need positional uncertainties/);
    const prior = await runCli(['xmatch', '--catalog', file('cat.csv'), '--sources', file('src.csv'), '--radius-arcsec', '5', '--prior', '0.1']);
    expect(prior.code).toBe(2);
    expect(prior.stderr).toMatch(/--prior goes with --bayes/);
    writeFileSync(file('bad.csv'), 'id,ra,dec,e\na,1,1,0.5\nb,2,2,-1\n');
    const bad = await runCli(['xmatch', '--catalog', file('cat.csv'), '--sources', file('bad.csv'), '--radius-arcsec', '5', '--sigma-col', 'e', '--within-sigma', '3']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/bad\.csv: column 'e' row 2: -1 is not an error/);
    const build = await runCli(['catalog', 'build', '--in', file('bad.csv'), '--out', file('bad.arrow'), '--ellipse-cols', 'e,e']);
    expect(build.code).toBe(2);
    expect(build.stderr).toMatch(/--ellipse-cols takes MAJOR,MINOR,PA/);
    const built = await runCli(['catalog', 'build', '--in', file('bad.csv'), '--out', file('bad.arrow'), '--sigma-col', 'e']);
    expect(built.code).toBe(1);
    expect(built.stderr).toMatch(/column 'e' row 2: -1 is not an error/);
  });
});
