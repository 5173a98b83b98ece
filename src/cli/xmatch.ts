// skyjoin xmatch --catalog FILE --sources FILE --radius-arcsec R
//   [--scheme zones|rowcol|htm|healpix] [--mode all|best] [--out FILE]
//   [--id-col id --ra-col ra --dec-col dec] [--epoch J2026.5 | --epoch-col C]
// Writes CSV `source_id,catalog_id,sep_arcsec`, one line per pair, sorted by
// source_id then sep_arcsec; ids exactly as read. A built .arrow catalog is
// queried through its own index (mapped, not read); --scheme naming another
// scheme is noted on stderr, not obeyed: every scheme gives the same pairs.
// With a sources epoch, catalog rows with proper motions (a built catalog's
// own, or --pm-ra-col... for a CSV/Parquet catalog) are moved to it first.

import { stat } from 'node:fs/promises';
import { readPlan } from '../catalog/csv-blocks.js';
import { crossmatchCsvFile, type FileMatches } from '../catalog/csv-match.js';
import { loadPositions, sniffFormat, type Positions } from '../catalog/positions.js';
import { SCHEME_KINDS, schemeLabel, type SchemeKind } from '../match/scheme.js';
import { SkyIndex } from '../match/sky-index.js';
import type { RowMotion } from '../match/motion.js';
import { crossmatchUncertain, type ScoredMatches } from '../match/uncertain-match.js';
import type { Matches } from '../match/matches.js';
import type { TextColumn } from '../catalog/text.js';
import { choiceFlag, numberFlag, optionalString, parse, requireString } from './args.js';
import { UsageError } from './errors.js';
import { idOrder } from './ids.js';
import { errorFlags, errorOptions, errorUsage } from './error-flags.js';
import { MOTION_OPTIONS, MOTION_USAGE, catalogMotionFlags, sourceEpochFlags } from './motion-flags.js';
import { catalogMotionOf, columnsToKeep, positionErrorsFrom, sourceEpochs } from './xmatch-inputs.js';
import { TableSink, TextSink, csvField } from './output.js';
import { PAIR_META } from './pair-meta.js';
import { TABLE_FORMATS, formatOfPath, type TableFormat } from '../catalog/table-formats.js';
import type { Column } from '../catalog/table.js';

const USAGE = `usage: skyjoin xmatch --catalog FILE --sources FILE --radius-arcsec R
       [--scheme zones|rowcol|htm|healpix] [--mode all|best] [--out FILE]
       [--id-col id] [--ra-col ra] [--dec-col dec] [--format csv|parquet|fits|vot|vot-binary2]
FILE: CSV or CSV.gz with a header holding id,ra,dec (degrees), Parquet, Arrow, a FITS binary
table, a VOTable (TABLEDATA, BINARY2 or BINARY), or a catalog built by 'skyjoin catalog build'
(.arrow: its own index is used); the format is told from the file's first bytes.
--out FILE: the pairs; the format from --format, else the extension (.csv, .parquet, .fits,
.vot/.xml; vot-binary2 only by --format), else CSV. FITS and Parquet need a file.
--scheme: the index built over a CSV/Parquet catalog (default zones); all give the same pairs.
--mode best: only the nearest catalog row of each source.
Proper motions: catalog rows are moved to the sources' epoch before the test.
  --epoch J2026.5                  the epoch of every source (also JD2461224.5, MJD60676.0)
  --epoch-col C                    a column of the sources file with each source's epoch
                                   (Julian years, MJD or JD, told by size; --source-epoch-unit jyear|mjd|jd)
  A catalog built with motions uses its own; for a CSV/Parquet catalog give its columns:
${MOTION_USAGE}
  --ref-epoch-col C                a catalog column with each row's epoch (instead of --ref-epoch)
Positional uncertainties (sigma_sep, the separation in combined sigmas, is added to the output):
${errorUsage('', 'source')}
  --sigma-arcsec S                 or one circular sigma for every source
  A catalog built with errors uses its own; else (or to override) the --catalog-... twins:
  --catalog-sigma-col C, --catalog-ellipse-cols A,B,PA, --catalog-sigma-unit U, --catalog-sigma-arcsec S
  --within-sigma K                 keep pairs within K combined sigmas (never beyond --radius-arcsec)
  --bayes                          Budavari & Szalay (2008): adds bayes_factor and probability (posterior,
                                   prior from the catalog's density); --mode best keeps the most probable row
                                   (without --bayes: the smallest sigma_sep)
  --prior P                        the prior P(H) instead of the density's`;


