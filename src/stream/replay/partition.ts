// Sky regions for partitioning: alerts of one coarse HEALPix NESTED pixel go
// to one partition (pixel mod P), so each consumer in a group owns the
// objects of its regions and no two processes race to create the same object.
// An object near a pixel border can still be seen by two partitions: its
// alerts scatter by a fraction of an arcsecond across the border.

import { ang2pixNest } from '../../healpix/api.js';

/** Default region order: 3,072 pixels of ~3.7 deg, much larger than any object's scatter and than a 45 x 45 grid at 60". */
export const DEFAULT_REGION_ORDER = 4;

export function regionOf(raDeg: number, decDeg: number, order = DEFAULT_REGION_ORDER): number {
  return ang2pixNest(order, raDeg, decDeg);
}

export function partitionOfRegion(region: number, partitions: number): number {
  return region % partitions;
}
