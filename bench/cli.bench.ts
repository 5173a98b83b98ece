// The command line as a user meets it, whole processes only:
//   xmatch: `skyjoin xmatch` of a 10^6-row CSV catalog against 10^5 CSV
//     sources at 2", against the astropy script a Python user would write for
//     the same job (bench/cli-astropy.py: pandas or numpy reads the CSVs,
//     SkyCoord.search_around_sky, pairs written sorted), runs interleaved in
//     one session, same files, and both outputs checked equal line for line.
//   start-up: `skyjoin --version` and `skyjoin` (usage) against `node -e 0`.
// The files are seeded and written with 17 significant digits, as real
// exports (astropy, TOPCAT, databases) write them; half the sources lie
// within 1" of a catalog row. The programs run as installed
// (`node bin/skyjoin.js`, not npx, which adds its own second).
//
// SKYJOIN_BENCH_RUNS (default 5) sets the runs of each side.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seededRandom } from '../src/sky/random.js';
import { report, type Row } from './lib/results.js';

const ROOT = process.cwd();
const BIN = path.join(ROOT, 'bin', 'skyjoin.js');
const PY = '/usr/bin/python3';
const ASTROPY = path.join(ROOT, 'bench', 'cli-astropy.py');
const TMP = path.join(process.env.SKYJOIN_BENCH_TMP ?? os.tmpdir(), 'skyjoin-bench-cli');
const CATALOG_ROWS = 1_000_000;
const SOURCE_ROWS = 100_000;
const RADIUS = 2;
const RUNS = Number(process.env.SKYJOIN_BENCH_RUNS ?? 5);

// Children run without NODE_EXTRA_CA_CERTS: it makes Node load a CA bundle at
// every start (~100 ms here), which most users' machines do not set.
const ENV = { ...process.env };
delete ENV.NODE_EXTRA_CA_CERTS;

/** The catalog (19-digit integer ids) and the sources, written once per machine. */
function writeFiles(): { catalog: string; sources: string } {
  const catalog = path.join(TMP, `catalog-${CATALOG_ROWS}.csv`);
  const sources = path.join(TMP, `sources-${SOURCE_ROWS}.csv`);
  if (existsSync(catalog) && existsSync(sources)) return { catalog, sources };
  mkdirSync(TMP, { recursive: true });
  const r = seededRandom(42);
  const ra = new Float64Array(CATALOG_ROWS), dec = new Float64Array(CATALOG_ROWS);
  const lines = ['id,ra,dec'];
  for (let i = 0; i < CATALOG_ROWS; i++) {
    ra[i] = r() * 360;
    dec[i] = (Math.asin(2 * r() - 1) * 180) / Math.PI;
    lines.push(`${4_295_806_720_000_000_000n + BigInt(i) * 7919n},${ra[i].toPrecision(17)},${dec[i].toPrecision(17)}`);
  }
  writeFileSync(catalog, `${lines.join('\n')}\n`);
  const s = seededRandom(7);
  const src = ['id,ra,dec'];
  for (let i = 0; i < SOURCE_ROWS; i++) {
    let a: number, d: number;
    if (i % 2 === 0) {
      // Within about 1" of a catalog row.
      const j = Math.floor(s() * CATALOG_ROWS);
      d = Math.max(-90, Math.min(90, dec[j] + ((s() - 0.5) * 2) / 3600));
      a = (ra[j] + ((s() - 0.5) * 2) / 3600 / Math.max(0.01, Math.cos((dec[j] * Math.PI) / 180)) + 360) % 360;
    } else {
      a = s() * 360;
      d = (Math.asin(2 * s() - 1) * 180) / Math.PI;
    }
    src.push(`${1_000_000 + i},${a.toPrecision(17)},${d.toPrecision(17)}`);
  }
  writeFileSync(sources, `${src.join('\n')}\n`);
  return { catalog, sources };
}

