import { describe, expect, it } from 'vitest';
import { KeyList, KeySet } from '../../src/stream/key-set.js';

describe('KeySet', () => {
  it('holds exactly the keys added, through growth, for keys that differ in one lane or share a hash slot', () => {
    const set = new KeySet(1_000_000, 16);
    const model = new Set<string>();
    let seed = 7;
    const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) | 0; return seed; };
    const keys: number[][] = [];
    for (let i = 0; i < 20_000; i++) {
      // Small ranges make near-duplicates (same three lanes, one differing).
      const k = [rnd() & 7, rnd() & 0xff, i % 3 === 0 ? 0 : rnd(), rnd() & 3];
      keys.push(k);
      if (i % 2 === 0) { set.add(k[0], k[1], k[2], k[3]); model.add(k.join()); }
    }
    expect(set.size).toBe(model.size);
    for (const k of keys) expect(set.has(k[0], k[1], k[2], k[3])).toBe(model.has(k.join()));
    // Zeros and negatives are ordinary values.
    set.add(0, 0, 0, 0);
    set.add(-1, -2147483648, 2147483647, 0);
    expect(set.has(0, 0, 0, 0)).toBe(true);
    expect(set.has(-1, -2147483648, 2147483647, 0)).toBe(true);
    expect(set.has(0, 0, 0, 1)).toBe(model.has('0,0,0,1'));
  });

  it('empties itself rather than grow past its limit (a cache: a miss is always safe)', () => {
    const set = new KeySet(100);
    for (let i = 0; i < 100; i++) set.add(i, 0, 0, 1);
    expect(set.size).toBe(100);
    set.add(100, 0, 0, 1);
    expect(set.size).toBe(1);
    expect(set.has(100, 0, 0, 1)).toBe(true);
    expect(set.has(5, 0, 0, 1)).toBe(false);
    set.add(100, 0, 0, 1); // already there: no change
    expect(set.size).toBe(1);
  });

  it('KeyList moves its quadruples into a set and starts over', () => {
    const list = new KeyList();
    for (let i = 0; i < 3000; i++) list.push(i, -i, i * 7, 2);
    const set = new KeySet(1e6);
    list.drainInto(set);
    expect(list.length).toBe(0);
    expect(set.size).toBe(3000);
    expect(set.has(2999, -2999, 2999 * 7, 2)).toBe(true);
    list.push(1, 1, 1, 1);
    list.clear();
    list.drainInto(set);
    expect(set.has(1, 1, 1, 1)).toBe(false);
  });
});
