// Galaxies as ellipses. An alert at separation s and position angle t (east
// of north, seen from the galaxy centre) sits in the plane tangent at the
// centre at (s sin t, s cos t): the azimuthal equidistant offsets, exact in
// distance and direction on the sphere, so correct across RA 0/360 and at the
// poles (where "north" is the direction of the pole from the centre's
// meridian, as for the catalog's own position angles). Along the major axis
// (position angle p) the offset is u = s cos(t - p), across it v = s sin(t - p),
// and the distance in units of the ellipse (semi-axes a, b) is
// sqrt((u/a)^2 + (v/b)^2): <= 1 inside. This is the "directional light
// radius" normalisation of host-galaxy association (Sullivan et al. 2006,
// Gupta et al. 2016).

import type { ArrowCatalog } from '../../catalog/arrow-catalog.js';
import type { Ellipse } from '../../catalog/set.js';
import { RAD_PER_DEG } from '../../sky/angles.js';
import { numericColumn } from './columns.js';

const ARCSEC_PER_UNIT = { arcsec: 1, arcmin: 60, deg: 3600 } as const;

/** Distance in units of the ellipse of an offset (sepArcsec, paDeg) from its centre. */
export function ellipseDistance(sepArcsec: number, paDeg: number, aArcsec: number, bArcsec: number, majorPaDeg: number): number {
  if (sepArcsec === 0) return 0;
  const t = (paDeg - majorPaDeg) * RAD_PER_DEG;
  const u = (sepArcsec * Math.cos(t)) / aArcsec;
  const v = (sepArcsec * Math.sin(t)) / bArcsec;
  return Math.sqrt(u * u + v * v);
}

/** Per-row scaled semi-axes (arcsec) and major-axis position angle (deg); semiMajor is NaN for rows without a size. */
export interface EllipseTable {
  semiMajor: Float64Array;
  semiMinor: Float64Array;
  paDeg: Float64Array;
  /** Largest scaled semi-major axis (0 when no row has a size). */
  maxSemiMajor: number;
  sized: number;
}

/**
 * Reads the ellipse columns once. A row has a size when its major axis is
 * positive; a missing minor axis makes it a circle, and so does a missing
 * position angle (an ellipse of unknown orientation: the circle of its
 * semi-major axis, so no host is missed).
 */
export function ellipseTable(cat: ArrowCatalog, e: Ellipse, scale: number): EllipseTable {
  const perUnit = ARCSEC_PER_UNIT[e.unit];
  if (!perUnit) throw new RangeError(`catalog '${cat.name}': ellipse unit must be arcsec, arcmin or deg, got '${String(e.unit)}'`);
  const f = (perUnit * scale) / (e.axes === 'diameter' ? 2 : 1);
  const major = numericColumn(cat, e.major);
  const minor = numericColumn(cat, e.minor);
  const pa = numericColumn(cat, e.pa);
  const n = cat.length;
  const semiMajor = new Float64Array(n), semiMinor = new Float64Array(n), paDeg = new Float64Array(n);
  let max = 0, sized = 0;
  for (let i = 0; i < n; i++) {
    const a = major[i] * f;
    if (!(a > 0)) {
      semiMajor[i] = semiMinor[i] = NaN;
      continue;
    }
    let b = minor[i] * f;
    let p = pa[i];
    if (!(b > 0) || !(p === p)) { b = a; p = 0; }
    // Catalog typos with minor > major: the larger is the major axis.
    if (b > a) { const t = a; semiMajor[i] = b; semiMinor[i] = t; p += 90; } else { semiMajor[i] = a; semiMinor[i] = b; }
    paDeg[i] = p;
    if (semiMajor[i] > max) max = semiMajor[i];
    sized++;
  }
  return { semiMajor, semiMinor, paDeg, maxSemiMajor: max, sized };
}

/** The scaled semi-major axis below which `share` of the sized rows fall (0 when none). */
export function semiMajorQuantile(t: EllipseTable, share: number): number {
  const a: number[] = [];
  for (let i = 0; i < t.semiMajor.length; i++) if (t.semiMajor[i] > 0) a.push(t.semiMajor[i]);
  if (a.length === 0) return 0;
  a.sort((x, y) => x - y);
  return a[Math.min(a.length - 1, Math.floor(share * a.length))];
}
