// parseDecimal gives the very same double as Number() on every decimal text,
// and NaN on everything Number() reads that is not a plain decimal (and on
// what Number() refuses). Millions of strings: random doubles in every
// format JavaScript and exports write, random digit strings, exact midpoints
// between neighbouring doubles and their 17-19 digit truncations (the cases
// that decide rounding), subnormals, the largest doubles, signs and junk.

import { describe, expect, it } from 'vitest';
import { decimalOut, parseDecimal, readDecimal } from '../../src/catalog/decimal.js';
import { seededRandom } from '../../src/sky/random.js';

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const enc = new TextEncoder();

/** Mismatches between parseDecimal and the reference, at most 10 kept. */
class Checker {
  count = 0;
  bad: string[] = [];
  check(s: string): void {
    this.count++;
    const b = enc.encode(s);
    const got = parseDecimal(b, 0, b.length);
    const t = s.replace(/^[ \t]+|[ \t]+$/g, '');
    const want = DECIMAL.test(t) ? Number(t) : NaN;
    if (!Object.is(got, want) && this.bad.length < 10) this.bad.push(`${JSON.stringify(s)}: got ${got}, Number() gives ${want}`);
    // scanDecimal reads the same number where a field separator follows it, and says where it ended.
    if (DECIMAL.test(s)) {
      const f = enc.encode(`${s},7\n`);
      const end = readDecimal(f, 0, f.length);
      if ((!Object.is(decimalOut[0], want) || end !== s.length) && this.bad.length < 10) this.bad.push(`read ${JSON.stringify(s)}: got ${decimalOut[0]} ending at ${end}`);
    }
  }
  /** Also inside a larger buffer, with bytes around it that must not be read. */
  checkInside(s: string): void {
    const b = enc.encode(`9${s}9`);
    const got = parseDecimal(b, 1, b.length - 1);
    this.count++;
    const t = s.replace(/^[ \t]+|[ \t]+$/g, '');
    const want = DECIMAL.test(t) ? Number(t) : NaN;
    if (!Object.is(got, want) && this.bad.length < 10) this.bad.push(`inside: ${JSON.stringify(s)}: got ${got}, Number() gives ${want}`);
  }
}

const view = new DataView(new ArrayBuffer(8));

/** The exact decimal value of the midpoint between x > 0 (normal) and the next double up. */
function midpointDigits(x: number): { digits: string; point: number } {
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const m = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
  const e = exp - 1075; // x = m * 2^e
  const odd = 2n * m + 1n; // midpoint = odd * 2^(e - 1)
  const k = 1 - e;
  if (k <= 0) {
    const digits = (odd << BigInt(-k)).toString();
    return { digits, point: digits.length };
  }
  const digits = (odd * 5n ** BigInt(k)).toString(); // value = digits / 10^k
  return { digits, point: digits.length - k };
}

/** digits with the point `point` places from the left, written plainly or as d.ddde+X. */
function place(digits: string, point: number, scientific: boolean): string {
  const d = digits.replace(/^0+/, '') || '0';
  const p = point - (digits.length - d.length);
  if (scientific) return `${d[0]}.${d.slice(1) || '0'}e${p - 1}`;
  if (p <= 0) return `0.${'0'.repeat(-p)}${d}`;
  if (p >= d.length) return d + '0'.repeat(p - d.length);
  return `${d.slice(0, p)}.${d.slice(p)}`;
}

/** The first n digits (no leading zeros), cut or raised by one in the last place; the point moves if a digit is gained. */
function cut(digits: string, point: number, n: number, up: boolean): { digits: string; point: number } {
  const t = (BigInt(digits.slice(0, n)) + (up ? 1n : 0n)).toString();
  return { digits: t, point: point + (t.length - Math.min(n, digits.length)) };
}

