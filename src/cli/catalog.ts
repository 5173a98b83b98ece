// skyjoin catalog build | build-shipped | info | export
// Arrow and Parquet are loaded by the subcommand that needs them, so that
// --help and usage mistakes answer at once.

import path from 'node:path';
import type { ArrowCatalog } from '../catalog/arrow-catalog.js';
import type { Column } from '../catalog/table.js';
import { SCHEME_KINDS, type SchemeRequest } from '../match/scheme.js';
import { AtomicFile, OutputError, isWriteError } from '../catalog/atomic-file.js';
import { fsReason } from '../catalog/fs-errors.js';
import { choiceFlag, helpHint, numberFlag, optionalString, parse, requireString } from './args.js';
import { defaultDataDir } from './data-dir.js';
import { HelpRequest, UsageError } from './errors.js';
import { errorFlags, errorOptions, errorUsage } from './error-flags.js';
import { MOTION_OPTIONS, MOTION_USAGE, catalogMotionFlags } from './motion-flags.js';
import { Progress } from './progress.js';

const BUILD_USAGE = `usage: skyjoin catalog build --in FILE --out NAME.arrow [options]
  --in FILE               CSV, CSV.gz, Parquet, Arrow, FITS binary table or VOTable, with columns id, ra, dec (degrees)
  --out NAME.arrow        the catalog file (written under a temporary name, renamed when complete)
  --scheme S              zones (default), rowcol, htm or healpix
  --level N               htm: the depth (0-24); healpix: the order (0-24)
  --zone-height-deg H     zones and rowcol: the zone height
  --col-width-deg W       rowcol: the column width
                          (without --level / --zone-height-deg the planner chooses for the catalog's
                          density and --radius-arcsec)
  --radius-arcsec R       the radius queries will mostly use; also the service's default (default 2)
  --id-col C --ra-col C --dec-col C   the columns holding id, ra, dec (default id, ra, dec)
  --keep c1,c2,...        other columns to keep in the catalog, typed from their values
  --name NAME             the catalog's name (default: the --out file name without .arrow)
  --skip-bad              write bad rows to --rejects and go on (default: fail, listing the first 20)
  --rejects FILE          where --skip-bad writes bad rows (default NAME.rejects.csv beside --out)
Proper motions (kept as float64 columns; matches at an epoch move the rows to it):
${MOTION_USAGE}
  --epoch-col C                    or a column with each row's epoch (Julian years, MJD or JD;
                                   --epoch-unit jyear|mjd|jd to say which, default: told by size)
Positional uncertainties (kept as float64; used by xmatch --within-sigma and --bayes):
${errorUsage('', 'row')}`;

const USAGE = `usage: skyjoin catalog <build|build-shipped|info|export> ...
  build          build a memory-mapped Arrow catalog from CSV, CSV.gz, Parquet, Arrow, FITS or VOTable
  build-shipped  build the catalogs shipped in catalogs/ into DATA/catalogs
  info           print a built catalog's description (JSON)
  export         write a built catalog as Parquet, FITS or VOTable
Run 'skyjoin catalog <subcommand> --help' for its options.`;

const SHIPPED_USAGE = `usage: skyjoin catalog build-shipped [--data DIR]
Builds the catalogs shipped in catalogs/ into DIR/catalogs (DIR: --data, else $SKYJOIN_DATA or
~/.local/share/skyjoin); a catalog already built from the same source is left as it is.`;
const INFO_USAGE = `usage: skyjoin catalog info FILE.arrow
Prints the description of a built catalog (rows, scheme, columns, coverage...) as JSON.`;
const EXPORT_USAGE = `usage: skyjoin catalog export --in FILE.arrow --out FILE [--format parquet|fits|vot|vot-binary2|csv]
Writes a built catalog (id, ra, dec and its kept columns) as Parquet (Snappy), a FITS binary
table or a VOTable; the format from --format, else the extension of --out (default Parquet).`;

export async function catalogCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'build': return build(rest);
    case 'build-shipped': return buildShipped(rest);
    case 'info': return info(rest);
    case 'export': return exportParquet(rest);
    case '--help': case '-h': case 'help':
      throw new HelpRequest(USAGE);
    case undefined:
      throw new UsageError(`which one: build, build-shipped, info or export? (see 'skyjoin catalog --help')`);
    default:
      throw new UsageError(`unknown catalog subcommand '${sub}' (see 'skyjoin catalog --help')`);
  }
}

