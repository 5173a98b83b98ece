// Avro `long` as BigInt. ZTF candid and Rubin diaSourceId/diaObjectId exceed
// 2^53, where avsc's own long type throws "potential precision loss".
//
// Built with LongType.__with(..., noUnpack = true): avsc then hands fromBuffer
// the raw zig-zag varint bytes, which we fold straight into a bigint instead
// of letting avsc unpack them into an 8-byte buffer first.

import avsc from 'avsc';

const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

/** Decodes one zig-zag varint (1 to 10 bytes) to a bigint. */
export function varintToBigInt(buf: Uint8Array): bigint {
  const n = buf.length;
  if (n <= 7) {
    // Up to 49 bits: exact in a double, and BigInt(number) is cheaper than
    // BigInt arithmetic for the small longs (pid, field ids...) that dominate.
    let v = 0;
    let scale = 1;
    for (let i = 0; i < n; i++) {
      v += (buf[i] & 0x7f) * scale;
      scale *= 128;
    }
    return BigInt(v % 2 === 0 ? v / 2 : -(v + 1) / 2);
  }
  if (n > 10) throw new RangeError(`long varint has ${n} bytes, at most 10 allowed`);
  // Bits 0..27 from the first 4 bytes, bits 28..63 from the rest: both fit a double.
  let lo = 0;
  let hi = 0;
  let scale = 1;
  for (let i = 0; i < 4; i++) {
    lo += (buf[i] & 0x7f) * scale;
    scale *= 128;
  }
  scale = 1;
  for (let i = 4; i < n; i++) {
    hi += (buf[i] & 0x7f) * scale;
    scale *= 128;
  }
  const u = BigInt.asUintN(64, (BigInt(hi) << 28n) | BigInt(lo));
  return (u >> 1n) ^ -(u & 1n);
}

/** Encodes a signed 64-bit bigint as a zig-zag varint. */
export function bigIntToVarint(v: bigint): Buffer {
  let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  const out: number[] = [];
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return Buffer.from(out);
}

function isInt64(v: unknown): v is bigint {
  return typeof v === 'bigint' && v >= MIN_INT64 && v <= MAX_INT64;
}

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new TypeError(`long must be an integer, got ${String(v)}`);
}

/** The BigInt long type; put it in the avsc registry as `long`. */
export const BIGINT_LONG: avsc.Type = avsc.types.LongType.__with(
  {
    fromBuffer: (buf: Buffer) => varintToBigInt(buf),
    toBuffer: (v: bigint) => bigIntToVarint(v),
    fromJSON: toBigInt,
    // JSON has no 64-bit integers: safe values as numbers, the rest as decimal strings.
    toJSON: (v: bigint) => (v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v.toString()),
    isValid: isInt64,
    compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
  },
  true,
);
