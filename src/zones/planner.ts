// Zone height (and column width) planner.
//
// A query of radius r over zones of height h touches about 2r/h + 1 zones and
// scans a strip of about 2r x h rows in each: with a catalog density rho
// (rows per square degree), a fixed cost Cz per zone visited and Cc per
// candidate tested,
//     cost(h) = (2r/h + 1) Cz + rho (4 r^2 + 2 r h) Cc,
// minimised at h* = sqrt(Cz / (rho Cc)), whatever r. Row/col cells of side w
// cost (2r/w + 1)^2 Cw + rho (2r + w)^2 Cc, minimised at
//     w* = (2 r Cw / (rho Cc))^(1/3).
// The cost ratios below were measured by bench/zone-height.bench.ts (a sweep of
// fixed heights against the planner's choice, across densities and radii).

import { MIN_ZONE_HEIGHT_DEG } from './zones.js';

export const FULL_SKY_DEG2 = 41252.96124941927;

/** Zone cost / candidate cost, in candidate tests. */
export const COST_RATIO = {
  /** A cone search: one binary search per zone. */
  cone: 24,
  /** Bulk crossmatch by merging: a pointer advance per zone per probe. */
  merge: 6,
  /** A row/col cell: one offsets-table lookup. */
  cell: 4,
} as const;

export interface PlanInput {
  /** Rows in the catalog. */
  rows: number;
  /** Sky area the rows cover, square degrees (default: the whole sky). */
  areaDeg2?: number;
  /** The query radius the index is tuned for, arcsec. */
  radiusArcsec: number;
  /** What the index will mostly serve. */
  workload?: 'cone' | 'merge';
}

function density(p: PlanInput): number {
  return Math.max(1e-6, p.rows / (p.areaDeg2 ?? FULL_SKY_DEG2));
}

function clampHeight(h: number): number {
  // A zone never needs to be taller than 10 deg, nor thinner than the key allows.
  return Math.min(10, Math.max(MIN_ZONE_HEIGHT_DEG * 4, h));
}

/** Zone height in degrees for the 1D zones algorithm. */
export function planZoneHeight(p: PlanInput): number {
  const ratio = p.workload === 'merge' ? COST_RATIO.merge : COST_RATIO.cone;
  return roundHeight(clampHeight(Math.sqrt(ratio / density(p))));
}

/** Zone height = column width (deg) for row/col zones: square cells of side w*. */
export function planCellSize(p: PlanInput): number {
  const rDeg = Math.max(p.radiusArcsec, 0.01) / 3600;
  let w = Math.cbrt((2 * rDeg * COST_RATIO.cell) / density(p));
  // The grid keys allow 2^21 cells, and a table larger than the catalog is waste.
  const maxCells = Math.min(2 ** 21 - 1, Math.max(64, p.rows));
  const minW = Math.sqrt(FULL_SKY_DEG2 / maxCells) * 1.05;
  w = Math.max(w, minW);
  return roundHeight(clampHeight(w));
}

/** Rounds to 3 significant digits so plans print nicely and compare stably. */
function roundHeight(h: number): number {
  const e = Math.floor(Math.log10(h)) - 2;
  return Math.round(h / 10 ** e) * 10 ** e;
}

/** Pixel size (deg, square root of the area) wanted for HTM/HEALPix at this density. */
export function planPixelSizeDeg(p: PlanInput): number {
  return planCellSize(p);
}