export async function xmatchCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    catalog: { type: 'string' },
    sources: { type: 'string' },
    'radius-arcsec': { type: 'string' },
    scheme: { type: 'string' },
    mode: { type: 'string' },
    out: { type: 'string' },
    'id-col': { type: 'string' },
    'ra-col': { type: 'string' },
    'dec-col': { type: 'string' },
    epoch: { type: 'string' }, 'epoch-col': { type: 'string' }, 'source-epoch-unit': { type: 'string' },
    'ref-epoch-col': { type: 'string' },
    ...MOTION_OPTIONS,
    ...errorOptions(''), ...errorOptions('catalog-'),
    'within-sigma': { type: 'string' }, bayes: { type: 'boolean' }, prior: { type: 'string' },
    format: { type: 'string' },
  }, USAGE);
  const catalogPath = requireString(values, 'catalog', USAGE);
  const sourcesPath = requireString(values, 'sources', USAGE);
  const radius = numberFlag(values, 'radius-arcsec', { min: 0, required: true }, USAGE);
  const scheme = choiceFlag(values, 'scheme', SCHEME_KINDS, 'zones');
  const mode = choiceFlag(values, 'mode', ['all', 'best'] as const, 'all');
  const cols = {
    idCol: optionalString(values, 'id-col') ?? 'id',
    raCol: optionalString(values, 'ra-col') ?? 'ra',
    decCol: optionalString(values, 'dec-col') ?? 'dec',
  };
  const catalogMotion = catalogMotionFlags(values, 'ref-epoch-col');
  const epoch = sourceEpochFlags(values);
  if (catalogMotion && !epoch) throw new UsageError('proper motions move the catalog to the sources\' epoch: give --epoch or --epoch-col');
  const srcErr = errorFlags(values, '', USAGE);
  const catErr = errorFlags(values, 'catalog-', USAGE);
  const withinSigma = values['within-sigma'] !== undefined ? numberFlag(values, 'within-sigma', { min: 0 }, USAGE) : undefined;
  const bayes = values.bayes === true;
  if (values.prior !== undefined && !bayes) throw new UsageError('--prior goes with --bayes');
  const prior = values.prior !== undefined ? numberFlag(values, 'prior', { min: 0, max: 1 }, USAGE) : undefined;
  const uncertain = withinSigma !== undefined || bayes || srcErr !== undefined || catErr !== undefined;
  const outPath = optionalString(values, 'out');
  const format = values.format !== undefined ? choiceFlag(values, 'format', TABLE_FORMATS, 'csv') : (outPath && formatOfPath(outPath)) || 'csv';
  if ((format === 'fits' || format === 'parquet') && (!outPath || outPath === '-')) throw new UsageError(`--format ${format} writes a file: give --out FILE`);
  // The output is checked (and its temporary file made) before any reading.
  const sink = format === 'csv' || format === 'vot' || format === 'vot-binary2' ? new TextSink(outPath) : new TableSink(outPath!);
  try {
    const streamed = epoch || uncertain || format !== 'csv' ? null : await streamCatalog(catalogPath, sourcesPath, cols, scheme, radius, mode);
    if (streamed) {
      await writePairs(sink as TextSink, streamed.sources.ids, streamed.fileId, streamed.matches);
      return 0;
    }
    const keep = columnsToKeep(catalogMotion, epoch, srcErr, catErr);
    const [catalog, sources] = await Promise.all([
      loadPositions(catalogPath, { ...cols, keep: keep.catalog }), loadPositions(sourcesPath, { ...cols, keep: keep.sources }),
    ]);
    let index: SkyIndex;
    if (catalog.catalog) {
      const built = catalog.catalog.info.scheme;
      if (values.scheme !== undefined && built.kind !== scheme) {
        process.stderr.write(`skyjoin xmatch: note: ${catalogPath} is indexed with ${schemeLabel(built)}; using that index, not --scheme ${scheme} (every scheme gives the same pairs; rebuild the catalog to change it)\n`);
      }
      index = catalog.index!;
    } else {
      index = SkyIndex.build(catalog.ra, catalog.dec, scheme, { radiusArcsec: radius, rowIds: true });
    }
    let motion: RowMotion | undefined, epochYear: number | Float64Array | undefined;
    if (epoch) {
      motion = catalogMotionOf(catalogPath, catalog, catalogMotion);
      epochYear = sourceEpochs(sourcesPath, sources, epoch);
    }
    let matches: Matches | ScoredMatches;
    if (uncertain) {
      const sourceErrors = positionErrorsFrom(sourcesPath, sources, srcErr);
      const catalogErrors = positionErrorsFrom(catalogPath, catalog, catErr);
      if (!sourceErrors && !catalogErrors) {
        throw new UsageError('--within-sigma and --bayes need positional uncertainties: --sigma-col, --ellipse-cols or --sigma-arcsec for the sources, the --catalog-... twins, or a catalog built with --sigma-col/--ellipse-cols');
      }
      matches = crossmatchUncertain(index, sources.ra, sources.dec, {
        radiusArcsec: radius, mode, sourceErrors, catalogErrors, withinSigma, bayes: bayes ? { prior } : false,
        catalogRa: catalog.ra, catalogDec: catalog.dec, motion, epochYear,
      });
    } else {
      matches = index.crossmatch(sources.ra, sources.dec, { radiusArcsec: radius, mode, motion, epochYear });
    }
    if (format === 'csv') await writePairs(sink as TextSink, sources.ids, catalog.id, matches);
    else await writePairTable(sink, format, sources.ids, catalog.id, matches);
  } catch (err) {
    sink.discard();
    throw err;
  }
  return 0;
}