describe('parseDecimal equals Number()', () => {
  it('readDecimal stops where the number does, and refuses what starts no number', () => {
    const at = (s: string, from = 0) => { const b = enc.encode(s); const end = readDecimal(b, from, b.length); return end < 0 ? [end] : [decimalOut[0], end]; };
    expect(at('12.5,x')).toEqual([12.5, 4]);
    expect(at('-1e-3\r\n')).toEqual([-0.001, 5]);
    expect(at('7.e2 ')).toEqual([700, 4]);
    expect(at('x,12', 2)).toEqual([12, 4]);
    for (const s of [' 1', '1e,', '.,', '-,', 'e5']) expect(at(s)).toEqual([-1]);
  });

  it('random doubles in every format (toPrecision 1-21, toString, toExponential, toFixed), sky ranges and all magnitudes', () => {
    const c = new Checker();
    const r = seededRandom(1);
    for (let i = 0; i < 120_000; i++) {
      const sky = r() * 720 - 360;
      const dec = (Math.asin(2 * r() - 1) * 180) / Math.PI;
      const any = (r() < 0.5 ? -1 : 1) * 10 ** (r() * 60 - 30) * (1 + r());
      const wide = (r() < 0.5 ? -1 : 1) * 10 ** (r() * 616 - 308);
      for (const x of [sky, dec, any]) {
        c.check(x.toPrecision(17));
        c.check(x.toPrecision(16));
        c.check(x.toPrecision(1 + (i % 21)));
        c.check(String(x));
        c.check(x.toExponential(i % 21));
      }
      c.check(sky.toFixed(i % 21));
      c.check(String(wide));
      c.check(wide.toPrecision(1 + (i % 21)));
      c.checkInside(dec.toPrecision(17));
    }
    expect(c.bad).toEqual([]);
    expect(c.count).toBeGreaterThan(2_000_000);
  });

  it('exact midpoints between neighbouring doubles, and their 15-20 digit truncations either side', () => {
    const c = new Checker();
    const r = seededRandom(2);
    for (let i = 0; i < 40_000; i++) {
      const x = i % 2 ? r() * 360 : 10 ** (r() * 12 - 4) * (1 + r());
      const { digits, point } = midpointDigits(x);
      c.check(place(digits, point, false));
      c.check(place(digits, point, true));
      c.check(`-${place(digits, point, false)}`);
      for (const n of [15, 16, 17, 18, 19, 20]) {
        for (const up of [false, true]) {
          const t = cut(digits, point, n, up);
          c.check(place(t.digits, t.point, false));
          c.check(place(t.digits, t.point, true));
        }
      }
    }
    expect(c.bad).toEqual([]);
    expect(c.count).toBeGreaterThan(1_000_000);
  });

  it('random digit strings: long mantissas, leading and trailing zeros, signs, points at either end, exponents', () => {
    const c = new Checker();
    const r = seededRandom(3);
    const digit = () => String.fromCharCode(48 + Math.floor(r() * 10));
    for (let i = 0; i < 400_000; i++) {
      const n = 1 + Math.floor(r() * 26);
      let m = '';
      for (let k = 0; k < n; k++) m += digit();
      if (r() < 0.2) m = '0'.repeat(1 + Math.floor(r() * 5)) + m;
      if (r() < 0.2) m += '0'.repeat(1 + Math.floor(r() * 8));
      const at = Math.floor(r() * (m.length + 1));
      const body = r() < 0.8 ? `${m.slice(0, at)}.${m.slice(at)}` : m;
      const sign = ['', '', '-', '+'][Math.floor(r() * 4)];
      const e = r() < 0.6 ? '' : `${r() < 0.5 ? 'e' : 'E'}${['', '-', '+'][Math.floor(r() * 3)]}${Math.floor(r() < 0.9 ? r() * 40 : r() * 400)}`;
      c.check(sign + body + e);
    }
    expect(c.bad).toEqual([]);
  });

  it('edges: zeros, subnormals, the largest doubles, overflow, 2^53 and 2^64 neighbours, blanks', () => {
    const c = new Checker();
    for (const s of [
      '0', '-0', '+0', '0.0', '-0.0', '.0', '0.', '00000', '-0e10', '0e-400', '000.000e5',
      '4.9406564584124654e-324', '5e-324', '2.4703282292062327e-324', '2.4703282292062328e-324', '1e-400', '-1e-400',
      '2.2250738585072011e-308', '2.2250738585072014e-308', '2.225073858507201136057409796709131975934819546351645648e-308',
      '1.7976931348623157e308', '1.7976931348623158e308', '1.7976931348623159e308', '1e309', '-1e309', '1e99999999999999999999',
      '9007199254740991', '9007199254740992', '9007199254740993', '9007199254740993.0', '9007199254740995', '90071992547409935e-1',
      '18446744073709551615', '18446744073709551616', '18446744073709551617', '1844674407370955161.5', '9999999999999999999',
      '99999999999999999999', '0.1', '0.2', '0.3', '123456789012345678', '1234567890123456789', '12345678901234567890',
      '3.14159265358979323846264338327950288', '359.99999999999999999', '360', '-90', '90.000000000000000001',
      '1e22', '1e23', '9.999999999999999e22', '1e-22', '1e-23', '8.589973e9', '.5', '5.', '+.5', '-.5e-3', '5.e2',
      ' 12.5', '12.5 ', '\t-3\t', '  ', '\t',
    ]) { c.check(s); c.checkInside(s); }
    expect(c.bad).toEqual([]);
  });

  it('NaN for what is not a plain decimal, including what Number() accepts', () => {
    const c = new Checker();
    for (const s of [
      '', '.', '+', '-', '+.', '-.', 'e5', '.e5', '1e', '1e+', '1e-', '1.2.3', '1..2', '--1', '+-1', '1-', '1e5.5', '1e1e1',
      'inf', '-inf', 'Infinity', '-Infinity', '+Infinity', 'nan', 'NaN', 'NAN', 'infinity', 'INF',
      '0x10', '0X1F', '0b101', '0o17', '1_000', '1,5', '١٢', '1 2', '\n5', '5\n', '\u00a05', '5f', '1d5', 'abc', '12abc', '0x',
    ]) {
      c.check(s);
      c.checkInside(s);
    }
    expect(c.bad).toEqual([]);
  });
});
