import type { IndexScheme } from '../../src/match/scheme.js';

/** Every algorithm, at parameters coarse and fine enough to exercise covers with many ranges. */
export const SCHEMES: IndexScheme[] = [
  { kind: 'zones', zoneHeightDeg: 0.5 },
  { kind: 'zones', zoneHeightDeg: 0.01 },
  { kind: 'zones', zoneHeightDeg: 7 },
  { kind: 'rowcol', zoneHeightDeg: 0.5, colWidthDeg: 0.5 },
  { kind: 'rowcol', zoneHeightDeg: 2, colWidthDeg: 0.2 },
  { kind: 'htm', depth: 6 },
  { kind: 'htm', depth: 12 },
  { kind: 'htm', depth: 0 },
  { kind: 'healpix', order: 6 },
  { kind: 'healpix', order: 12 },
  { kind: 'healpix', order: 0 },
];

export const schemeName = (s: IndexScheme): string => JSON.stringify(s);
