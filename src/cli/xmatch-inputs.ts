// What xmatch reads besides positions: the catalog's proper motions, the
// sources' epochs and both sides' positional uncertainties, from a built
// catalog's metadata or from the columns the flags name. Errors name the
// file, column and row.

import { CatalogInputError } from '../catalog/csv-errors.js';
import { checkErrorValues, errorColumnNames, positionErrorsOf } from '../catalog/error-columns.js';
import { motionColumnNames, numericValues, rowMotionOf, type CatalogMotionInfo } from '../catalog/motion-columns.js';
import type { Positions } from '../catalog/positions.js';
import type { RowMotion } from '../match/motion.js';
import type { PositionErrors } from '../match/position-errors.js';
import { epochColumnToYears } from '../sky/epoch.js';
import type { ErrorFlags } from './error-flags.js';
import { UsageError } from './errors.js';
import type { SourceEpoch } from './motion-flags.js';

/** The extra columns to read from the catalog and the sources for these options. */
export function columnsToKeep(motion: CatalogMotionInfo | undefined, epoch: SourceEpoch | undefined, srcErr: ErrorFlags | undefined, catErr: ErrorFlags | undefined): { catalog: string[]; sources: string[] } {
  const catalog = [...(motion ? motionColumnNames(motion) : []), ...(catErr?.columns ? errorColumnNames(catErr.columns) : [])];
  const sources = [...(epoch?.column ? [epoch.column] : []), ...(srcErr?.columns ? errorColumnNames(srcErr.columns) : [])];
  return { catalog: [...new Set(catalog)], sources: [...new Set(sources)] };
}

function inFile<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof RangeError || err instanceof TypeError) throw new CatalogInputError(file, [], `${file}: ${err.message}`);
    throw err;
  }
}

function numbersOf(file: string, p: Positions): (name: string) => Float64Array {
  const byName = new Map(p.extra.columns.map((c) => [c.name, c]));
  return (name) => numericValues(byName.get(name)!, 'column');
}

/** The catalog's motions: a built catalog's own, or those the flags name in a CSV/Parquet catalog. */
export function catalogMotionOf(file: string, catalog: Positions, flags: CatalogMotionInfo | undefined): RowMotion {
  if (catalog.catalog) {
    if (flags) process.stderr.write(`skyjoin xmatch: note: ${file} is a built catalog: its own proper motions are used, not the --pm-* flags\n`);
    const m = catalog.catalog.motion;
    if (!m) throw new UsageError(`${file} holds no proper motions (build it with --pm-ra-col, --pm-dec-col and --ref-epoch or --epoch-col), so --epoch cannot move it`);
    return m;
  }
  if (!flags) throw new UsageError(`--epoch needs the catalog's proper motions: --pm-ra-col, --pm-dec-col and --ref-epoch (or a catalog built with them)`);
  return inFile(file, () => rowMotionOf(catalog.ra, catalog.dec, flags, numbersOf(file, catalog)));
}

/** Each source's epoch (Julian years): one for all, or from the sources' column. */
export function sourceEpochs(file: string, sources: Positions, e: SourceEpoch): number | Float64Array {
  if (e.epoch !== undefined) return e.epoch;
  return inFile(file, () => epochColumnToYears(numbersOf(file, sources)(e.column!), e.unit, e.column));
}

/** Positional errors from the flags (columns or one sigma), or a built catalog's own; undefined when none. */
export function positionErrorsFrom(file: string, p: Positions, flags: ErrorFlags | undefined): PositionErrors | undefined {
  if (flags?.sigmaArcsec !== undefined) return { sigmaArcsec: flags.sigmaArcsec };
  if (flags?.columns) {
    const cols = flags.columns;
    return inFile(file, () => {
      const get = numbersOf(file, p);
      checkErrorValues(cols, get);
      return positionErrorsOf(cols, get);
    });
  }
  return p.catalog?.positionErrors ?? undefined;
}
