// Array and map types that refuse impossible block counts.
//
// avsc reads an array block as `new Array(n)` then n items, trusting n. In a
// corrupt message n can be ~2^60: the loop then reads "items" past the end of
// the buffer (avsc's Tap never throws on overrun) until memory runs out, a hang
// or a crash instead of an error. Every item of a real alert takes at least
// one byte, so a block can never hold more items than bytes remain; these
// subclasses check that before looping. Everything else is avsc's own code.

import avsc from 'avsc';

/** The slice of avsc's internal Tap that the readers use. */
interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
}

interface Readable {
  typeName: string;
  fields?: readonly unknown[];
  _read(tap: Tap): unknown;
}

// Items that may encode to zero bytes (null, empty record): the byte bound does
// not apply, so cap the count at a size no real packet reaches instead.
const ZERO_SIZE_ITEM_CAP = 1 << 24;

function blockLimit(items: Readable, tap: Tap): number {
  const zeroSize = items.typeName === 'null' || (items.typeName === 'record' && items.fields?.length === 0);
  return zeroSize ? ZERO_SIZE_ITEM_CAP : tap.buf.length - tap.pos;
}

function tooMany(kind: string, n: number, limit: number): Error {
  return new RangeError(`${kind} block claims ${n} items but only ${Math.max(0, limit)} bytes remain`);
}

const ArrayBase = avsc.types.ArrayType as unknown as new (schema: unknown, opts: unknown) => object;
const MapBase = avsc.types.MapType as unknown as new (schema: unknown, opts: unknown) => object;

export class GuardedArrayType extends ArrayBase {
  _read(tap: Tap): unknown[] {
    const items = (this as unknown as { itemsType: Readable }).itemsType;
    let val: unknown[] | undefined;
    let i = 0;
    let n: number;
    while ((n = tap.readLong())) {
      if (n < 0) {
        n = -n;
        tap.skipLong(); // block size in bytes, unused
      }
      const limit = blockLimit(items, tap);
      if (!(n <= limit)) throw tooMany('array', n, limit);
      val ??= new Array(n);
      while (n--) val[i++] = items._read(tap);
    }
    return val ?? [];
  }
}

export class GuardedMapType extends MapBase {
  _read(tap: Tap): Record<string, unknown> {
    const values = (this as unknown as { valuesType: Readable }).valuesType;
    const val: Record<string, unknown> = {};
    let n: number;
    while ((n = tap.readLong())) {
      if (n < 0) {
        n = -n;
        tap.skipLong();
      }
      // Each entry has at least its key's length byte.
      const limit = tap.buf.length - tap.pos;
      if (!(n <= limit)) throw tooMany('map', n, limit);
      while (n--) {
        const key = tap.readString();
        const v = values._read(tap);
        if (key === '__proto__') Object.defineProperty(val, key, { value: v, enumerable: true, writable: true });
        else val[key] = v;
      }
    }
    return val;
  }
}
