// HTM and HEALPix as key schemes: the key is the trixel / NESTED pixel id at
// the index level; the run table indexes a coarser level so it stays small.

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
    this.spec = { kind: 'htm', depth };
    throw new Error('HTM scheme not wired yet');
  }
  runTable(n: number): RunTable {
    const t = tableLevel(this.depth, 8, n);
    return { shift: 2 * (this.depth - t), base: 8 * 4 ** t, size: 8 * 4 ** t };
  }
  keysInto(_ra: Float64Array, _dec: Float64Array, _out: Float64Array): void {}
  keyOf(): number { return 0; }
  cover(_ra: number, _dec: number, _x: number, _y: number, _z: number, _r: number, out: RangeList): void { out.clear(); }
}

export class HealpixScheme implements KeyScheme {
  readonly spec: IndexScheme;
  constructor(readonly order: number) {
    this.spec = { kind: 'healpix', order };
    throw new Error('HEALPix scheme not wired yet');
  }
  runTable(n: number): RunTable {
    const t = tableLevel(this.order, 12, n);
    return { shift: 2 * (this.order - t), base: 0, size: 12 * 4 ** t };
  }
  keysInto(_ra: Float64Array, _dec: Float64Array, _out: Float64Array): void {}
  keyOf(): number { return 0; }
  cover(_ra: number, _dec: number, _x: number, _y: number, _z: number, _r: number, out: RangeList): void { out.clear(); }
}
