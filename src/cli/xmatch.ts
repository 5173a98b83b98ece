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
import { TextSink, csvField } from './output.js';

const USAGE = `usage: skyjoin xmatch --catalog FILE --sources FILE --radius-arcsec R
       [--scheme zones|rowcol|htm|healpix] [--mode all|best] [--out FILE]
       [--id-col id] [--ra-col ra] [--dec-col dec]
FILE: CSV or CSV.gz with a header holding id,ra,dec (degrees), Parquet, Arrow, or a
catalog built by 'skyjoin catalog build' (.arrow: its own index is used).
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
  // The output is checked (and its temporary file made) before any reading.
  const sink = new TextSink(optionalString(values, 'out'));
  try {
    const streamed = epoch || uncertain ? null : await streamCatalog(catalogPath, sourcesPath, cols, scheme, radius, mode);
    if (streamed) {
      await writePairs(sink, streamed.sources.ids, streamed.fileId, streamed.matches);
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
    await writePairs(sink, sources.ids, catalog.id, matches);
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

/** Pairs grouped by source in id order; only the catalog ids of matched rows are looked up. */
async function writePairs(sink: TextSink, sourceIds: TextColumn, catalogId: (row: number) => string, m: Matches | ScoredMatches): Promise<void> {
  const n = sourceIds.length;
  const start = new Uint32Array(n + 1);
  for (let i = 0; i < m.length; i++) start[m.probe[i] + 1]++;
  for (let p = 0; p < n; p++) start[p + 1] += start[p];
  const sigma = 'sigmaSep' in m ? m.sigmaSep : null;
  const bf = 'bayesFactor' in m ? m.bayesFactor ?? null : null, prob = 'probability' in m ? m.probability ?? null : null;
  sink.write(`source_id,catalog_id,sep_arcsec${sigma ? ',sigma_sep' : ''}${bf ? ',bayes_factor,probability' : ''}\n`);
  // Only the sources with pairs are put in id order.
  const matched: number[] = [];
  for (let p = 0; p < n; p++) if (start[p] < start[p + 1]) matched.push(p);
  for (const j of idOrder(matched.map((p) => sourceIds.get(p)))) {
    const p = matched[j];
    const sid = csvField(sourceIds.get(p));
    for (let k = start[p]; k < start[p + 1]; k++) {
      let line = `${sid},${csvField(catalogId(m.row[k]))},${m.sepArcsec[k].toFixed(6)}`;
      if (sigma) line += `,${sigma[k].toFixed(6)}`;
      if (bf) line += `,${bf[k].toPrecision(9)},${prob![k].toPrecision(9)}`;
      if (sink.write(`${line}\n`)) await sink.drain();
    }
  }
  await sink.close();
}
