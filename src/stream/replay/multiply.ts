// K = n x n copies of an alert on a grid around it (n = 3, 4, ..., 45: the
// proposal for simulating Rubin rates from ZTF data), each with fresh ids and
// its whole history carried along by the same rotation of the sphere, encoded
// with the alert's own schema.

import { freshId } from './ids.js';
import { AlertSlots } from './rewrite.js';
import { gridOffsets, gridSide, offsetRotation, rotateRaDec } from './rotation.js';
import type { AlertUnit } from './units.js';

export interface MultiplyOptions {
  /** Grid spacing (default 60": far beyond the 1.5" object-matching radius, so copies never join each other's objects). */
  spacingArcsec?: number;
}

export const DEFAULT_SPACING_ARCSEC = 60;

export interface AlertCopy {
  /** 0: the original alert (original ids and bytes); 1..K-1: shifted copies. */
  copy: number;
  /** The Kafka message value. */
  value: Buffer;
  /** Position of this copy's detection (deg). */
  ra: number;
  dec: number;
  /** Its alert id (ZTF candid, Rubin diaSourceId). */
  alertId: bigint;
}

function checkSpacing(s: number): number {
  if (!(s > 0) || !Number.isFinite(s) || s > 3600) throw new RangeError(`spacingArcsec must be in (0, 3600], got ${s}`);
  return s;
}

/** The copies of one alert, one at a time (2025 copies of a 70 kB alert need not be held at once). */
export function* alertCopies(unit: AlertUnit, copies: number, opts: MultiplyOptions = {}): Generator<AlertCopy> {
  const n = gridSide(copies);
  const spacing = checkSpacing(opts.spacingArcsec ?? DEFAULT_SPACING_ARCSEC);
  const { alert } = unit;
  yield { copy: 0, value: unit.original, ra: alert.ra, dec: alert.dec, alertId: alert.alertId };
  if (copies === 1) return;
  const grid = gridOffsets(n);
  const slots = new AlertSlots(unit.record);
  const m = new Float64Array(9), pos = new Float64Array(2);
  try {
    for (let c = 1; c < copies; c++) {
      offsetRotation(alert.ra, alert.dec, grid[2 * c] * spacing, grid[2 * c + 1] * spacing, m);
      slots.apply(c, m);
      rotateRaDec(m, alert.ra, alert.dec, pos);
      yield { copy: c, value: unit.frame(unit.type.toBuffer(unit.record)), ra: pos[0], dec: pos[1], alertId: freshId(alert.alertId, c) };
    }
  } finally {
    slots.restore();
  }
}

/** All K copies of one alert (pure: the unit's record is left as it was). */
export function multiplyAlert(unit: AlertUnit, copies: number, opts: MultiplyOptions = {}): AlertCopy[] {
  return [...alertCopies(unit, copies, opts)];
}
