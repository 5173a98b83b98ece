import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { SkyIndex } from '../../src/match/sky-index.js';
import { ang2pixNestBig, ang2pixRing } from '../../src/healpix/api.js';
import { htmIndexRaDec } from '../../src/htm/lookup.js';
import { runCli } from '../support/cli.js';
import { randomSky } from '../support/sky.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const file = (name: string) => path.join(tmp.dir, name);

/** A catalog and sources with 19-digit ids, clustered so that 30" finds pairs, across RA 0/360. */
function writeInputs() {
  const cat = randomSky(3000, 3), src = randomSky(500, 4);
  const catLines = ['id,ra,dec,mag'];
  for (let i = 0; i < cat.ra.length; i++) catLines.push(`${1000000000000000000n + BigInt(i)},${cat.ra[i]},${cat.dec[i]},${i % 9}`);
  catLines.push('C-wrap-1,359.9999,10,1', 'C-wrap-2,0.0001,10,2', 'C-pole,0,90,3');
  const srcLines = ['id,ra,dec'];
  for (let i = 0; i < src.ra.length; i++) {
    // Half the sources sit 0..20" from a catalog row.
    const j = i * 5;
    const ra = i % 2 ? src.ra[i] : cat.ra[j] + (i % 7) * 0.001;
    const dec = i % 2 ? src.dec[i] : Math.max(-90, Math.min(90, cat.dec[j] + (i % 5) * 0.001));
    srcLines.push(`S${(i * 7919) % 500},${((ra % 360) + 360) % 360},${dec}`);
  }
  srcLines.push('S-wrap,0,10', 'S-pole,180,89.9999');
  writeFileSync(file('cat.csv'), `${catLines.join('\n')}\n`);
  writeFileSync(file('cat.csv.gz'), gzipSync(`${catLines.join('\r\n')}\r\n`));
  writeFileSync(file('src.csv'), `${srcLines.join('\n')}\n`);
}
writeInputs();

const common = ['--catalog', file('cat.csv'), '--sources', file('src.csv')];

