// Columnar crossmatch results: one entry per (probe, catalog row) pair.

import { arcsecFromChord2 } from '../sky/vector.js';

export interface Matches {
  /** Probe (source) row, an index into the arrays given to crossmatch. */
  probe: Uint32Array;
  /** Catalog row, an index into the arrays the index was built from. */
  row: Uint32Array;
  /** Angular separation in arcsec. */
  sepArcsec: Float64Array;
  /** Number of pairs (the arrays are exactly this long). */
  length: number;
}

/** Growable pair buffer; pairs arrive in any order and are sorted by finish(). */
export class MatchBuilder {
  probe: Uint32Array;
  row: Uint32Array;
  chord2: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.probe = new Uint32Array(capacity);
    this.row = new Uint32Array(capacity);
    this.chord2 = new Float64Array(capacity);
  }

  push(probe: number, row: number, chord2: number): void {
    const n = this.length;
    if (n === this.probe.length) this.grow();
    this.probe[n] = probe;
    this.row[n] = row;
    this.chord2[n] = chord2;
    this.length = n + 1;
  }

  private grow(): void {
    const cap = this.probe.length * 2;
    const p = new Uint32Array(cap); p.set(this.probe); this.probe = p;
    const r = new Uint32Array(cap); r.set(this.row); this.row = r;
    const c = new Float64Array(cap); c.set(this.chord2); this.chord2 = c;
  }

  /**
   * Pairs sorted by probe, then separation, then catalog row: the same order
   * whatever the algorithm, so results of different schemes compare equal.
   */
  finish(nProbes: number): Matches {
    const n = this.length;
    const start = new Uint32Array(nProbes + 1);
    for (let i = 0; i < n; i++) start[this.probe[i] + 1]++;
    for (let p = 0; p < nProbes; p++) start[p + 1] += start[p];
    const fill = start.slice(0, nProbes);
    const probe = new Uint32Array(n);
    const row = new Uint32Array(n);
    const c2 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const at = fill[this.probe[i]]++;
      probe[at] = this.probe[i];
      row[at] = this.row[i];
      c2[at] = this.chord2[i];
    }
    for (let p = 0; p < nProbes; p++) {
      const s = start[p], e = start[p + 1];
      if (e - s > 1) sortGroup(row, c2, s, e);
    }
    const sep = new Float64Array(n);
    for (let i = 0; i < n; i++) sep[i] = arcsecFromChord2(c2[i]);
    return { probe, row, sepArcsec: sep, length: n };
  }
}

function before(c2a: number, ra: number, c2b: number, rb: number): boolean {
  return c2a < c2b || (c2a === c2b && ra < rb);
}

function sortGroup(row: Uint32Array, c2: Float64Array, s: number, e: number): void {
  if (e - s <= 32) {
    for (let i = s + 1; i < e; i++) {
      const r = row[i], c = c2[i];
      let j = i - 1;
      while (j >= s && before(c, r, c2[j], row[j])) {
        row[j + 1] = row[j];
        c2[j + 1] = c2[j];
        j--;
      }
      row[j + 1] = r;
      c2[j + 1] = c;
    }
    return;
  }
  const idx = Array.from({ length: e - s }, (_, i) => s + i);
  idx.sort((a, b) => c2[a] - c2[b] || row[a] - row[b]);
  const r2 = idx.map((i) => row[i]);
  const c22 = idx.map((i) => c2[i]);
  for (let i = 0; i < r2.length; i++) {
    row[s + i] = r2[i];
    c2[s + i] = c22[i];
  }
}

/** Keeps, per probe, the closest row (ties: the lower row id). */
export class BestBuilder {
  readonly row: Int32Array;
  readonly chord2: Float64Array;

  constructor(nProbes: number) {
    this.row = new Int32Array(nProbes).fill(-1);
    this.chord2 = new Float64Array(nProbes).fill(Infinity);
  }

  offer(probe: number, row: number, chord2: number): void {
    const c = this.chord2[probe];
    if (chord2 < c || (chord2 === c && row < this.row[probe])) {
      this.chord2[probe] = chord2;
      this.row[probe] = row;
    }
  }

  finish(): Matches {
    const nProbes = this.row.length;
    let n = 0;
    for (let p = 0; p < nProbes; p++) if (this.row[p] >= 0) n++;
    const probe = new Uint32Array(n);
    const row = new Uint32Array(n);
    const sep = new Float64Array(n);
    let k = 0;
    for (let p = 0; p < nProbes; p++) {
      if (this.row[p] < 0) continue;
      probe[k] = p;
      row[k] = this.row[p];
      sep[k] = arcsecFromChord2(this.chord2[p]);
      k++;
    }
    return { probe, row, sepArcsec: sep, length: n };
  }
}

export function emptyMatches(): Matches {
  return { probe: new Uint32Array(0), row: new Uint32Array(0), sepArcsec: new Float64Array(0), length: 0 };
}
