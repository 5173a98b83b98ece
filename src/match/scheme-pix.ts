// HTM and HEALPix as key schemes: the key is the trixel / NESTED pixel id at
// the index level; the run table indexes a coarser level so it stays small.

import { nestCoverLoc, nestIndexRaDec } from '../healpix/api.js';
import { checkOrder } from '../healpix/base.js';
import { htmCover } from '../htm/cover.js';
import { htmIndex } from '../htm/lookup.js';
import { checkDepth } from '../htm/trixel.js';
import { RAD_PER_DEG } from '../sky/angles.js';
import type { RangeList } from '../sky/ranges.js';
import type { IndexScheme, KeyScheme, RunTable } from './scheme.js';

/** Coarse level whose pixel count is at most about n / 4 (at least level 0). */
function tableLevel(level: number, basePixels: number, n: number): number {
  let l = 0;
  while (l < level && basePixels * 4 ** (l + 1) <= Math.max(basePixels, n / 4)) l++;
  return l;
}

export class HtmScheme implements KeyScheme {
  readonly spec: IndexScheme;
  constructor(readonly depth: number) {
    checkDepth(depth);
    this.spec = { kind: 'htm', depth };
  }
  runTable(n: number): RunTable {
    const t = tableLevel(this.depth, 8, n);
    return { shift: 2 * (this.depth - t), base: 8 * 4 ** t, size: 8 * 4 ** t };
  }
  keysInto(ra: Float64Array, dec: Float64Array, out: Float64Array): void {
    const d = this.depth;
    for (let i = 0; i < ra.length; i++) {
      const a = ra[i] * RAD_PER_DEG, dd = dec[i] * RAD_PER_DEG;
      const c = Math.cos(dd);
      out[i] = htmIndex(d, c * Math.cos(a), c * Math.sin(a), Math.sin(dd));
    }
  }
  keyOf(_ra: number, _dec: number, x: number, y: number, z: number): number {
    return htmIndex(this.depth, x, y, z);
  }
  cover(_ra: number, _dec: number, x: number, y: number, z: number, radiusDeg: number, out: RangeList): void {
    htmCover(this.depth, x, y, z, radiusDeg * RAD_PER_DEG, out);
  }
}

export class HealpixScheme implements KeyScheme {
  readonly spec: IndexScheme;
  constructor(readonly order: number) {
    checkOrder(order, 24);
    this.spec = { kind: 'healpix', order };
  }
  runTable(n: number): RunTable {
    const t = tableLevel(this.order, 12, n);
    return { shift: 2 * (this.order - t), base: 0, size: 12 * 4 ** t };
  }
  keysInto(ra: Float64Array, dec: Float64Array, out: Float64Array): void {
    const o = this.order;
    for (let i = 0; i < ra.length; i++) out[i] = nestIndexRaDec(o, ra[i], dec[i]);
  }
  keyOf(ra: number, dec: number): number {
    return nestIndexRaDec(this.order, ra, dec);
  }
  cover(ra: number, _dec: number, x: number, y: number, z: number, radiusDeg: number, out: RangeList): void {
    nestCoverLoc(this.order, x, y, z, ra * RAD_PER_DEG, radiusDeg * RAD_PER_DEG, out);
  }
}
