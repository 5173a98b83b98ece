// Scheme factory and parameter planning: a SchemeRequest (a kind, maybe with
// parameters) becomes a concrete IndexScheme and its KeyScheme.

import { FULL_SKY_DEG2, planCellSize, planZoneHeight, type PlanInput } from '../zones/planner.js';
import { HealpixScheme, HtmScheme } from './scheme-pix.js';
import { RowColScheme, ZonesScheme } from './scheme-zones.js';
import { SCHEME_KINDS, type IndexScheme, type KeyScheme, type SchemeRequest } from './scheme.js';

export function makeKeyScheme(spec: IndexScheme): KeyScheme {
  switch (spec.kind) {
    case 'zones': return new ZonesScheme(spec.zoneHeightDeg);
    case 'rowcol': return new RowColScheme(spec.zoneHeightDeg, spec.colWidthDeg);
    case 'htm': return new HtmScheme(spec.depth);
    case 'healpix': return new HealpixScheme(spec.order);
    default:
      throw new TypeError(`unknown index scheme ${JSON.stringify(spec)}`);
  }
}

/** Depth/order whose pixel side (sqrt of the mean area) is closest to sizeDeg. */
function levelForSize(sizeDeg: number, basePixels: number, maxLevel: number): number {
  let best = 0;
  let bestErr = Infinity;
  for (let l = 0; l <= maxLevel; l++) {
    const side = Math.sqrt(FULL_SKY_DEG2 / (basePixels * 4 ** l));
    const err = Math.abs(Math.log(side / sizeDeg));
    if (err < bestErr) { bestErr = err; best = l; }
  }
  return best;
}

export function parseSchemeKind(kind: string): IndexScheme['kind'] {
  if ((SCHEME_KINDS as readonly string[]).includes(kind)) return kind as IndexScheme['kind'];
  throw new RangeError(`scheme must be one of ${SCHEME_KINDS.join('|')}, got '${kind}'`);
}

/** Fills in the parameters a request leaves out, with the planner. */
export function resolveScheme(req: SchemeRequest, plan: PlanInput): IndexScheme {
  const r = typeof req === 'string' ? { kind: parseSchemeKind(req) } : req;
  switch (r.kind) {
    case 'zones':
      return { kind: 'zones', zoneHeightDeg: 'zoneHeightDeg' in r && r.zoneHeightDeg !== undefined
        ? r.zoneHeightDeg : planZoneHeight(plan) };
    case 'rowcol': {
      const given = r as { zoneHeightDeg?: number; colWidthDeg?: number };
      const w = planCellSize(plan);
      return { kind: 'rowcol', zoneHeightDeg: given.zoneHeightDeg ?? w, colWidthDeg: given.colWidthDeg ?? w };
    }
    case 'htm': {
      const d = (r as { depth?: number }).depth;
      return { kind: 'htm', depth: d ?? levelForSize(planCellSize({ ...plan, rows: plan.rows }), 8, 20) };
    }
    case 'healpix': {
      const o = (r as { order?: number }).order;
      return { kind: 'healpix', order: o ?? levelForSize(planCellSize(plan), 12, 20) };
    }
    default:
      throw new RangeError(`unknown index scheme ${JSON.stringify(req)}`);
  }
}
