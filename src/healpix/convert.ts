// NESTED <-> RING renumbering with `number` ids (orders 0..24); the bigint
// twins are in big.ts. Both go through the pixel's (face, ix, iy).

import { MAX_NUMBER_ORDER, checkOrder, checkPix } from './base.js';
import { nestToXyf, xyfToNest } from './nest.js';
import { ringToXyf, xyfToRing } from './ring.js';

const xyf = new Int32Array(3);

/** RING id of a NESTED pixel. Orders 0..24; use nest2ringBig above. */
export function nest2ring(order: number, pix: number): number {
  checkOrder(order, MAX_NUMBER_ORDER, 'nest2ringBig');
  checkPix(order, pix);
  nestToXyf(order, pix, xyf);
  return xyfToRing(order, xyf[0], xyf[1], xyf[2]);
}

/** NESTED id of a RING pixel. Orders 0..24; use ring2nestBig above. */
export function ring2nest(order: number, pix: number): number {
  checkOrder(order, MAX_NUMBER_ORDER, 'ring2nestBig');
  checkPix(order, pix);
  ringToXyf(order, pix, xyf);
  return xyfToNest(order, xyf[0], xyf[1], xyf[2]);
}
