// The order of output rows by id: numeric when every id is a number (exact
// beyond 2^53), by text otherwise; equal ids keep their file order.

import { describe, expect, it } from 'vitest';
import { idOrder } from '../../src/cli/ids.js';

const order = (ids: string[]) => Array.from(idOrder(ids));

describe('idOrder', () => {
  it('orders short integers numerically (negatives, zeros), equal ids in file order', () => {
    expect(order(['10', '9', '-3', '9', '0', '-0', '+2'])).toEqual([2, 4, 5, 6, 1, 3, 0]);
  });
  it('orders integers beyond 2^53 exactly', () => {
    expect(order(['9007199254740993', '9007199254740992', '-9007199254740993', '10000000000000000000'])).toEqual([2, 1, 0, 3]);
  });
  it('orders decimals by value, anything else by text', () => {
    expect(order(['1e3', '20', '3.5', '-.5'])).toEqual([3, 2, 1, 0]);
    expect(order(['b', 'a', '10', '9'])).toEqual([2, 3, 1, 0]);
  });
  it('agrees with a plain comparison sort on many short integers', () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => String(((i * 7919) % 40_000) - 20_000));
    const want = ids.map((_, i) => i).sort((a, b) => Number(ids[a]) - Number(ids[b]) || a - b);
    expect(order(ids)).toEqual(want);
  });
});
