// What the engine needs from an indexing algorithm: a key per row and the key
// ranges that cover a circle. Keys are integers below 2^53 held in doubles.

import type { RangeList } from '../sky/ranges.js';

export type SchemeKind = 'zones' | 'rowcol' | 'htm' | 'healpix';
export const SCHEME_KINDS: readonly SchemeKind[] = ['zones', 'rowcol', 'htm', 'healpix'];

export type IndexScheme =
  | { kind: 'zones'; zoneHeightDeg: number }
  | { kind: 'rowcol'; zoneHeightDeg: number; colWidthDeg: number }
  | { kind: 'htm'; depth: number }
  | { kind: 'healpix'; order: number };

/** A scheme kind alone, or with some parameters: the planner fills in the rest. */
export type SchemeRequest =
  | SchemeKind
  | { kind: 'zones'; zoneHeightDeg?: number }
  | { kind: 'rowcol'; zoneHeightDeg?: number; colWidthDeg?: number }
  | { kind: 'htm'; depth?: number }
  | { kind: 'healpix'; order?: number };

/**
 * Rows are grouped in runs of equal floor(key / 2^tableShift); the run-offsets
 * table has one entry per run number in [tableBase, tableBase + tableSize).
 */
export interface RunTable {
  shift: number;
  base: number;
  size: number;
}

export interface KeyScheme {
  readonly spec: IndexScheme;
  /** The run table for an index of n rows. */
  runTable(n: number): RunTable;
  /** Keys of rows; ra already in [0, 360), dec in [-90, 90], (x, y, z) their unit vectors. */
  keysInto(
    ra: Float64Array, dec: Float64Array, out: Float64Array,
  ): void;
  keyOf(ra: number, dec: number, x: number, y: number, z: number): number;
  /**
   * Key ranges [start, end) holding every row within radiusDeg of the centre
   * (and possibly more): the exact chord test is applied by the engine.
   */
  cover(
    ra: number, dec: number, x: number, y: number, z: number, radiusDeg: number, out: RangeList,
  ): void;
}

export function schemeLabel(s: IndexScheme): string {
  switch (s.kind) {
    case 'zones': return `zones(h=${s.zoneHeightDeg}°)`;
    case 'rowcol': return `rowcol(h=${s.zoneHeightDeg}°, w=${s.colWidthDeg}°)`;
    case 'htm': return `htm(depth=${s.depth})`;
    case 'healpix': return `healpix(order=${s.order})`;
  }
}
