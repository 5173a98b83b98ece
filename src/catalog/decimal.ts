// Decimal text to double, exactly as Number() reads it, from bytes and
// without making a string: the CSV reader's hot loop. Real exports (astropy,
// TOPCAT, databases) write 17 significant digits, which Number() on a string
// slice reads at ~150 ns each; this reads them at a fraction of that.
//
// How it stays exact:
// 1. The digits are read into an integer W (at most 19 significant digits) and
//    a power of ten q: value = W * 10^q.
// 2. W < 2^53 and |q| <= 22 (Clinger's fast path): W and 10^|q| are exact
//    doubles, so W * 10^q or W / 10^-q is one IEEE operation, correctly
//    rounded: the same double Number() returns.
// 3. 2^53 <= W < 10^19 and -22 <= q < 0 (the 17-digit case): W is held
//    exactly as A * 2^26 + B (two exact doubles), a candidate x = fl(W) / 10^k
//    is within about one unit in the last place of the answer, and the residual
//    R = W - x * 10^k is computed exactly but for one final rounding (x * 10^k
//    as an exact pair by Dekker's product). x + R / 10^k, rounded, is the
//    answer unless the quotient lies within 2^-40 ulp of a midpoint; that is
//    checked by rounding with R / 10^k nudged both ways.
//    (Eisel-Lemire does the same job with 128-bit products of a 64-bit
//    significand; JavaScript has no 64-bit multiply, and double-double
//    arithmetic gives the exact residual directly.)
// 4. Anything else (more than 19 significant digits, large exponents,
//    subnormals, a residual too close to a midpoint to decide with margin):
//    Number() on the text. A wrong answer is never returned, only a slower one.

const SPACE = 32, TAB = 9;
const TWO26 = 67108864;
const TWO53 = 9007199254740992;
const SPLITTER = 134217729; // 2^27 + 1: Veltkamp's split of a double into two 26-bit halves

const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i); // exact for i <= 22
// Veltkamp halves of each power of ten, for Dekker's exact product.
const POW10_HI = POW10.map((p) => { const t = SPLITTER * p; return t - (t - p); });
const POW10_LO = POW10.map((p, i) => p - POW10_HI[i]);

const decoder = new TextDecoder();

/** Number() on the text of buf[s, e) (already checked to be a decimal). */
function slow(buf: Uint8Array, s: number, e: number): number {
  return Number(decoder.decode(buf.subarray(s, e)));
}

/** Where readDecimal puts the value it read (a typed-array slot: no boxed double per number). */
export const decimalOut = new Float64Array(1);

/**
 * The number in buf[s, e) exactly as Number(text) would read it, or NaN when
 * the text is not a decimal number (empty, letters, 'NaN', 'Infinity', hex...):
 * [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?, outer blanks
 * (space, tab) ignored.
 */
export function parseDecimal(buf: Uint8Array, s: number, e: number): number {
  while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
  while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
  if (s === e) return NaN;
  return readDecimal(buf, s, e) === e ? decimalOut[0] : NaN;
}

/**
 * Reads the decimal number that starts at buf[s] and ends before the first
 * byte that cannot continue it (at most at e), as Number() reads its text,
 * into decimalOut[0]; returns where it ended, or -1 when no number starts at
 * s (blanks are not skipped) or an exponent mark is not followed by digits.
 * For parsing a field in the same pass that finds where it ends.
 */
