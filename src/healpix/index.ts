// HEALPix, NESTED and RING, orders 0..29 (healpy-compatible ids).
// `number` ids: orders 0..24 (exact below 2^53); `...Big` twins: bigint ids, orders 0..29.

export {
  MAX_ORDER, MAX_NUMBER_ORDER, checkOrder, maxPixrad, nsideOf, npixOf,
} from './base.js';
export { ang2pixNest, ang2pixRing, nestIndex, nestIndexRaDec, pix2angNest, pix2angRing } from './ang.js';
export { nest2ring, ring2nest } from './convert.js';
export { neighboursNest, neighboursNestInto, neighboursRing } from './neighbours.js';
export { nestCover, nestCoverLoc, queryDiscNest, queryDiscNestInto, type DiscOptions } from './disc.js';
export { queryDiscRing, queryDiscRingInto } from './disc-ring.js';
export {
  ang2pixNestBig, ang2pixRingBig, nest2ringBig, neighboursNestBig, neighboursRingBig, pix2angNestBig,
  pix2angRingBig, queryDiscNestBig, queryDiscRingBig, ring2nestBig,
} from './big.js';
