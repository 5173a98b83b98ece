// A cone search at an epoch over rows that move: the index (reference-epoch
// positions) is searched at the radius plus the farthest any row moves by
// then, and the rows are tested on their moved positions.

import { RAD_PER_DEG, checkDec, checkRa, normalizeRa } from '../sky/angles.js';
import { checkEpochYear } from '../sky/epoch.js';
import { arcsecFromChord2, chord2FromArcsec } from '../sky/vector.js';
import type { RowMotion } from './motion.js';
import { checkRadius } from './probes.js';
import type { ConeHit, SkyIndex } from './sky-index.js';

/** Rows within radiusArcsec of (ra, dec) at epochYear, nearest first (ties: lower row). */
export function coneAtEpoch(
  index: SkyIndex, motion: RowMotion, raDeg: number, decDeg: number, radiusArcsec: number, epochYear: number,
): ConeHit[] {
  checkRa(raDeg);
  checkDec(decDeg);
  checkRadius(radiusArcsec, 'radiusArcsec');
  checkEpochYear(epochYear, 'epochYear');
  if (motion.length !== index.length) throw new RangeError(`motion has ${motion.length} rows, the index ${index.length}`);
  const reach = motion.reachArcsec(epochYear, false);
  const rows = index.cone(raDeg, decDeg, Math.min(180 * 3600, radiusArcsec + reach));
  const a = normalizeRa(raDeg) * RAD_PER_DEG, d = decDeg * RAD_PER_DEG;
  const qx = Math.cos(d) * Math.cos(a), qy = Math.cos(d) * Math.sin(a), qz = Math.sin(d);
  const limit = chord2FromArcsec(radiusArcsec);
  const hits: Array<{ row: number; c2: number }> = [];
  for (const row of rows) {
    const c2 = motion.chord2At(row, epochYear, qx, qy, qz);
    if (c2 <= limit) hits.push({ row, c2 });
  }
  hits.sort((p, q) => p.c2 - q.c2 || p.row - q.row);
  return hits.map((h) => ({ row: h.row, sepArcsec: arcsecFromChord2(h.c2) }));
}
