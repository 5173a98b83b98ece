// The flags that give positional uncertainties: a sigma column, an error
// ellipse's columns, or one sigma for every row; for the sources (no
// prefix) or a CSV/Parquet catalog in xmatch (`catalog-`).

import type { ErrorColumnsInfo, ErrorUnit } from '../catalog/error-columns.js';
import { choiceFlag, numberFlag, optionalString, type Options, type Values } from './args.js';
import { UsageError } from './errors.js';

export function errorOptions(prefix: '' | 'catalog-'): Options {
  return {
    [`${prefix}sigma-col`]: { type: 'string' }, [`${prefix}ellipse-cols`]: { type: 'string' },
    [`${prefix}sigma-arcsec`]: { type: 'string' }, [`${prefix}sigma-unit`]: { type: 'string' },
  };
}

export interface ErrorFlags {
  /** Columns of the file... */
  columns?: ErrorColumnsInfo;
  /** ...or one circular sigma (arcsec) for every row. */
  sigmaArcsec?: number;
}

/** The errors the flags give, or undefined when none; a mistake is a UsageError naming the flag. */
export function errorFlags(values: Values, prefix: '' | 'catalog-', usage: string, constant = true): ErrorFlags | undefined {
  const col = optionalString(values, `${prefix}sigma-col`);
  const ell = optionalString(values, `${prefix}ellipse-cols`);
  const fixed = values[`${prefix}sigma-arcsec`];
  const given = [col, ell, fixed].filter((v) => v !== undefined).length;
  if (given === 0) {
    if (values[`${prefix}sigma-unit`] !== undefined) throw new UsageError(`--${prefix}sigma-unit goes with --${prefix}sigma-col or --${prefix}ellipse-cols`);
    return undefined;
  }
  if (given > 1) throw new UsageError(`give one of --${prefix}sigma-col, --${prefix}ellipse-cols${constant ? ` or --${prefix}sigma-arcsec` : ''}`);
  if (fixed !== undefined) {
    if (!constant) throw new UsageError(`--${prefix}sigma-arcsec is not taken here`);
    return { sigmaArcsec: numberFlag(values, `${prefix}sigma-arcsec`, { min: 0 }, usage) };
  }
  const unit = choiceFlag(values, `${prefix}sigma-unit`, ['arcsec', 'mas'] as const, 'arcsec') as ErrorUnit;
  if (col !== undefined) return { columns: { sigma: col, unit } };
  const parts = ell!.split(',').map((s) => s.trim());
  if (parts.length !== 3 || parts.some((p) => p === '')) throw new UsageError(`--${prefix}ellipse-cols takes MAJOR,MINOR,PA (three column names), got '${ell}'`);
  return { columns: { ellipse: { major: parts[0], minor: parts[1], pa: parts[2] }, unit } };
}

export function errorUsage(prefix: '' | 'catalog-', what: string): string {
  const line = (flag: string, text: string) => `  ${flag.padEnd(31)}  ${text}`;
  return [
    line(`--${prefix}sigma-col C`, `a column with each ${what}'s circular 1-sigma error`),
    line(`--${prefix}ellipse-cols A,B,PA`, 'or its error ellipse: 1-sigma semi-major, semi-minor axes, PA (deg east of north)'),
    line(`--${prefix}sigma-unit arcsec|mas`, 'their unit (default arcsec)'),
  ].join('\n');
}
