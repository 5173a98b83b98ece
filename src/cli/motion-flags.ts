// The flags that say which columns of a catalog hold its proper motions and
// at which epoch its positions are, and the sources' epoch: shared by
// `catalog build` and `xmatch`.

import type { CatalogMotionInfo, ParallaxUnit, PmUnit } from '../catalog/motion-columns.js';
import { parseEpoch, type EpochUnit } from '../sky/epoch.js';
import { choiceFlag, optionalString, type Options, type Values } from './args.js';
import { UsageError } from './errors.js';

const EPOCH_UNITS = ['auto', 'jyear', 'mjd', 'jd'] as const;

export const MOTION_OPTIONS: Options = {
  'pm-ra-col': { type: 'string' }, 'pm-dec-col': { type: 'string' },
  'parallax-col': { type: 'string' }, 'rv-col': { type: 'string' },
  'ref-epoch': { type: 'string' }, 'pm-unit': { type: 'string' }, 'parallax-unit': { type: 'string' },
  'epoch-unit': { type: 'string' },
};

export const MOTION_USAGE = `  --pm-ra-col C --pm-dec-col C    proper motion columns: mu_alpha* (= mu_alpha cos dec) and mu_delta
  --pm-unit mas/yr|arcsec/yr       their unit (default mas/yr)
  --parallax-col C --rv-col C      parallax and radial velocity (km/s): rigorous space motion where both are known
  --parallax-unit mas|arcsec       (default mas)
  --ref-epoch J2016.0              the epoch of the positions, for every row (J2000.0 for Tycho-2, J2016.0 for Gaia DR3)`;

function epochFlag(values: Values, name: string): number {
  try {
    return parseEpoch(optionalString(values, name)!, `--${name}`);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * The catalog's motion description from the flags, or undefined when none
 * is given. `epochColFlag` names the flag of a per-row reference epoch
 * column (`epoch-col` for catalog build, `ref-epoch-col` for xmatch).
 */
export function catalogMotionFlags(values: Values, epochColFlag: string): CatalogMotionInfo | undefined {
  const pmRa = optionalString(values, 'pm-ra-col'), pmDec = optionalString(values, 'pm-dec-col');
  const parallax = optionalString(values, 'parallax-col'), rv = optionalString(values, 'rv-col');
  const refEpoch = values['ref-epoch'] !== undefined ? epochFlag(values, 'ref-epoch') : undefined;
  const epochColumn = optionalString(values, epochColFlag);
  const any = pmRa ?? pmDec ?? parallax ?? rv ?? epochColumn ?? values['ref-epoch'] ?? values['pm-unit'] ?? values['parallax-unit'];
  if (any === undefined) return undefined;
  if (!pmRa || !pmDec) throw new UsageError('proper motions need both --pm-ra-col and --pm-dec-col');
  if ((refEpoch === undefined) === (epochColumn === undefined)) {
    throw new UsageError(`proper motions need the epoch of the positions: --${epochColFlag} COL or --ref-epoch J2016.0 (one of them)`);
  }
  const pmUnit = choiceFlag(values, 'pm-unit', ['mas/yr', 'arcsec/yr'] as const, 'mas/yr') as PmUnit;
  const parallaxUnit = choiceFlag(values, 'parallax-unit', ['mas', 'arcsec'] as const, 'mas') as ParallaxUnit;
  const epochUnit = choiceFlag(values, 'epoch-unit', EPOCH_UNITS, 'auto') as EpochUnit | 'auto';
  return {
    pmRa, pmDec, pmUnit, parallaxUnit,
    ...(parallax ? { parallax } : {}), ...(rv ? { rv } : {}),
    ...(refEpoch !== undefined ? { refEpoch } : { epochColumn, epochUnit }),
  };
}

export interface SourceEpoch {
  /** One epoch (Julian year) for every source... */
  epoch?: number;
  /** ...or a column of the sources file (Julian years, MJD or JD). */
  column?: string;
  unit: EpochUnit | 'auto';
}

/** The sources' epoch from --epoch or --epoch-col, or undefined. */
export function sourceEpochFlags(values: Values): SourceEpoch | undefined {
  const col = optionalString(values, 'epoch-col');
  if (values.epoch !== undefined && col !== undefined) throw new UsageError('give --epoch or --epoch-col, not both');
  const unit = choiceFlag(values, 'source-epoch-unit', EPOCH_UNITS, 'auto') as EpochUnit | 'auto';
  if (values.epoch !== undefined) return { epoch: epochFlag(values, 'epoch'), unit };
  if (col !== undefined) return { column: col, unit };
  return undefined;
}
