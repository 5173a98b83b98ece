// Byte-level CSV scanning (RFC 4180: quoted fields, doubled quotes, CRLF) and
// a decimal parser that gives exactly Number()'s result without making a
// string for the common case.

/** Field boundaries of one record: starts[i], ends[i] (ends exclude quotes). */
export interface FieldSpans {
  starts: Int32Array;
  ends: Int32Array;
  quoted: Uint8Array;
  count: number;
}

export function newSpans(capacity = 64): FieldSpans {
  return { starts: new Int32Array(capacity), ends: new Int32Array(capacity), quoted: new Uint8Array(capacity), count: 0 };
}

function grow(s: FieldSpans): void {
  const n = s.starts.length * 2;
  const a = new Int32Array(n); a.set(s.starts); s.starts = a;
  const b = new Int32Array(n); b.set(s.ends); s.ends = b;
  const c = new Uint8Array(n); c.set(s.quoted); s.quoted = c;
}

const QUOTE = 34, COMMA = 44, LF = 10, CR = 13;

/**
 * Scans one record starting at `pos`. Returns the position after its line
 * end, or -1 when the buffer ends before the record does (the caller appends
 * more bytes and retries). `lines` receives the number of line breaks inside
 * quoted fields.
 */
export function scanRecord(buf: Uint8Array, pos: number, end: number, spans: FieldSpans, atEof: boolean, lines: { extra: number }): number {
  let count = 0;
  let i = pos;
  lines.extra = 0;
  for (;;) {
    if (count === spans.starts.length) grow(spans);
    if (i < end && buf[i] === QUOTE) {
      const s = i + 1;
      let j = s;
      for (;;) {
        while (j < end && buf[j] !== QUOTE) {
          if (buf[j] === LF) lines.extra++;
          j++;
        }
        if (j >= end) {
          if (!atEof) return -1;
          throw new SyntaxError('unterminated quoted field');
        }
        if (j + 1 < end && buf[j + 1] === QUOTE) { j += 2; continue; }
        if (j + 1 >= end && !atEof) return -1;
        break;
      }
      spans.starts[count] = s;
      spans.ends[count] = j;
      spans.quoted[count] = 1;
      count++;
      i = j + 1;
    } else {
      const s = i;
      while (i < end && buf[i] !== COMMA && buf[i] !== LF) i++;
      if (i >= end && !atEof) return -1;
      let e = i;
      if (e > s && buf[e - 1] === CR && (i >= end || buf[i] === LF)) e--;
      spans.starts[count] = s;
      spans.ends[count] = e;
      spans.quoted[count] = 0;
      count++;
    }
    if (i < end && buf[i] === COMMA) { i++; continue; }
    // Line end (skip CR before LF after a quoted field) or end of input.
    if (i < end && buf[i] === CR) i++;
    if (i < end && buf[i] === LF) i++;
    else if (i < end) throw new SyntaxError('unexpected character after a quoted field');
    spans.count = count;
    return i;
  }
}

const decoder = new TextDecoder();

/** Field text (quotes removed, doubled quotes undone). */
export function fieldText(buf: Uint8Array, spans: FieldSpans, k: number): string {
  const s = spans.starts[k], e = spans.ends[k];
  const t = decoder.decode(buf.subarray(s, e));
  return spans.quoted[k] ? t.replaceAll('""', '"') : t;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The number in buf[s, e) exactly as Number(text) would read it, or NaN when
 * the text is not a decimal number (empty, letters, 'NaN', 'Infinity', hex...).
 * Plain decimals with at most 15 significant digits take the fast path
 * (integer / 10^k, correctly rounded); anything else goes through Number().
 */
export function parseDecimal(buf: Uint8Array, s: number, e: number): number {
  while (s < e && (buf[s] === 32 || buf[s] === 9)) s++;
  while (e > s && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
  if (s === e) return NaN;
  let i = s;
  let neg = false;
  if (buf[i] === 45) { neg = true; i++; } else if (buf[i] === 43) i++;
  let mant = 0, digits = 0, frac = 0, seenDot = false, any = false;
  for (; i < e; i++) {
    const c = buf[i];
    if (c >= 48 && c <= 57) {
      any = true;
      if (mant === 0 && c === 48) { if (seenDot) frac++; continue; }
      mant = mant * 10 + (c - 48);
      digits++;
      if (seenDot) frac++;
    } else if (c === 46 && !seenDot) {
      seenDot = true;
    } else {
      break;
    }
  }
  if (i === e && any && digits <= 15 && frac <= 22) {
    const v = frac ? mant / POW10[frac] : mant;
    return neg ? -v : v;
  }
  // Exponents, long mantissas, or not a number at all: let Number() decide.
  const text = decoder.decode(buf.subarray(s, e));
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return NaN;
  return Number(text);
}
