// skyjoin catalog build | build-shipped | info | export

import path from 'node:path';
import { ArrowCatalog } from '../catalog/arrow-catalog.js';
import { buildCatalogFile } from '../catalog/build.js';
import { writeParquetTable } from '../catalog/parquet.js';
import { ensureShippedCatalogs } from '../catalog/shipped.js';
import type { Column } from '../catalog/table.js';
import { SCHEME_KINDS, type SchemeRequest } from '../match/scheme.js';
import { choiceFlag, numberFlag, optionalString, parse, requireString } from './args.js';
import { defaultDataDir } from './data-dir.js';
import { UsageError } from './errors.js';
import { Progress } from './progress.js';

const BUILD_USAGE = `usage: skyjoin catalog build --in FILE --out NAME.arrow [--scheme zones|rowcol|htm|healpix]
       [--level N] [--zone-height-deg H] [--col-width-deg W] [--id-col id --ra-col ra --dec-col dec]
       [--keep col1,col2,...] [--skip-bad] [--rejects FILE] [--name NAME] [--radius-arcsec R]
FILE: CSV, CSV.gz, Parquet or Arrow. --level: the HTM depth or HEALPix order (zones and
rowcol take --zone-height-deg / --col-width-deg); without them the planner chooses for the
catalog's density and --radius-arcsec (default 2). Bad rows fail the build, listing the first
20; --skip-bad writes them to --rejects (default NAME.rejects.csv) and goes on.`;

const USAGE = `usage: skyjoin catalog <build|build-shipped|info|export> ...
  build          build a memory-mapped Arrow catalog from CSV, CSV.gz, Parquet or Arrow
  build-shipped  build the catalogs shipped in catalogs/ into DATA/catalogs
  info           print a built catalog's description (JSON)
  export         write a built catalog as Parquet`;

export async function catalogCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'build': return build(rest);
    case 'build-shipped': return buildShipped(rest);
    case 'info': return info(rest);
    case 'export': return exportParquet(rest);
    case undefined: case '--help': case '-h':
      process.stdout.write(`${USAGE}\n`);
      return sub ? 0 : 2;
    default:
      throw new UsageError(`unknown catalog subcommand '${sub}'\n${USAGE}`);
  }
}

async function build(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    in: { type: 'string' }, out: { type: 'string' }, scheme: { type: 'string' }, level: { type: 'string' },
    'zone-height-deg': { type: 'string' }, 'col-width-deg': { type: 'string' },
    'id-col': { type: 'string' }, 'ra-col': { type: 'string' }, 'dec-col': { type: 'string' },
    keep: { type: 'string' }, 'skip-bad': { type: 'boolean' }, rejects: { type: 'string' }, name: { type: 'string' },
    'radius-arcsec': { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, BUILD_USAGE);
  if (values.help) { process.stdout.write(`${BUILD_USAGE}\n`); return 0; }
  const input = requireString(values, 'in', BUILD_USAGE);
  const output = requireString(values, 'out', BUILD_USAGE);
  const kind = choiceFlag(values, 'scheme', SCHEME_KINDS, 'zones');
  const radius = numberFlag(values, 'radius-arcsec', { min: 0, def: 2 }, BUILD_USAGE);
  let scheme: SchemeRequest = kind;
  if (values.level !== undefined) {
    if (kind === 'zones' || kind === 'rowcol') throw new UsageError(`--level applies to htm and healpix; zones and rowcol take --zone-height-deg`);
    const level = numberFlag(values, 'level', { min: 0, max: 24, integer: true }, BUILD_USAGE);
    scheme = kind === 'htm' ? { kind, depth: level } : { kind, order: level };
  } else if (values['zone-height-deg'] !== undefined || values['col-width-deg'] !== undefined) {
    if (kind !== 'zones' && kind !== 'rowcol') throw new UsageError(`--zone-height-deg applies to zones and rowcol; htm and healpix take --level`);
    const h = numberFlag(values, 'zone-height-deg', { min: 1e-4, max: 180 }, BUILD_USAGE);
    const w = numberFlag(values, 'col-width-deg', { min: 1e-4, max: 360 }, BUILD_USAGE);
    scheme = kind === 'zones' ? { kind, zoneHeightDeg: h } : { kind, zoneHeightDeg: Number.isNaN(h) ? undefined : h, colWidthDeg: Number.isNaN(w) ? undefined : w };
  }
  const name = optionalString(values, 'name') ?? path.basename(output).replace(/\.arrow$/i, '');
  const keep = optionalString(values, 'keep')?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  const rejects = values['skip-bad'] ? (optionalString(values, 'rejects') ?? output.replace(/\.arrow$/i, '') + '.rejects.csv') : undefined;
  const progress = new Progress(`catalog build ${path.basename(input)}`);
  const r = await buildCatalogFile({
    input, output, name, scheme, keep, rejects, defaultRadiusArcsec: radius,
    idCol: optionalString(values, 'id-col'), raCol: optionalString(values, 'ra-col'), decCol: optionalString(values, 'dec-col'),
    onProgress: (rows, bytes) => progress.update(rows, bytes),
  });
  progress.done();
  const total = (r.readMs + r.buildMs) / 1000;
  process.stdout.write(`${output}: ${r.rows} rows, scheme ${JSON.stringify(r.info.scheme)}, ` +
    `read ${(r.readMs / 1000).toFixed(2)} s + index and write ${(r.buildMs / 1000).toFixed(2)} s ` +
    `(${Math.round(r.rows / total).toLocaleString('en-US')} rows/s)` +
    (rejects ? `; ${r.rejected} bad rows written to ${rejects}` : '') + '\n');
  return 0;
}