async function build(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    in: { type: 'string' }, out: { type: 'string' }, scheme: { type: 'string' }, level: { type: 'string' },
    'zone-height-deg': { type: 'string' }, 'col-width-deg': { type: 'string' },
    'id-col': { type: 'string' }, 'ra-col': { type: 'string' }, 'dec-col': { type: 'string' },
    keep: { type: 'string' }, 'skip-bad': { type: 'boolean' }, rejects: { type: 'string' }, name: { type: 'string' },
    'radius-arcsec': { type: 'string' },
    'epoch-col': { type: 'string' }, ...MOTION_OPTIONS, ...errorOptions(''),
  }, BUILD_USAGE);
  const motion = catalogMotionFlags(values, 'epoch-col');
  const errors = errorFlags(values, '', BUILD_USAGE, false)?.columns;
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
  if (values.rejects !== undefined && !values['skip-bad']) throw new UsageError('--rejects goes with --skip-bad');
  const rejects = values['skip-bad'] ? (optionalString(values, 'rejects') ?? output.replace(/\.arrow$/i, '') + '.rejects.csv') : undefined;
  // Both outputs are checked (and their temporary files made) before the input is read.
  const outFile = AtomicFile.create(output);
  let rejectsFile: AtomicFile | undefined;
  let r;
  try {
    rejectsFile = rejects ? AtomicFile.create(rejects) : undefined;
    const progress = new Progress(`catalog build ${path.basename(input)}`);
    const { buildCatalogFile } = await import('../catalog/build.js');
    r = await buildCatalogFile({
      input, output: outFile.tempPath, name, scheme, keep, rejects: rejectsFile?.tempPath, defaultRadiusArcsec: radius, motion, errors,
      idCol: optionalString(values, 'id-col'), raCol: optionalString(values, 'ra-col'), decCol: optionalString(values, 'dec-col'),
      onProgress: (rows, bytes) => progress.update(rows, bytes),
    });
    progress.done();
    outFile.commit();
    rejectsFile?.commit();
  } catch (err) {
    throw asOutputError(err, [outFile, rejectsFile]);
  } finally {
    outFile.discard();
    rejectsFile?.discard();
  }
  const total = (r.readMs + r.buildMs) / 1000;
  process.stdout.write(`${output}: ${r.rows} rows, scheme ${JSON.stringify(r.info.scheme)}, ` +
    `read ${(r.readMs / 1000).toFixed(2)} s + index and write ${(r.buildMs / 1000).toFixed(2)} s ` +
    `(${Math.round(r.rows / total).toLocaleString('en-US')} rows/s)` +
    (rejects ? `; ${r.rejected} bad rows written to ${rejects}` : '') +
    (motion ? `; proper motions from ${motion.pmRa}, ${motion.pmDec}${motion.parallax && motion.rv ? ` with ${motion.parallax}, ${motion.rv}` : ''} at ${motion.epochColumn ?? `J${motion.refEpoch}`}` : '') + '\n');
  return 0;
}

async function buildShipped(argv: string[]): Promise<number> {
  const { values } = parse(argv, { data: { type: 'string' } }, SHIPPED_USAGE);
  const dir = path.join(optionalString(values, 'data') ?? defaultDataDir(), 'catalogs');
  const { ensureShippedCatalogs } = await import('../catalog/shipped.js');
  const built = await ensureShippedCatalogs(dir, (m) => process.stderr.write(`${m}\n`));
  for (const b of built) process.stdout.write(`${b.definition.name}\t${b.path}\t${b.built ? 'built' : 'up to date'}\n`);
  return 0;
}

async function info(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, INFO_USAGE, true);
  if (positionals.length !== 1) throw new UsageError(`give one FILE.arrow, got ${positionals.length}${helpHint(INFO_USAGE)}`);
  const { ArrowCatalog } = await import('../catalog/arrow-catalog.js');
  process.stdout.write(`${JSON.stringify(ArrowCatalog.open(positionals[0]).info, null, 2)}\n`);
  return 0;
}

async function exportParquet(argv: string[]): Promise<number> {
  const { values } = parse(argv, { in: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' } }, EXPORT_USAGE);
  const input = requireString(values, 'in', EXPORT_USAGE);
  const out = requireString(values, 'out', EXPORT_USAGE);
  const { TABLE_FORMATS, formatOfPath, writeTableFile } = await import('../catalog/table-formats.js');
  const format = values.format !== undefined ? choiceFlag(values, 'format', TABLE_FORMATS, 'parquet') : formatOfPath(out) ?? 'parquet';
  const outFile = AtomicFile.create(out);
  try {
    const { ArrowCatalog } = await import('../catalog/arrow-catalog.js');
    const cat = ArrowCatalog.open(input);
    const units: Record<string, string> = { ra: 'deg', dec: 'deg' };
    const m = cat.info.motion;
    if (m) {
      units[m.pmRa] = units[m.pmDec] = m.pmUnit === 'mas/yr' ? 'mas/yr' : 'arcsec/yr';
      if (m.parallax) units[m.parallax] = m.parallaxUnit;
      if (m.rv) units[m.rv] = 'km/s';
    }
    await writeTableFile(outFile.tempPath, catalogTable(cat), format, {
      kv: { 'skyjoin.catalog': JSON.stringify(cat.info) }, units,
      ucds: { id: 'meta.id;meta.main', ra: 'pos.eq.ra;meta.main', dec: 'pos.eq.dec;meta.main' },
      integerColumns: ['id'], description: `skyjoin catalog ${cat.name}`,
    });
    process.stdout.write(`${out}: ${cat.length} rows, ${cat.info.columns.length + 3} columns (${format})\n`);
    outFile.commit();
  } catch (err) {
    throw asOutputError(err, [outFile]);
  } finally {
    outFile.discard();
  }
  return 0;
}

/** A system error on one of our temporary files, as an OutputError naming the final path. */
function asOutputError(err: unknown, files: Array<AtomicFile | undefined>): unknown {
  for (const f of files) if (f && isWriteError(err, f.tempPath)) return new OutputError(f.path, fsReason(err));
  return err;
}

/** A catalog's id, ra, dec and kept columns as a table (int64 exact, nulls kept). */
function catalogTable(cat: ArrowCatalog): { length: number; columns: Column[] } {
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
  return { length: cat.length, columns };
}
