// FITS headers (FITS Standard 4.0, sect. 4): 2880-byte blocks of 80-character
// ASCII cards, `KEYWORD = value / comment`, ended by an END card. Values are
// kept as their text and read as the caller needs (integers as BigInt, so a
// TZERO of 9223372036854775808 stays exact).

export const BLOCK = 2880;
export const CARD = 80;

export class FitsHeader {
  constructor(private readonly cards: Map<string, string>, readonly byteLength: number) {}

  has(key: string): boolean {
    return this.cards.has(key);
  }

  /** The value's text (strings unquoted), or undefined. */
  raw(key: string): string | undefined {
    return this.cards.get(key);
  }

  string(key: string): string | undefined {
    return this.cards.get(key);
  }

  /** An integer value (exact), or undefined. */
  bigint(key: string): bigint | undefined {
    const v = this.cards.get(key);
    if (v === undefined) return undefined;
    if (!/^[+-]?\d+$/.test(v)) throw new RangeError(`FITS keyword ${key} must be an integer, got '${v}'`);
    return BigInt(v);
  }

  int(key: string, def?: number): number {
    const v = this.bigint(key);
    if (v === undefined) {
      if (def === undefined) throw new RangeError(`FITS header has no ${key}`);
      return def;
    }
    return Number(v);
  }

  number(key: string): number | undefined {
    const v = this.cards.get(key);
    if (v === undefined) return undefined;
    const x = Number(v.replace(/[dD]/, 'e'));
    if (!Number.isFinite(x)) throw new RangeError(`FITS keyword ${key} must be a number, got '${v}'`);
    return x;
  }
}

/** One card's keyword and value text (strings unquoted, '' undone); null for commentary cards. */
function parseCard(card: string): [string, string] | null {
  const key = card.slice(0, 8).trimEnd();
  if (card.slice(8, 10) !== '= ' || key === '' || key === 'COMMENT' || key === 'HISTORY') return null;
  const rest = card.slice(10);
  const s = rest.trimStart();
  if (s.startsWith("'")) {
    let out = '';
    for (let i = 1; i < s.length; i++) {
      if (s[i] === "'") {
        if (s[i + 1] === "'") { out += "'"; i++; continue; }
        break;
      }
      out += s[i];
    }
    return [key, out.trimEnd()];
  }
  const slash = s.indexOf('/');
  return [key, (slash >= 0 ? s.slice(0, slash) : s).trim()];
}

/**
 * Parses a header from `bytes` at `at` (a whole number of blocks). Returns
 * null when the END card is not within the bytes given (read more).
 */
export function parseHeader(bytes: Uint8Array, at: number): FitsHeader | null {
  const cards = new Map<string, string>();
  for (let pos = at; pos + CARD <= bytes.length; pos += CARD) {
    const card = Buffer.from(bytes.buffer, bytes.byteOffset + pos, CARD).toString('latin1');
    if (card.startsWith('END') && card.slice(3).trim() === '') {
      const used = pos + CARD - at;
      return new FitsHeader(cards, Math.ceil(used / BLOCK) * BLOCK);
    }
    const kv = parseCard(card);
    if (kv && !cards.has(kv[0])) cards.set(kv[0], kv[1]);
  }
  return null;
}

/** A value card: `KEY     = value` with the value right-aligned in columns 11-30 as the standard advises. */
export function card(key: string, value: string | number | bigint | boolean, comment?: string): string {
  let v: string;
  if (typeof value === 'string') {
    const q = `'${value.replaceAll("'", "''").padEnd(8)}'`;
    v = q.padEnd(20);
  } else if (typeof value === 'boolean') {
    v = (value ? 'T' : 'F').padStart(20);
  } else {
    v = String(value).padStart(20);
  }
  let c = `${key.padEnd(8)}= ${v}`;
  if (comment) c += ` / ${comment}`;
  if (c.length > CARD) {
    if (typeof value === 'string') throw new RangeError(`FITS card ${key}: value too long (${value.length} characters)`);
    c = c.slice(0, CARD);
  }
  return c.padEnd(CARD);
}

/** Cards as a whole number of blocks, with END and blank padding. */
export function headerBytes(cards: string[]): Buffer {
  const text = [...cards, 'END'.padEnd(CARD)].join('');
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 126 || text.charCodeAt(i) < 32) throw new RangeError(`FITS headers hold printable ASCII only: '${text.slice(Math.floor(i / CARD) * CARD, Math.floor(i / CARD) * CARD + CARD).trim()}'`);
  const size = Math.ceil(text.length / BLOCK) * BLOCK;
  return Buffer.from(text.padEnd(size), 'latin1');
}
