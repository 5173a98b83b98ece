// An exact set of 128-bit keys (four int32 lanes) in typed arrays, for the
// history stage's caches of stored detection ids and non-detection keys. A Set of
// strings holding a night's ~10^6 keys lives in the old generation, where
// every major GC marks each string again: at ZTF rates that marking (on V8's
// helper threads) cost a third as much CPU as the ingest itself. Here the
// keys are four numbers in one flat array the collector never looks inside.
// Keys are compared in full, never by hash alone: a false hit would skip a
// write.

const EMPTY = 0;

export class KeySet {
  private lanes: Int32Array;
  // 0 = empty slot; lane d of a key may be 0, so occupancy is kept apart.
  private used: Uint8Array;
  private mask: number;
  private count = 0;

  /** @param maxSize the set is emptied when it would hold more (a cache, not a store). */
  constructor(private readonly maxSize: number, initialSlots = 1 << 14) {
    let n = 16;
    while (n < initialSlots) n *= 2;
    this.lanes = new Int32Array(n * 4);
    this.used = new Uint8Array(n);
    this.mask = n - 1;
  }

  get size(): number {
    return this.count;
  }

  private static hash(a: number, b: number, c: number, d: number): number {
    let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16) ^ c, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ d, 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** The slot holding the key, or the empty slot where it would go. */
  private slot(a: number, b: number, c: number, d: number): number {
    const { lanes, used, mask } = this;
    let i = KeySet.hash(a, b, c, d) & mask;
    for (;;) {
      if (used[i] === EMPTY) return i;
      const j = i * 4;
      if (lanes[j] === a && lanes[j + 1] === b && lanes[j + 2] === c && lanes[j + 3] === d) return i;
      i = (i + 1) & mask;
    }
  }

  has(a: number, b: number, c: number, d: number): boolean {
    return this.used[this.slot(a | 0, b | 0, c | 0, d | 0)] !== EMPTY;
  }

  add(a: number, b: number, c: number, d: number): void {
    a |= 0; b |= 0; c |= 0; d |= 0;
    let i = this.slot(a, b, c, d);
    if (this.used[i] !== EMPTY) return;
    if (this.count + 1 > this.maxSize) {
      this.clear();
      i = this.slot(a, b, c, d);
    } else if ((this.count + 1) * 2 > this.used.length) {
      this.grow();
      i = this.slot(a, b, c, d);
    }
    const j = i * 4;
    this.lanes[j] = a; this.lanes[j + 1] = b; this.lanes[j + 2] = c; this.lanes[j + 3] = d;
    this.used[i] = 1;
    this.count++;
  }

  /** Adds keys laid out as consecutive quadruples. */
  addAll(keys: ArrayLike<number>, n = keys.length): void {
    for (let k = 0; k + 3 < n; k += 4) this.add(keys[k], keys[k + 1], keys[k + 2], keys[k + 3]);
  }

  clear(): void {
    this.used.fill(EMPTY);
    this.count = 0;
  }

  private grow(): void {
    const oldLanes = this.lanes, oldUsed = this.used;
    const n = oldUsed.length * 2;
    this.lanes = new Int32Array(n * 4);
    this.used = new Uint8Array(n);
    this.mask = n - 1;
    this.count = 0;
    for (let i = 0; i < oldUsed.length; i++) {
      if (oldUsed[i] === EMPTY) continue;
      const j = i * 4;
      const s = this.slot(oldLanes[j], oldLanes[j + 1], oldLanes[j + 2], oldLanes[j + 3]);
      this.lanes.set(oldLanes.subarray(j, j + 4), s * 4);
      this.used[s] = 1;
      this.count++;
    }
  }
}

/** A growable list of int32 quadruples (keys waiting for their transaction to commit). */
export class KeyList {
  private buf = new Int32Array(1024);
  length = 0;

  push(a: number, b: number, c: number, d: number): void {
    if (this.length + 4 > this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    const j = this.length;
    this.buf[j] = a; this.buf[j + 1] = b; this.buf[j + 2] = c; this.buf[j + 3] = d;
    this.length += 4;
  }

  /** Moves every key into the set and empties the list. */
  drainInto(set: KeySet): void {
    set.addAll(this.buf, this.length);
    this.length = 0;
  }

  clear(): void {
    this.length = 0;
  }
}
