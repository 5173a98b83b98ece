// Every command through the real bin in a child process: a missing input
// file, an output that cannot be written and a bad flag each give one line on
// stderr naming the cause, the documented exit code (1 bad input / failure,
// 2 bad usage), no stack trace, and no file left under the output's name.

import { createServer, type Server } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runBin, unwritableDir, type BinResult } from '../support/bin.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const file = (name: string) => path.join(tmp.dir, name);
const good = file('good.csv');
const nope = file('nope.csv');
const missingDir = file('no-such-folder');
let ro: string;
let catalogDir: string;

beforeAll(async () => {
  ensureBuilt();
  ro = unwritableDir(tmp.dir);
  writeFileSync(good, 'id,ra,dec\na,10,20\nb,10.0001,20\nc,359.9999,-89.5\n');
  catalogDir = file('catalogs');
  mkdirSync(catalogDir);
  const r = await runBin(['catalog', 'build', '--in', good, '--out', path.join(catalogDir, 'good.arrow')]);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

/** Exactly one line on stderr, matching `pattern`, no stack trace, the given exit code. */
function oneLine(r: BinResult, code: number, pattern: string | RegExp): void {
  expect(r.code, `stderr: ${r.stderr}`).toBe(code);
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines, r.stderr).toHaveLength(1);
  if (typeof pattern === 'string') expect(lines[0]).toContain(pattern);
  else expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** No temporary file of `out` left beside it; nothing under its name unless `kept` (it was there before). */
function noDebris(out: string, kept = false): void {
  const dir = path.dirname(out), base = path.basename(out);
  if (existsSync(dir)) expect(readdirSync(dir).filter((f) => f.startsWith(`.${base}.`) && f.endsWith('.tmp'))).toEqual([]);
  expect(existsSync(out)).toBe(kept);
}

describe.concurrent('xmatch', () => {
  const base = ['xmatch', '--sources', good, '--radius-arcsec', '2'];
  it('a missing input file', async () => {
    oneLine(await runBin([...base, '--catalog', nope]), 1, `${nope}: cannot open: no such file or folder (ENOENT)`);
  });
  it('outputs that cannot be written: missing folder, a folder, an unwritable place, a full device', async () => {
    for (const [out, why] of [
      [path.join(missingDir, 'x.csv'), `folder ${missingDir} does not exist`],
      [tmp.dir, 'it is a folder'],
      [path.join(ro, 'x.csv'), ''],
      ['/dev/full', 'no space left on the device (ENOSPC)'],
    ]) {
      const r = await runBin([...base, '--catalog', good, '--out', out]);
      oneLine(r, 1, `skyjoin xmatch: cannot write ${out}: ${why}`);
    }
    for (const out of [path.join(missingDir, 'x.csv'), path.join(ro, 'x.csv')]) noDebris(out);
    noDebris(tmp.dir, true);
  });
  it('a failed run leaves the previous output as it was; a good run replaces it', async () => {
    const out = file('kept.csv');
    writeFileSync(out, 'old\n');
    writeFileSync(file('bad-rows.csv'), 'id,ra,dec\na,10,91\n');
    const r = await runBin([...base, '--catalog', file('bad-rows.csv'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("bad-rows.csv:2: column 'dec': dec must be in [-90, 90], got 91");
    expect(readFileSync(out, 'utf8')).toBe('old\n');
    noDebris(out, true);
    const ok = await runBin([...base, '--catalog', good, '--out', out]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('source_id,catalog_id,sep_arcsec');
  });
  it('bad flags', async () => {
    oneLine(await runBin([...base, '--catalog', good, '--radius-arcsec', 'x']), 2, "--radius-arcsec must be a number >= 0, got 'x'");
    oneLine(await runBin([...base, '--catalog', good, '--radius-arcsc', '2']), 2, "unknown option '--radius-arcsc'; did you mean --radius-arcsec? (see 'skyjoin xmatch --help')");
    oneLine(await runBin([...base, '--catalog']), 2, '--catalog needs a value');
    oneLine(await runBin(['xmatch', '--sources', good, '--radius-arcsec', '2']), 2, "--catalog is required (see 'skyjoin xmatch --help')");
    oneLine(await runBin([...base, '--catalog', good, '--mode', 'nearest']), 2, "--mode must be one of all|best, got 'nearest'");
  });
});

describe.concurrent('pixel and cover', () => {
  const pixel = ['pixel', '--scheme', 'htm', '--level', '8'];
  it('pixel: missing input, unwritable output, bad flag', async () => {
    oneLine(await runBin([...pixel, '--in', nope]), 1, `${nope}: cannot open: no such file or folder`);
    oneLine(await runBin([...pixel, '--in', good, '--out', path.join(missingDir, 'p.csv')]), 1, `cannot write ${path.join(missingDir, 'p.csv')}: folder ${missingDir} does not exist`);
    oneLine(await runBin([...pixel, '--in', good, '--out', path.join(ro, 'p.csv')]), 1, `cannot write ${path.join(ro, 'p.csv')}`);
    oneLine(await runBin(['pixel', '--scheme', 'htm', '--level', '25', '--in', good]), 2, "--level must be an integer >= 0 and <= 24, got '25'");
    oneLine(await runBin(['pixel', '--scheme', 'hpx', '--level', '2', '--in', good]), 2, "--scheme must be one of healpix-nested|healpix-ring|htm, got 'hpx'");
  });
  it('cover: bad values, missing and unknown flags', async () => {
    const c = ['cover', '--scheme', 'healpix-nested', '--level', '8', '--ra', '10', '--radius-arcsec', '60'];
    oneLine(await runBin([...c, '--dec', '91']), 2, "--dec must be a number >= -90 and <= 90, got '91'");
    oneLine(await runBin(c), 2, "--dec is required (see 'skyjoin cover --help')");
    oneLine(await runBin([...c, '--dec', '0', '--max-ranges', '4']), 2, '--max-ranges applies to --scheme htm only');
    oneLine(await runBin([...c, '--dec', '0', '--bogus']), 2, "unknown option '--bogus'");
  });
});

describe.concurrent('catalog', () => {
  it('build: missing input, unwritable output and rejects, bad flags', async () => {
    const out = file('built.arrow');
    oneLine(await runBin(['catalog', 'build', '--in', nope, '--out', out]), 1, `${nope}: cannot open: no such file or folder`);
    noDebris(out);
    oneLine(await runBin(['catalog', 'build', '--in', good, '--out', path.join(missingDir, 'c.arrow')]), 1, `cannot write ${path.join(missingDir, 'c.arrow')}: folder ${missingDir} does not exist`);
    oneLine(await runBin(['catalog', 'build', '--in', good, '--out', path.join(ro, 'c.arrow')]), 1, `cannot write ${path.join(ro, 'c.arrow')}`);
    oneLine(await runBin(['catalog', 'build', '--in', good, '--out', out, '--skip-bad', '--rejects', path.join(missingDir, 'r.csv')]), 1, `cannot write ${path.join(missingDir, 'r.csv')}`);
    noDebris(out);
    oneLine(await runBin(['catalog', 'build', '--in', good, '--out', out, '--scheme', 'quadtree']), 2, "--scheme must be one of zones|rowcol|htm|healpix, got 'quadtree'");
    oneLine(await runBin(['catalog', 'build', '--in', good, '--out', out, '--level', '5']), 2, '--level applies to htm and healpix');
    oneLine(await runBin(['catalog', 'build', '--in', good, '--out', out, '--rejects', file('r.csv')]), 2, '--rejects goes with --skip-bad');
  });
  it('info: a missing file says so; a file that is not a catalog says so; bad usage', async () => {
    oneLine(await runBin(['catalog', 'info', file('nope.arrow')]), 1, `${file('nope.arrow')}: cannot open: no such file or folder (ENOENT)`);
    oneLine(await runBin(['catalog', 'info', good]), 1, `${good} is not an Arrow IPC file`);
    oneLine(await runBin(['catalog', 'info']), 2, "give one FILE.arrow, got 0 (see 'skyjoin catalog info --help')");
    oneLine(await runBin(['catalog', 'info', '--json', good]), 2, "unknown option '--json'");
  });
  it('export: missing input, unwritable output, bad flag', async () => {
    const arrow = path.join(catalogDir, 'good.arrow');
    oneLine(await runBin(['catalog', 'export', '--in', file('nope.arrow'), '--out', file('x.parquet')]), 1, 'cannot open: no such file or folder');
    noDebris(file('x.parquet'));
    oneLine(await runBin(['catalog', 'export', '--in', arrow, '--out', path.join(ro, 'x.parquet')]), 1, `cannot write ${path.join(ro, 'x.parquet')}`);
    oneLine(await runBin(['catalog', 'export', '--in', arrow, '--out', '/dev/full']), 1, 'cannot write /dev/full: no space left on the device');
    oneLine(await runBin(['catalog', 'export', '--in', arrow]), 2, '--out is required');
    const ok = await runBin(['catalog', 'export', '--in', arrow, '--out', file('good.parquet')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(file('good.parquet')).subarray(0, 4).toString()).toBe('PAR1');
  });
  it('build-shipped: unwritable data folder, bad flag; unknown subcommand', async () => {
    oneLine(await runBin(['catalog', 'build-shipped', '--data', path.join(ro, 'data')]), 1, `cannot write ${path.join(ro, 'data', 'catalogs')}`);
    oneLine(await runBin(['catalog', 'build-shipped', '--dat', tmp.dir]), 2, "unknown option '--dat'; did you mean --data?");
    oneLine(await runBin(['catalog', 'frob']), 2, "unknown catalog subcommand 'frob' (see 'skyjoin catalog --help')");
  });
});

describe.concurrent('serve, keys, replay, stream', () => {
  let busy: Server;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('serve: a port in use, a missing config, an unwritable data folder, a bad port', async () => {
    const port = (busy.address() as { port: number }).port;
    const data = file('serve-data');
    oneLine(await runBin(['serve', '--port', String(port), '--data', data, '--catalogs', catalogDir], { env: { SKYJOIN_LOG_LEVEL: 'warn' } }),
      1, `cannot listen on 127.0.0.1:${port}: the address is already in use`);
    oneLine(await runBin(['serve', '--config', file('nope.json'), '--data', data]), 1, `--config ${file('nope.json')}: cannot read: no such file or folder`);
    oneLine(await runBin(['serve', '--data', path.join(ro, 'data'), '--catalogs', catalogDir, '--port', '0']), 1, path.join(ro, 'data'));
    oneLine(await runBin(['serve', '--port', '70000']), 2, "--port must be an integer >= 0 and <= 65535, got '70000'");
  });
  it('keys: a folder with no store, an unwritable folder, bad flags', async () => {
    oneLine(await runBin(['keys', 'list', '--data', missingDir]), 1, `${missingDir} holds no service store`);
    expect(existsSync(missingDir)).toBe(false);
    oneLine(await runBin(['keys', 'create', 'alice', '--data', path.join(ro, 'data')]), 1, path.join(ro, 'data'));
    oneLine(await runBin(['keys', 'create', 'alice', '--rate-limit', '0', '--data', file('keys-data')]), 2, "--rate-limit must be an integer >= 1, got '0'");
    oneLine(await runBin(['keys', 'create']), 2, "keys create needs a NAME (see 'skyjoin keys --help')");
  });
  it('replay: a missing input, bad flags', async () => {
    oneLine(await runBin(['replay', '--from', nope, '--to', 'kafka://127.0.0.1:9/t']), 1, `${nope}: no such file or folder`);
    oneLine(await runBin(['replay', '--from', good, '--to', 'file:x']), 2, "--to must be kafka://HOST:PORT/TOPIC, got 'file:x'");
    oneLine(await runBin(['replay', '--from', good, '--to', 'kafka://127.0.0.1:9/t', '--multiply', '8']), 2, '--multiply');
  });
  it('stream: a missing input, an unwritable data folder, bad flags', async () => {
    oneLine(await runBin(['stream', '--from', `file:${nope}`, '--data', file('stream-data')]), 1, `--from file:${nope}: no such file or folder`);
    oneLine(await runBin(['stream', '--from', 'file:catalogs/samples/ztf-alerts', '--data', path.join(ro, 'data')]), 1, path.join(ro, 'data'));
    oneLine(await runBin(['stream', '--from', `file:${tmp.dir}`, '--match-radius-arcsec', '0']), 2, "--match-radius-arcsec must be a number >= 0.001");
    oneLine(await runBin(['stream', '--from', 'http://x']), 2, "--from must be kafka://HOST:PORT/TOPIC or file:PATH, got 'http://x'");
  });
});
