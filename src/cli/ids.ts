// Ordering of identifiers as read from files: numerically when every id is a
// number (exactly, via BigInt, for integers beyond 2^53), otherwise by text.

import { sortRowsByKey } from '../match/sort.js';

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Integers of up to 15 digits are exact doubles: no BigInt needed to order them. */
const SHORT_INTEGER = /^[+-]?\d{1,15}$/;

/** Rows in id order; rows with equal ids keep their file order. */
export function idOrder(ids: readonly string[]): Uint32Array {
  const n = ids.length;
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  if (n < 2) return order;
  let allShort = true, allInt = true, allNum = true;
  for (const id of ids) {
    if (allShort && !SHORT_INTEGER.test(id)) allShort = false;
    if (!allShort && allInt && !INTEGER.test(id)) allInt = false;
    if (!allInt && !DECIMAL.test(id)) { allNum = false; break; }
  }
  if (allShort) {
    // Exact doubles, ordered by the engine's stable radix sort (far quicker than a comparator).
    const keys = Float64Array.from(ids, Number);
    sortRowsByKey(keys, [], new Float64Array(n), order, []);
    return order;
  }
  if (allNum && !allInt) {
    const num = Float64Array.from(ids, Number);
    return order.sort((a, b) => num[a] - num[b] || a - b);
  }
  if (allInt) {
    const big = ids.map((s) => BigInt(s));
    return order.sort((a, b) => (big[a] < big[b] ? -1 : big[a] > big[b] ? 1 : a - b));
  }
  return order.sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : a - b));
}
