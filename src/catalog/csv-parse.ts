// Byte-level CSV scanning (RFC 4180: quoted fields, doubled quotes, CRLF) and
// number fields (decimal.ts gives exactly Number()'s result without making a
// string). Nothing here allocates per field.

import { parseDecimal } from './decimal.js';

export { parseDecimal };

/** Field boundaries of one record: starts[i], ends[i] (quotes excluded; doubled quotes still doubled). */
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

const QUOTE = 34, COMMA = 44, LF = 10, CR = 13, SPACE = 32, TAB = 9;

/** scanFields results below zero. */
export const NEED_MORE = -1;
export const UNTERMINATED_QUOTE = -2;
export const JUNK_AFTER_QUOTE = -3;

export function scanErrorText(code: number): string {
  return code === UNTERMINATED_QUOTE ? 'unterminated quoted field' : 'unexpected character after a quoted field';
}

/**
 * Splits the record starting at `pos` into `spans`. Returns the position after
 * its line end; NEED_MORE when the buffer ends first and more bytes may come;
 * or an error code (spans.count then indexes the field at fault). `lines.extra`
 * receives the line breaks inside quoted fields, so callers can keep physical
 * line numbers. Blanks before an opening quote and after a closing one are
 * tolerated (`1, "a"` is common); a lone CR is not a line end.
 */
export function scanFields(buf: Uint8Array, pos: number, end: number, spans: FieldSpans, atEof: boolean, lines: { extra: number }): number {
  let count = 0;
  let i = pos;
  lines.extra = 0;
  for (;;) {
    if (count === spans.starts.length) grow(spans);
    let q = i;
    while (q < end && (buf[q] === SPACE || buf[q] === TAB)) q++;
    if (q < end && buf[q] === QUOTE) {
      const s = q + 1;
      let j = s;
      for (;;) {
        while (j < end && buf[j] !== QUOTE) {
          if (buf[j] === LF) lines.extra++;
          j++;
        }
        if (j >= end) {
          spans.count = count;
          return atEof ? UNTERMINATED_QUOTE : NEED_MORE;
        }
        if (j + 1 < end && buf[j + 1] === QUOTE) { j += 2; continue; }
        if (j + 1 >= end && !atEof) return NEED_MORE;
        break;
      }
      spans.starts[count] = s;
      spans.ends[count] = j;
      spans.quoted[count] = 1;
      count++;
      i = j + 1;
      while (i < end && (buf[i] === SPACE || buf[i] === TAB)) i++;
      if (i >= end && !atEof) return NEED_MORE;
    } else {
      const s = i;
      while (i < end && buf[i] !== COMMA && buf[i] !== LF) i++;
      if (i >= end && !atEof) return NEED_MORE;
      let e = i;
      if (e > s && buf[e - 1] === CR && (i >= end || buf[i] === LF)) e--;
      spans.starts[count] = s;
      spans.ends[count] = e;
      spans.quoted[count] = 0;
      count++;
    }
    if (i < end && buf[i] === COMMA) { i++; continue; }
    if (i < end && buf[i] === CR) {
      // A CR that ends the buffer may be the first half of a CRLF.
      if (i + 1 >= end && !atEof) return NEED_MORE;
      if (i + 1 >= end || buf[i + 1] === LF) i++;
    }
    if (i < end && buf[i] === LF) i++;
    else if (i < end) {
      spans.count = count - 1;
      return JUNK_AFTER_QUOTE;
    }
    spans.count = count;
    return i;
  }
}

/**
 * scanFields that throws a SyntaxError on malformed input (kept for callers
 * that parse one whole in-memory body, such as the service).
 */
export function scanRecord(buf: Uint8Array, pos: number, end: number, spans: FieldSpans, atEof: boolean, lines: { extra: number }): number {
  const r = scanFields(buf, pos, end, spans, atEof, lines);
  if (r < NEED_MORE) throw new SyntaxError(scanErrorText(r));
  return r;
}

const decoder = new TextDecoder();

/** Field text (quotes removed, doubled quotes undone). */
export function fieldText(buf: Uint8Array, spans: FieldSpans, k: number): string {
  const t = decoder.decode(buf.subarray(spans.starts[k], spans.ends[k]));
  return spans.quoted[k] ? t.replaceAll('""', '"') : t;
}

// 'nan', 'inf', 'infinity' in any case, with an optional sign: what numpy,
// pandas and astropy write for non-finite floats.
const SPECIAL = /^[+-]?(nan|inf|infinity)$/i;

/**
 * A number field: parseDecimal, plus the words numpy and friends write for
 * non-finite floats (NaN, nan, inf, -Infinity...). Returns undefined when
 * the text is not a number at all; the caller tells empty apart beforehand.
 */
export function parseNumberField(buf: Uint8Array, s: number, e: number): number | undefined {
  const v = parseDecimal(buf, s, e);
  if (v === v) return v;
  const text = decoder.decode(buf.subarray(s, e)).trim();
  const m = SPECIAL.exec(text);
  if (!m) return undefined;
  if (m[1].toLowerCase() === 'nan') return NaN;
  return text.startsWith('-') ? -Infinity : Infinity;
}

/** True when buf[s, e) holds only blanks. */
export function isBlank(buf: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] !== SPACE && buf[i] !== TAB) return false;
  return true;
}
