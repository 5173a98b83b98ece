// Which columns of a catalog hold its proper motions (and parallax, radial
// velocity, reference epoch), in which units: recorded in a built catalog's
// metadata, and turned into the engine's RowMotion from the columns of any
// table (a catalog being read, a built catalog's mapped columns).

import type * as A from 'apache-arrow';
import { RowMotion } from '../match/motion.js';
import { checkEpochYear, epochColumnToYears, type EpochUnit } from '../sky/epoch.js';
import type { Column } from './table.js';

export type PmUnit = 'mas/yr' | 'arcsec/yr';
export type ParallaxUnit = 'mas' | 'arcsec';

export interface CatalogMotionInfo {
  /** mu_alpha* (= mu_alpha cos dec) column. */
  pmRa: string;
  pmDec: string;
  parallax?: string;
  rv?: string;
  pmUnit: PmUnit;
  parallaxUnit: ParallaxUnit;
  /** One reference epoch (Julian year) for every row... */
  refEpoch?: number;
  /** ...or a column of them (Julian years, MJD or JD: epochUnit, or auto). */
  epochColumn?: string;
  epochUnit?: EpochUnit | 'auto';
}

export const PM_UNITS: readonly PmUnit[] = ['mas/yr', 'arcsec/yr'];
export const PARALLAX_UNITS: readonly ParallaxUnit[] = ['mas', 'arcsec'];

/** The columns a motion description needs, in a fixed order. */
export function motionColumnNames(m: CatalogMotionInfo): string[] {
  return [m.pmRa, m.pmDec, m.parallax, m.rv, m.epochColumn].filter((c): c is string => c !== undefined);
}

/** Throws a RangeError naming what is wrong with a motion description. */
export function checkMotionInfo(m: CatalogMotionInfo): void {
  if (!m.pmRa || !m.pmDec) throw new RangeError('proper motions need both the pm-ra and the pm-dec column');
  if (!PM_UNITS.includes(m.pmUnit)) throw new RangeError(`pm unit must be one of ${PM_UNITS.join(', ')}, got '${String(m.pmUnit)}'`);
  if (!PARALLAX_UNITS.includes(m.parallaxUnit)) throw new RangeError(`parallax unit must be one of ${PARALLAX_UNITS.join(', ')}, got '${String(m.parallaxUnit)}'`);
  if ((m.refEpoch === undefined) === (m.epochColumn === undefined)) {
    throw new RangeError('proper motions need their reference epoch: one value (e.g. J2016.0) or an epoch column, not both');
  }
  if (m.refEpoch !== undefined) checkEpochYear(m.refEpoch, 'reference epoch');
}

/**
 * The numbers of a column as float64, NaN where null. Text is parsed
 * (blank = null); anything else that is not a number throws a RangeError
 * naming the column and row.
 */
export function numericValues(col: Column, what = 'column'): Float64Array {
  const n = col.values.length;
  const valid = col.valid;
  const out = new Float64Array(n);
  switch (col.type) {
    case 'float64': out.set(col.values as Float64Array); break;
    case 'int32': out.set(col.values as Int32Array); break;
    case 'int64': for (let i = 0; i < n; i++) out[i] = Number((col.values as BigInt64Array)[i]); break;
    case 'bool': throw new RangeError(`${what} '${col.name}' holds booleans, not numbers`);
    case 'utf8': {
      const v = col.values as string[];
      for (let i = 0; i < n; i++) {
        const s = v[i].trim();
        if (s === '') { out[i] = NaN; continue; }
        const x = Number(s);
        if (!Number.isFinite(x)) throw new RangeError(`${what} '${col.name}' row ${i + 1}: '${s}' is not a number`);
        out[i] = x;
      }
    }
  }
  if (valid) for (let i = 0; i < n; i++) if (!valid[i]) out[i] = NaN;
  return out;
}

/** Float64 values of a mapped Arrow column, NaN where null. */
export function arrowNumbers(v: A.Vector, n: number): Float64Array {
  const data = v.data.length === 1 ? v.data[0] : null;
  if (data && data.values instanceof Float64Array && v.nullCount === 0) return data.values.subarray(0, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = v.get(i) as number | bigint | null;
    out[i] = x === null || x === undefined ? NaN : Number(x);
  }
  return out;
}

/**
 * The engine's RowMotion for rows at (ra, dec) whose motion columns are
 * given by name (`column(name)` returns the float64 values, NaN = null).
 */
export function rowMotionOf(ra: Float64Array, dec: Float64Array, m: CatalogMotionInfo, column: (name: string) => Float64Array): RowMotion {
  const pmScale = m.pmUnit === 'arcsec/yr' ? 1000 : 1;
  const plxScale = m.parallaxUnit === 'arcsec' ? 1000 : 1;
  const scaled = (name: string, k: number): Float64Array => {
    const v = column(name);
    if (k === 1) return v;
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v[i] * k;
    return out;
  };
  let refEpochYear: number | Float64Array;
  if (m.epochColumn !== undefined) {
    const e = column(m.epochColumn);
    refEpochYear = epochColumnToYears(e, m.epochUnit ?? 'auto', m.epochColumn);
  } else {
    refEpochYear = m.refEpoch!;
  }
  return RowMotion.prepare(ra, dec, {
    pmRaMasYr: scaled(m.pmRa, pmScale), pmDecMasYr: scaled(m.pmDec, pmScale),
    parallaxMas: m.parallax ? scaled(m.parallax, plxScale) : null,
    rvKms: m.rv ? column(m.rv) : null,
    refEpochYear,
  });
}