/** Wall time (ms) of one child process, and what it wrote on stderr. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = ENV): Promise<{ ms: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t, code, stderr }));
  });
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const sortedLines = (f: string) => readFileSync(f, 'utf8').trim().split('\n').slice(1).sort();

async function startupRows(rows: Row[]): Promise<void> {
  const n = 21;
  const cases: Array<[string, string, string[], NodeJS.ProcessEnv?]> = [
    ['node -e 0 (Node itself)', process.execPath, ['-e', '0']],
    ['skyjoin --version', process.execPath, [BIN, '--version']],
    ['skyjoin (usage)', process.execPath, [BIN]],
    ['skyjoin cover (a small command)', process.execPath, [BIN, 'cover', '--scheme', 'healpix-nested', '--level', '10', '--ra', '10', '--dec', '20', '--radius-arcsec', '60']],
    ['skyjoin --version with NODE_EXTRA_CA_CERTS set (as on this machine)', process.execPath, [BIN, '--version'], process.env],
  ];
  const times = cases.map(() => [] as number[]);
  // Interleaved, so that load from elsewhere falls on every case alike.
  for (let k = 0; k < n; k++) {
    for (let c = 0; c < cases.length; c++) times[c].push((await timed(cases[c][1], cases[c][2], cases[c][3] ?? ENV)).ms);
  }
  cases.forEach(([what], c) => rows.push({ measure: `start-up: ${what}`, value: median(times[c]), unit: 'ms', note: `median of ${n} runs (min ${Math.min(...times[c]).toFixed(1)})` }));
  const version = median(times[1]), node = median(times[0]);
  rows.push({ measure: 'start-up: skyjoin --version above Node itself', value: version - node, unit: 'ms', note: `target: skyjoin --version and usage <= 60 ms wall` });
}

export async function runCli(): Promise<Row[]> {
  if (!existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('build first: npm run build');
  const rows: Row[] = [];
  await startupRows(rows);

  const py = spawnSync(PY, ['-c', 'import astropy, numpy; print(astropy.__version__, numpy.__version__)'], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(`${PY} with astropy is needed (Debian python3-astropy): ${py.stderr}`);
  const t0 = performance.now();
  const { catalog, sources } = writeFiles();
  const genMs = performance.now() - t0;
  const outSky = path.join(TMP, 'pairs-skyjoin.csv'), outPy = path.join(TMP, 'pairs-astropy.csv');
  const sky: number[] = [], astro: number[] = [];
  let phases: Record<string, number | string> = {};
  for (let k = 0; k < RUNS; k++) {
    const a = await timed(process.execPath, [BIN, 'xmatch', '--catalog', catalog, '--sources', sources, '--radius-arcsec', String(RADIUS), '--out', outSky]);
    if (a.code !== 0) throw new Error(`skyjoin xmatch failed: ${a.stderr}`);
    sky.push(a.ms);
    const b = await timed(PY, [ASTROPY, catalog, sources, String(RADIUS), outPy]);
    if (b.code !== 0) throw new Error(`astropy script failed: ${b.stderr}`);
    astro.push(b.ms);
    phases = JSON.parse(b.stderr.trim().split('\n').pop()!);
  }
  const a = sortedLines(outSky), b = sortedLines(outPy);
  const same = a.length === b.length && a.every((l, i) => l === b[i]);
  if (!same) throw new Error(`skyjoin and astropy disagree: ${a.length} vs ${b.length} pairs`);
  const ms = median(sky), pyMs = median(astro);
  const files = `${(readFileSync(catalog).length / 2 ** 20).toFixed(0)} MiB + ${(readFileSync(sources).length / 2 ** 20).toFixed(1)} MiB of CSV`;
  rows.push(
    { measure: `skyjoin xmatch, ${CATALOG_ROWS.toLocaleString('en-US')} x ${SOURCE_ROWS.toLocaleString('en-US')} CSV rows, r = ${RADIUS}", whole process`, value: ms, unit: 'ms', note: `median of ${RUNS} (min ${Math.min(...sky).toFixed(0)}); ${a.length} pairs; ${files}` },
    { measure: `astropy script (${String(phases.reader)} + SkyCoord.search_around_sky), same files, whole process`, value: pyMs, unit: 'ms', note: `median of ${RUNS} (min ${Math.min(...astro).toFixed(0)}); last run: imports ${Number(phases.imports).toFixed(2)} s, read ${Number(phases.read).toFixed(2)} s, match ${Number(phases.match).toFixed(2)} s, write ${Number(phases.write).toFixed(2)} s` },
    { measure: 'astropy script time / skyjoin time', value: pyMs / ms, unit: 'x', note: `same pairs line for line; target >= 5x; min/min ${(Math.min(...astro) / Math.min(...sky)).toFixed(2)}x` },
  );
  report('cli', `Command line, whole processes: start-up, and skyjoin xmatch vs astropy on the same CSV files (files generated in ${(genMs / 1000).toFixed(1)} s, once)`, rows, {
    runs: RUNS, catalogRows: CATALOG_ROWS, sourceRows: SOURCE_ROWS, radiusArcsec: RADIUS, skyjoinMs: sky, astropyMs: astro, astropyPhases: phases,
    note: 'machine shared with other work: compare ratios within this run',
  });
  rmSync(outSky, { force: true });
  rmSync(outPy, { force: true });
  return rows;
}