describe('skyjoin xmatch', () => {
  it('writes every pair, sorted by source id then separation, ids exactly as read, same for every scheme', async () => {
    const outputs: string[] = [];
    for (const scheme of ['zones', 'rowcol', 'htm', 'healpix']) {
      const r = await runCli(['xmatch', '--catalog', file('cat.csv.gz'), '--sources', file('src.csv'), '--radius-arcsec', '30', '--scheme', scheme, '--out', file(`out-${scheme}.csv`)]);
      expect(r.code, r.stderr).toBe(0);
      outputs.push(readFileSync(file(`out-${scheme}.csv`), 'utf8'));
    }
    for (const o of outputs) expect(o).toBe(outputs[0]);
    const lines = outputs[0].trim().split('\n');
    expect(lines[0]).toBe('source_id,catalog_id,sep_arcsec');
    const pairs = lines.slice(1).map((l) => l.split(','));
    expect(pairs.length).toBeGreaterThan(200);
    expect(pairs.some(([, c]) => c === '1000000000000000010')).toBe(true);
    expect(pairs.find(([s]) => s === 'S-wrap')?.[1]).toMatch(/C-wrap-[12]/);
    expect(pairs.filter(([s]) => s === 'S-wrap').length).toBe(2);
    // Sorted by source id (text order here: ids are not all numbers), then separation.
    for (let i = 1; i < pairs.length; i++) {
      const [s0, , d0] = pairs[i - 1], [s1, , d1] = pairs[i];
      expect(s0 < s1 || (s0 === s1 && Number(d0) <= Number(d1))).toBe(true);
    }
  });

  it('equals the library crossmatch pair for pair; best mode keeps the nearest', async () => {
    const r = await runCli(['xmatch', ...common, '--radius-arcsec', '12', '--out', file('all.csv')]);
    expect(r.code, r.stderr).toBe(0);
    // The library on the same rows.
    const read = (f: string) => readFileSync(file(f), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const cat = read('cat.csv'), src = read('src.csv');
    const index = SkyIndex.build(Float64Array.from(cat, (c) => Number(c[1])), Float64Array.from(cat, (c) => Number(c[2])));
    const m = index.crossmatch(Float64Array.from(src, (s) => Number(s[1])), Float64Array.from(src, (s) => Number(s[2])), { radiusArcsec: 12 });
    const want = Array.from({ length: m.length }, (_, i) => `${src[m.probe[i]][0]},${cat[m.row[i]][0]},${m.sepArcsec[i].toFixed(6)}`).sort();
    const got = readFileSync(file('all.csv'), 'utf8').trim().split('\n').slice(1);
    expect(got.slice().sort()).toEqual(want);
    const b = await runCli(['xmatch', ...common, '--radius-arcsec', '12', '--mode', 'best', '--out', file('best.csv')]);
    expect(b.code).toBe(0);
    const best = readFileSync(file('best.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const firstPerSource = new Map<string, string>();
    for (const l of got) { const [s, c] = l.split(','); if (!firstPerSource.has(s)) firstPerSource.set(s, c); }
    expect(new Map(best.map(([s, c]) => [s, c]))).toEqual(firstPerSource);
  });

  it('a built catalog is queried through its own index; --scheme naming another scheme is noted, never silently obeyed', async () => {
    const arrow = file('cat-htm.arrow');
    const built = await runCli(['catalog', 'build', '--in', file('cat.csv'), '--out', arrow, '--scheme', 'htm']);
    expect(built.code, built.stderr).toBe(0);
    const fromCsv = await runCli(['xmatch', ...common, '--radius-arcsec', '12', '--out', file('via-csv.csv')]);
    expect(fromCsv.code, fromCsv.stderr).toBe(0);
    const want = readFileSync(file('via-csv.csv'), 'utf8');
    for (const [scheme, note] of [[undefined, false], ['htm', false], ['zones', true], ['healpix', true]] as const) {
      const r = await runCli(['xmatch', '--catalog', arrow, '--sources', file('src.csv'), '--radius-arcsec', '12', '--out', file('via-arrow.csv'), ...(scheme ? ['--scheme', scheme] : [])]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(file('via-arrow.csv'), 'utf8')).toBe(want);
      if (note) expect(r.stderr).toBe(`skyjoin xmatch: note: ${arrow} is indexed with htm(depth=${JSON.parse((await runCli(['catalog', 'info', arrow])).stdout).scheme.depth}); using that index, not --scheme ${scheme} (every scheme gives the same pairs; rebuild the catalog to change it)\n`);
      else expect(r.stderr).toBe('');
    }
  });

  it('a large CSV catalog streams through an index of the sources: the same output as reading it whole', async () => {
    // 17 MiB and more: read in blocks on every core, each block matched as it is read.
    const big = randomSky(320_000, 9);
    const lines = ['id,ra,dec'];
    for (let i = 0; i < big.ra.length; i++) lines.push(`${1_000_000_000_000_000_000n + BigInt(i)},${big.ra[i].toPrecision(17)},${big.dec[i].toPrecision(17)}`);
    writeFileSync(file('big.csv'), `${lines.join('\n')}\n`);
    expect(statSync(file('big.csv')).size).toBeGreaterThan(16 << 20);
    const src = ['id,ra,dec'];
    for (let j = 0; j < 20_000; j++) {
      const i = (j * 7919) % big.ra.length;
      src.push(`${j},${((big.ra[i] + (j % 3) * 0.0002 + 360) % 360).toPrecision(17)},${Math.min(90, big.dec[i] + (j % 5) * 0.0001).toPrecision(17)}`);
    }
    writeFileSync(file('many-src.csv'), `${src.join('\n')}\n`);
    for (const mode of ['all', 'best']) {
      const r = await runCli(['xmatch', '--catalog', file('big.csv'), '--sources', file('many-src.csv'), '--radius-arcsec', '2', '--mode', mode, '--out', file(`big-${mode}.csv`)]);
      expect(r.code, r.stderr).toBe(0);
      // The same pairs from the library, the catalog indexed.
      const index = SkyIndex.build(big.ra.map((x) => Number(x.toPrecision(17))), big.dec.map((x) => Number(x.toPrecision(17))));
      const sRa = Float64Array.from(src.slice(1), (l) => Number(l.split(',')[1])), sDec = Float64Array.from(src.slice(1), (l) => Number(l.split(',')[2]));
      const m = index.crossmatch(sRa, sDec, { radiusArcsec: 2, mode: mode as 'all' | 'best' });
      const want = ['source_id,catalog_id,sep_arcsec'];
      for (let i = 0; i < m.length; i++) want.push(`${m.probe[i]},${1_000_000_000_000_000_000n + BigInt(m.row[i])},${m.sepArcsec[i].toFixed(6)}`);
      const got = readFileSync(file(`big-${mode}.csv`), 'utf8').trim().split('\n');
      expect(got.length).toBeGreaterThan(15_000);
      expect(got).toEqual(want);
    }
  });

  it('fails loudly on bad input, naming file, line and column', async () => {
    writeFileSync(file('bad.csv'), 'id,ra,dec\na,10,20\nb,10,91.2\nc,x,3\n');
    const r1 = await runCli(['xmatch', '--catalog', file('bad.csv'), '--sources', file('src.csv'), '--radius-arcsec', '1']);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain(`${file('bad.csv')}:3: column 'dec': dec must be in [-90, 90], got 91.2`);
    expect(r1.stderr).toContain(`${file('bad.csv')}:4: column 'ra': ra must be a finite number of degrees, got 'x'`);
    writeFileSync(file('src-renamed.csv'), readFileSync(file('src.csv'), 'utf8').replace('id,ra,dec', 'name,alpha,delta'));
    const r2 = await runCli(['xmatch', '--catalog', file('cat.csv'), '--sources', file('src-renamed.csv'), '--radius-arcsec', '1']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`src-renamed.csv:1: missing id column 'id' in the header (columns: name, alpha, delta)`);
    // Renamed columns: the flags name the columns of both files.
    writeFileSync(file('cat-renamed.csv'), readFileSync(file('cat.csv'), 'utf8').replace('id,ra,dec', 'name,alpha,delta'));
    const ok = await runCli(['xmatch', '--catalog', file('cat-renamed.csv'), '--sources', file('src-renamed.csv'), '--radius-arcsec', '12',
      '--id-col', 'name', '--ra-col', 'alpha', '--dec-col', 'delta', '--out', file('renamed.csv')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(file('renamed.csv'), 'utf8')).toBe(readFileSync(file('all.csv'), 'utf8'));
    const r3 = await runCli(['xmatch', ...common, '--radius-arcsec', '-1']);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain("--radius-arcsec must be a number >= 0, got '-1'");
    const r4 = await runCli(['xmatch', ...common, '--radius-arcsec', '1', '--scheme', 'quadtree']);
    expect(r4.stderr).toContain('--scheme must be one of zones|rowcol|htm|healpix');
  });
});

describe('skyjoin pixel and cover', () => {
  it('pixel writes exact ids at every level', async () => {
    for (const [scheme, level] of [['healpix-nested', 29], ['healpix-ring', 12], ['htm', 20]] as const) {
      const r = await runCli(['pixel', '--scheme', scheme, '--level', String(level), '--in', file('cat.csv'), '--out', file('pix.csv')]);
      expect(r.code, r.stderr).toBe(0);
      const lines = readFileSync(file('pix.csv'), 'utf8').trim().split('\n');
      expect(lines[0]).toBe('id,pixel');
      const cat = readFileSync(file('cat.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      for (let i = 0; i < 200; i++) {
        const [id, ra, dec] = cat[i];
        const want = scheme === 'htm' ? String(htmIndexRaDec(level, Number(ra), Number(dec)))
          : scheme === 'healpix-ring' ? String(ang2pixRing(level, Number(ra), Number(dec))) : ang2pixNestBig(level, Number(ra), Number(dec)).toString();
        expect(lines[i + 1]).toBe(`${id},${want}`);
      }
    }
  });

  it('cover prints inclusive ranges that hold the centre', async () => {
    const r = await runCli(['cover', '--scheme', 'htm', '--level', '10', '--ra', '359.9999', '--dec', '0', '--radius-arcsec', '30']);
    expect(r.code).toBe(0);
    const ranges = r.stdout.trim().split('\n').map((l) => l.split('-').map(Number));
    const id = htmIndexRaDec(10, 359.9999, 0);
    expect(ranges.some(([a, b]) => a <= id && id <= b)).toBe(true);
    const h = await runCli(['cover', '--scheme', 'healpix-nested', '--level', '29', '--ra', '10', '--dec', '-20', '--radius-arcsec', '0.001']);
    const p = ang2pixNestBig(29, 10, -20);
    expect(h.stdout.trim().split('\n').some((l) => { const [a, b] = l.split('-').map(BigInt); return a <= p && p <= b; })).toBe(true);
    const bad = await runCli(['cover', '--scheme', 'htm', '--level', '25', '--ra', '0', '--dec', '0', '--radius-arcsec', '1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--level must be an integer >= 0 and <= 24');
  });
});
