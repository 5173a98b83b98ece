// Avro object container files (the ZTF Kafka message format), read with a
// small reader of our own: header (magic, metadata map, sync marker), then
// blocks of records, null or deflate codec. The record type comes from the
// type cache, so a schema is parsed once however many messages carry it.

import { inflateRawSync } from 'node:zlib';
import type avro from 'avsc';
import { typeOf } from './avro-types.js';
import { skimOf } from './skim.js';
import { DecodeError } from './errors.js';

const MAGIC = [0x4f, 0x62, 0x6a, 0x01];

export function isContainer(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === MAGIC[0] && b[1] === MAGIC[1] && b[2] === MAGIC[2] && b[3] === MAGIC[3];
}

/** Zig-zag varint long at pos; returns [value, next position]. Values stay below 2^53 here (counts, sizes). */
function readLong(b: Uint8Array, pos: number): [number, number] {
  let n = 0, shift = 1, byte: number;
  do {
    if (pos >= b.length) throw new DecodeError('truncated', 'container ends inside a number');
    byte = b[pos++];
    n += (byte & 0x7f) * shift;
    shift *= 128;
    if (shift > 2 ** 63) throw new DecodeError('bad-container', 'varint too long');
  } while (byte & 0x80);
  return [n % 2 === 0 ? n / 2 : -(n + 1) / 2, pos];
}

export interface ContainerHeader {
  schemaText: string;
  codec: string;
  meta: Map<string, Uint8Array>;
  sync: Uint8Array;
  /** Where the first block starts. */
  dataStart: number;
}

const latin = new TextDecoder('latin1');
const utf8 = new TextDecoder();

export function readHeader(b: Uint8Array): ContainerHeader {
  if (!isContainer(b)) throw new DecodeError('bad-container', 'not an Avro container (no Obj\\x01 magic)');
  let pos = 4;
  const meta = new Map<string, Uint8Array>();
  for (;;) {
    let count: number;
    [count, pos] = readLong(b, pos);
    if (count === 0) break;
    if (count < 0) {
      [, pos] = readLong(b, pos); // block size in bytes, not needed
      count = -count;
    }
    for (let i = 0; i < count; i++) {
      let len: number;
      [len, pos] = readLong(b, pos);
      if (len < 0 || pos + len > b.length) throw new DecodeError('truncated', 'container metadata is cut');
      const key = latin.decode(b.subarray(pos, pos + len));
      pos += len;
      [len, pos] = readLong(b, pos);
      if (len < 0 || pos + len > b.length) throw new DecodeError('truncated', 'container metadata is cut');
      meta.set(key, b.subarray(pos, pos + len));
      pos += len;
    }
  }
  if (pos + 16 > b.length) throw new DecodeError('truncated', 'container header has no sync marker');
  const schema = meta.get('avro.schema');
  if (!schema) throw new DecodeError('bad-container', 'container header has no avro.schema');
  const codec = meta.has('avro.codec') ? latin.decode(meta.get('avro.codec')) : 'null';
  return { schemaText: schemaTextOf(schema), codec, meta, sync: b.subarray(pos, pos + 16), dataStart: pos + 16 };
}

// Every ZTF message carries its writer schema (~15 kB of JSON). Decoding it to
// a fresh string per message, then hashing that string in each cache keyed by
// schema, cost more than reading the record; the last few schemas are kept as
// bytes and their one string object is handed out again (whose hash V8 keeps).
const recentSchemas: Array<{ bytes: Uint8Array; text: string }> = [];

function schemaTextOf(bytes: Uint8Array): string {
  for (let i = 0; i < recentSchemas.length; i++) {
    const r = recentSchemas[i];
    if (r.bytes.length === bytes.length && Buffer.compare(r.bytes, bytes) === 0) return r.text;
  }
  const text = utf8.decode(bytes);
  if (recentSchemas.length >= 16) recentSchemas.pop();
  recentSchemas.unshift({ bytes: Uint8Array.from(bytes), text });
  return text;
}

/** Every record of a container file, decoded with its (cached) writer type. */
export function readContainer(bytes: Uint8Array, opts: { skim?: boolean } = {}): { header: ContainerHeader; type: avro.Type; records: unknown[]; raws: Uint8Array[] } {
  const b = bytes;
  const header = readHeader(b);
  if (header.codec !== 'null' && header.codec !== 'deflate') {
    throw new DecodeError('unknown-codec', `container codec '${header.codec}' is not supported (null, deflate)`);
  }
  let type: avro.Type;
  try {
    type = typeOf(header.schemaText);
  } catch (err) {
    throw new DecodeError('bad-schema', `container schema does not parse: ${(err as Error).message}`);
  }
  // Skimming (ZTF): only the fields the pipeline reads become properties.
  const skim = opts.skim ? skimOf(header.schemaText) : null;
  const records: unknown[] = [];
  // Each record's own Avro bytes, unchanged: what the archive appends.
  const raws: Uint8Array[] = [];
  let pos = header.dataStart;
  while (pos < b.length) {
    let count: number, size: number;
    [count, pos] = readLong(b, pos);
    [size, pos] = readLong(b, pos);
    if (count < 0 || size < 0 || pos + size + 16 > b.length) throw new DecodeError('truncated', 'container block is cut');
    let data = Buffer.from(b.buffer, b.byteOffset + pos, size);
    if (header.codec === 'deflate') {
      try {
        data = inflateRawSync(data);
      } catch (err) {
        throw new DecodeError('bad-container', `deflate block does not inflate: ${(err as Error).message}`);
      }
    }
    let off = 0;
    for (let i = 0; i < count; i++) {
      let r: { value: unknown; offset: number };
      try {
        r = (skim ? (skim.read ? skim.read(data, off) : skim.type.decode(data, off, skim.resolver)) : type.decode(data, off)) as { value: unknown; offset: number };
      } catch (err) {
        throw new DecodeError('bad-record', `record ${i} does not decode: ${(err as Error).message}`);
      }
      if (r.offset < 0) throw new DecodeError('truncated', `record ${i} is cut`);
      records.push(r.value);
      raws.push(data.subarray(off, r.offset));
      off = r.offset;
    }
    pos += size;
    for (let k = 0; k < 16; k++) {
      if (b[pos + k] !== header.sync[k]) throw new DecodeError('bad-container', 'block does not end with the sync marker');
    }
    pos += 16;
  }
  return { header, type, records, raws };
}
