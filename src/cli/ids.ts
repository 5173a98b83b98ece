// Ordering of identifiers as read from files: numerically when every id is a
// number (exactly, via BigInt, for integers beyond 2^53), otherwise by text.

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Rows in id order; rows with equal ids keep their file order. */
export function idOrder(ids: readonly string[]): Uint32Array {
  const n = ids.length;
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  if (n < 2) return order;
  let allInt = true, allNum = true;
  for (const id of ids) {
    if (allInt && !INTEGER.test(id)) allInt = false;
    if (!allInt && !DECIMAL.test(id)) { allNum = false; break; }
  }
  let cmp: (a: number, b: number) => number;
  if (allInt) {
    const big = ids.map((s) => BigInt(s));
    cmp = (a, b) => (big[a] < big[b] ? -1 : big[a] > big[b] ? 1 : a - b);
  } else if (allNum) {
    const num = ids.map(Number);
    cmp = (a, b) => num[a] - num[b] || a - b;
  } else {
    cmp = (a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : a - b);
  }
  return order.sort(cmp);
}
