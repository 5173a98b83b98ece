// Half-open integer id ranges [start, end), as pairs in one Float64Array.
// Ids must be integers below 2^53 (HTM depth <= 24, HEALPix order <= 24 are).
// Covers and cone searches reuse one RangeList: no allocation per query.

export class RangeList {
  data: Float64Array;
  /** Number of ranges held (pairs in data[0 .. 2*length)). */
  length = 0;
  private sorted = true;

  constructor(capacity = 64) {
    this.data = new Float64Array(Math.max(2, capacity * 2));
  }

  clear(): this {
    this.length = 0;
    this.sorted = true;
    return this;
  }

  start(i: number): number {
    return this.data[2 * i];
  }

  end(i: number): number {
    return this.data[2 * i + 1];
  }

  /** Appends [start, end). Merges with the last range when they touch; empty ranges are ignored. */
  push(start: number, end: number): void {
    if (!(end > start)) return;
    const n = this.length;
    if (n > 0) {
      const d = this.data;
      const ls = d[2 * n - 2];
      const le = d[2 * n - 1];
      if (start >= ls && start <= le) {
        if (end > le) d[2 * n - 1] = end;
        return;
      }
      if (start < ls) this.sorted = false;
    }
    if (2 * n + 2 > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[2 * n] = start;
    this.data[2 * n + 1] = end;
    this.length = n + 1;
  }

  /** Sorts by start and merges overlapping or adjacent ranges. */
  normalize(): this {
    const n = this.length;
    if (n < 2) return this;
    const d = this.data;
    if (!this.sorted) {
      const idx = Array.from({ length: n }, (_, i) => i);
      idx.sort((a, b) => d[2 * a] - d[2 * b]);
      const copy = d.slice(0, 2 * n);
      for (let i = 0; i < n; i++) {
        d[2 * i] = copy[2 * idx[i]];
        d[2 * i + 1] = copy[2 * idx[i] + 1];
      }
      this.sorted = true;
    }
    let w = 0;
    for (let i = 1; i < n; i++) {
      const s = d[2 * i];
      const e = d[2 * i + 1];
      if (s <= d[2 * w + 1]) {
        if (e > d[2 * w + 1]) d[2 * w + 1] = e;
      } else {
        w++;
        d[2 * w] = s;
        d[2 * w + 1] = e;
      }
    }
    this.length = w + 1;
    return this;
  }

  /**
   * Coarsens to at most maxRanges ranges by filling the smallest gaps: the
   * result is a superset of the original, as a cap on cover size must be.
   */
  capTo(maxRanges: number): this {
    this.normalize();
    const n = this.length;
    if (maxRanges < 1 || n <= maxRanges) return this;
    const d = this.data;
    const gaps = new Float64Array(n - 1);
    for (let i = 0; i < n - 1; i++) gaps[i] = d[2 * i + 2] - d[2 * i + 1];
    const sortedGaps = Float64Array.from(gaps).sort();
    // Fill every gap below the threshold, then gaps equal to it until the count fits.
    const threshold = sortedGaps[n - maxRanges - 1];
    let toFillAtThreshold = n - maxRanges;
    for (let i = 0; i < n - 1; i++) if (gaps[i] < threshold) toFillAtThreshold--;
    let w = 0;
    for (let i = 1; i < n; i++) {
      const g = gaps[i - 1];
      let fill = g < threshold;
      if (!fill && g === threshold && toFillAtThreshold > 0) {
        fill = true;
        toFillAtThreshold--;
      }
      if (fill) {
        d[2 * w + 1] = d[2 * i + 1];
      } else {
        w++;
        d[2 * w] = d[2 * i];
        d[2 * w + 1] = d[2 * i + 1];
      }
    }
    this.length = w + 1;
    return this;
  }

  /** Total number of ids covered. */
  count(): number {
    let c = 0;
    for (let i = 0; i < this.length; i++) c += this.data[2 * i + 1] - this.data[2 * i];
    return c;
  }

  /** Whether id is in a range (binary search; the list must be normalized or built in order). */
  has(id: number): boolean {
    let lo = 0, hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.data[2 * mid + 1] <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.length && this.data[2 * lo] <= id;
  }

  /** Inclusive [first, last] pairs, as the `cover` command prints them. */
  toInclusive(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.length; i++) out.push([this.data[2 * i], this.data[2 * i + 1] - 1]);
    return out;
  }

  toArray(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.length; i++) out.push([this.data[2 * i], this.data[2 * i + 1]]);
    return out;
  }
}