/**
 * A large CSV catalog and a smaller sources file: the sources are indexed
 * and the catalog streams through that index on every core as it is read
 * (catalog/csv-match.ts), never held whole. The same pairs in the same order
 * as indexing the catalog. Null when this does not apply (the catalog is not
 * a large plain CSV file, or not the larger file) or cannot (a line end inside
 * a quoted field at a block cut): the catalog is then read whole.
 */
async function streamCatalog(
  catalogPath: string, sourcesPath: string, cols: { idCol: string; raCol: string; decCol: string },
  scheme: SchemeKind, radiusArcsec: number, mode: 'all' | 'best',
): Promise<(FileMatches & { sources: Positions }) | null> {
  if ((await sniffFormat(catalogPath)) !== 'csv') return null;
  const plan = await readPlan(catalogPath, {});
  const sourceBytes = (await stat(sourcesPath).catch(() => null))?.size ?? 0;
  if (plan.threads < 2 || sourceBytes >= plan.size) return null;
  const sources = loadPositions(sourcesPath, cols);
  const indexing = sources.then((s) => ({ index: SkyIndex.build(s.ra, s.dec, scheme, { radiusArcsec, rowIds: true }), ra: s.ra, dec: s.dec }));
  indexing.catch(() => {}); // awaited through crossmatchCsvFile, and below
  const r = await crossmatchCsvFile(catalogPath, cols, plan, indexing, radiusArcsec, mode);
  return r ? { ...r, sources: await sources } : null;
}