export function readDecimal(buf: Uint8Array, s: number, e: number): number {
  const text = s;
  let i = s;
  let neg = false;
  const c0 = buf[i];
  if (c0 === 45) { neg = true; i++; } else if (c0 === 43) i++;
  // W = hi * 10^nLo + lo: hi the first 15 significant digits, lo the next 4
  // at most; digits beyond 19 are kept as a power of ten (scale), and flagged
  // when not zero. Integer and fraction parts are separate loops: no per-digit
  // test of where the point is.
  let hi = 0, lo = 0, sig = 0, scale = 0;
  let truncated = false;
  const digits = i;
  while (i < e && buf[i] === 48) i++; // leading zeros
  for (; i < e; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    if (sig < 15) { hi = hi * 10 + d; sig++; } else if (sig < 19) { lo = lo * 10 + d; sig++; } else { scale++; if (d !== 0) truncated = true; }
  }
  let any = i > digits;
  if (i < e && buf[i] === 46) {
    const frac = ++i;
    if (sig === 0) {
      while (i < e && buf[i] === 48) i++; // zeros after the point, before the first significant digit
      scale -= i - frac;
    }
    for (; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      if (sig < 15) { hi = hi * 10 + d; sig++; scale--; } else if (sig < 19) { lo = lo * 10 + d; sig++; scale--; } else if (d !== 0) truncated = true;
    }
    any = any || i > frac;
  }
  if (!any) return -1;
  if (i < e && (buf[i] | 32) === 101) {
    i++;
    let eneg = false;
    if (i < e && (buf[i] === 45 || buf[i] === 43)) { eneg = buf[i] === 45; i++; }
    const first = i;
    let exp = 0;
    for (; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      if (exp < 100000) exp = exp * 10 + d; // saturates: such exponents go to Number()
    }
    if (i === first) return -1;
    scale += eneg ? -exp : exp;
  }
  // From here on nothing is called with a double (until Number() on the
  // text, for the rare cases): a double passed to or returned from a call
  // that is not inlined is boxed on the heap, one allocation per number.
  if (sig === 0) {
    decimalOut[0] = neg ? -0 : 0;
    return i;
  }
  let v: number;
  if (truncated) {
    v = NaN;
  } else if (sig <= 15) {
    // Clinger: W exact, 10^|q| exact, one rounding.
    v = hi;
    if (scale < 0) v = scale >= -22 ? v / POW10[-scale] : NaN;
    else if (scale > 0) v = scale <= 22 ? v * POW10[scale] : NaN;
  } else {
    const pLo = POW10[sig - 15];
    // hi * 10^nLo + lo exactly, as A * 2^26 + B: both products stay below 2^53.
    const h1 = Math.floor(hi / TWO26);
    const A = h1 * pLo, B = (hi - h1 * TWO26) * pLo + lo;
    v = A * TWO26 + B;
    if (v < TWO53) {
      // W is an exact double after all: Clinger.
      if (scale < 0) v = scale >= -22 ? v / POW10[-scale] : NaN;
      else if (scale > 0) v = scale <= 22 ? v * POW10[scale] : NaN;
    } else if (scale < 0 && scale >= -22) {
      // W / 10^k for W = A * 2^26 + B, 2^53 <= W < 2^64: the candidate x, then
      // the residual R = W - x * 10^k, exact but for its last rounding.
      const k = -scale, p = POW10[k];
      const x = v / p;
      // x * p exactly, as ph + pl (Dekker's product on Veltkamp halves).
      const ph = x * p;
      const t = SPLITTER * x;
      const xh = t - (t - x), xl = x - xh;
      const pHi = POW10_HI[k], pL = POW10_LO[k];
      const pl = ((xh * pHi - ph) + xh * pL + xl * pHi) + xl * pL;
      // A * 2^26 and ph are within a factor 2 of each other, so their
      // difference is exact (Sterbenz): an integer, as is B, and their sum is
      // small (|W - ph| < 2^13); only the subtraction of pl rounds.
      const r = ((A * TWO26 - ph) + B) - pl;
      // The quotient is x + R / p, and c is R / p to a relative 2^-52.
      // Rounding is monotonic: if x + c rounds the same with c widened by
      // 2^-40 both ways, it is the rounding of the true quotient, Number()'s
      // answer; otherwise (within 2^-40 ulp of a midpoint) Number() decides.
      const c = r / p;
      const y = x + c;
      const m = Math.abs(c) * 2 ** -40;
      v = x + (c + m) === y && x + (c - m) === y ? y : NaN;
    } else if (scale !== 0) {
      v = NaN;
    } // scale 0: v, one rounding of an exact sum, is the answer
  }
  if (v !== v) v = slow(buf, text, i); // NaN here only means "not sure": the text decides
  else if (neg) v = -v;
  decimalOut[0] = v;
  return i;
}
