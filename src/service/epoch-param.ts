// The `epoch` query parameter of the match and cone routes: the epoch the
// catalog's rows are moved to (their proper motions) before matching.

import type { ServedCatalog } from '../catalog/set.js';
import type { RowMotion } from '../match/motion.js';
import { parseEpoch } from '../sky/epoch.js';
import { BadRequest } from './errors.js';

export const epochProp = {
  type: 'string', maxLength: 40,
  description: 'Epoch of the sources (J2026.5, 2026.5, JD2461224.5 or MJD60676.0): catalog rows with proper motions are moved to it before matching. The catalog must carry proper motions (`motion` in its description).',
  examples: ['J2026.5'],
} as const;

/** The epoch (Julian year) and the catalog's motions, or null without an epoch; 400 naming `epoch` otherwise. */
export function epochParam(c: ServedCatalog, epoch: string | undefined): { year: number; motion: RowMotion } | null {
  if (epoch === undefined) return null;
  let year: number;
  try {
    year = parseEpoch(epoch, 'epoch');
  } catch (err) {
    throw new BadRequest((err as Error).message);
  }
  const motion = c.catalog.motion;
  if (!motion) throw new BadRequest(`epoch: catalog '${c.name}' has no proper motions, so it cannot be moved to an epoch`);
  return { year, motion };
}