/** Pair indices grouped by source, sources in id order (only sources with pairs are ordered). */
function pairOrder(sourceIds: TextColumn, m: Matches): Uint32Array {
  const n = sourceIds.length;
  const start = new Uint32Array(n + 1);
  for (let i = 0; i < m.length; i++) start[m.probe[i] + 1]++;
  for (let p = 0; p < n; p++) start[p + 1] += start[p];
  const matched: number[] = [];
  for (let p = 0; p < n; p++) if (start[p] < start[p + 1]) matched.push(p);
  const out = new Uint32Array(m.length);
  let k = 0;
  // Pairs of one source are contiguous (the engine groups them by probe).
  for (const j of idOrder(matched.map((p) => sourceIds.get(p)))) {
    const p = matched[j];
    for (let i = start[p]; i < start[p + 1]; i++) out[k++] = i;
  }
  return out;
}

function scoreColumns(m: Matches | ScoredMatches): { sigma: Float64Array | null; bf: Float64Array | null; prob: Float64Array | null } {
  return {
    sigma: 'sigmaSep' in m ? m.sigmaSep : null,
    bf: 'bayesFactor' in m ? m.bayesFactor ?? null : null,
    prob: 'probability' in m ? m.probability ?? null : null,
  };
}

/** Pairs as CSV, grouped by source in id order; only the catalog ids of matched rows are looked up. */
async function writePairs(sink: TextSink, sourceIds: TextColumn, catalogId: (row: number) => string, m: Matches | ScoredMatches): Promise<void> {
  const { sigma, bf, prob } = scoreColumns(m);
  sink.write(`source_id,catalog_id,sep_arcsec${sigma ? ',sigma_sep' : ''}${bf ? ',bayes_factor,probability' : ''}\n`);
  let lastP = -1, sid = '';
  for (const k of pairOrder(sourceIds, m)) {
    if (m.probe[k] !== lastP) { lastP = m.probe[k]; sid = csvField(sourceIds.get(lastP)); }
    let line = `${sid},${csvField(catalogId(m.row[k]))},${m.sepArcsec[k].toFixed(6)}`;
    if (sigma) line += `,${sigma[k].toFixed(6)}`;
    if (bf) line += `,${bf[k].toPrecision(9)},${prob![k].toPrecision(9)}`;
    if (sink.write(`${line}\n`)) await sink.drain();
  }
  await sink.close();
}

/** Pairs as a table (FITS, VOTable, Parquet), in the CSV's order and with its columns; ids exact (64-bit integers where they are). */
async function writePairTable(sink: TextSink | TableSink, format: TableFormat, sourceIds: TextColumn, catalogId: (row: number) => string, m: Matches | ScoredMatches): Promise<void> {
  const order = pairOrder(sourceIds, m);
  const n = order.length;
  const { sigma, bf, prob } = scoreColumns(m);
  const pick = (a: Float64Array) => Float64Array.from(order, (k) => a[k]);
  const columns: Column[] = [
    { name: 'source_id', type: 'utf8', values: Array.from(order, (k) => sourceIds.get(m.probe[k])) },
    { name: 'catalog_id', type: 'utf8', values: Array.from(order, (k) => catalogId(m.row[k])) },
    { name: 'sep_arcsec', type: 'float64', values: pick(m.sepArcsec) },
  ];
  if (sigma) columns.push({ name: 'sigma_sep', type: 'float64', values: pick(sigma) });
  if (bf) columns.push({ name: 'bayes_factor', type: 'float64', values: pick(bf) }, { name: 'probability', type: 'float64', values: pick(prob!) });
  const table = { length: n, columns };
  if (sink instanceof TableSink) {
    await sink.write(table, format, PAIR_META);
    return;
  }
  const { voTableChunks } = await import('../catalog/votable-write.js');
  for (const piece of voTableChunks(table, { ...PAIR_META, format: format === 'vot' ? 'tabledata' : 'binary2' })) {
    if (sink.write(piece)) await sink.drain();
  }
  await sink.close();
}