async function buildShipped(argv: string[]): Promise<number> {
  const usage = 'usage: skyjoin catalog build-shipped [--data DIR]';
  const { values } = parse(argv, { data: { type: 'string' } }, usage);
  const dir = path.join(optionalString(values, 'data') ?? defaultDataDir(), 'catalogs');
  const built = await ensureShippedCatalogs(dir, (m) => process.stderr.write(`${m}\n`));
  for (const b of built) process.stdout.write(`${b.definition.name}\t${b.path}\t${b.built ? 'built' : 'up to date'}\n`);
  return 0;
}

async function info(argv: string[]): Promise<number> {
  const usage = 'usage: skyjoin catalog info FILE.arrow';
  const { positionals } = parse(argv, {}, usage, true);
  if (positionals.length !== 1) throw new UsageError(usage);
  process.stdout.write(`${JSON.stringify(ArrowCatalog.open(positionals[0]).info, null, 2)}\n`);
  return 0;
}

async function exportParquet(argv: string[]): Promise<number> {
  const usage = 'usage: skyjoin catalog export --in FILE.arrow --out FILE.parquet';
  const { values } = parse(argv, { in: { type: 'string' }, out: { type: 'string' } }, usage);
  const cat = ArrowCatalog.open(requireString(values, 'in', usage));
  const out = requireString(values, 'out', usage);
  const columns: Column[] = [
    { name: 'id', type: 'utf8', values: cat.ids().toArray() },
    { name: 'ra', type: 'float64', values: cat.ra },
    { name: 'dec', type: 'float64', values: cat.dec },
  ];
  for (const c of cat.info.columns) {
    const v = cat.column(c.name)!;
    const n = cat.length;
    const valid = v.nullCount ? Uint8Array.from({ length: n }, (_, i) => (v.isValid(i) ? 1 : 0)) : undefined;
    let values: Column['values'];
    if (c.type === 'utf8') values = Array.from({ length: n }, (_, i) => (v.get(i) ?? '') as string);
    else if (c.type === 'bool') values = Uint8Array.from({ length: n }, (_, i) => (v.get(i) ? 1 : 0));
    else if (c.type === 'int64') values = BigInt64Array.from({ length: n }, (_, i) => BigInt(v.get(i) ?? 0));
    else if (c.type === 'int32') values = Int32Array.from({ length: n }, (_, i) => Number(v.get(i) ?? 0));
    else values = Float64Array.from({ length: n }, (_, i) => Number(v.get(i) ?? NaN));
    columns.push({ name: c.name, type: c.type, values, valid });
  }
  writeParquetTable(out, { length: cat.length, columns }, { 'skyjoin.catalog': JSON.stringify(cat.info) });
  process.stdout.write(`${out}: ${cat.length} rows, ${columns.length} columns\n`);
  return 0;
}
