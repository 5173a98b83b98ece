// A minimal Avro object container file reader: exactly what a ZTF Kafka
// message (or a Fink file) is. Layout (Avro spec, "Object Container Files"):
//
//   magic 'O' 'b' 'j' 0x01
//   metadata: map<bytes> (avro.schema = writer schema JSON, avro.codec)
//   16-byte sync marker
//   blocks: long count, long size, `size` bytes of (compressed) data, sync
//
// The writer schema is looked up in a SchemaCache (parsed once per distinct
// text), and each block is decoded with that cached type.

import { inflateRawSync } from 'node:zlib';
import { DecodeError, asDecodeError } from './errors.js';
import { type ParsedSchema, SchemaCache } from './schema-cache.js';

export const CONTAINER_MAGIC = [0x4f, 0x62, 0x6a, 0x01] as const; // 'Obj\x01'
const SYNC_SIZE = 16;

/** Codecs we read. The spec also names snappy, bzip2, xz and zstandard. */
export type ContainerCodec = 'null' | 'deflate';

export interface ContainerOptions {
  /** Where writer schemas are cached; a module-wide cache by default. */
  cache?: SchemaCache;
  /** Refuse deflate blocks that inflate beyond this (bytes); default 64 MiB. */
  maxBlockBytes?: number;
}

export interface Container {
  schema: ParsedSchema;
  codec: ContainerCodec;
  /** Metadata entries other than avro.schema / avro.codec. */
  meta: Map<string, Uint8Array>;
  records: unknown[];
}

export const DEFAULT_SCHEMA_CACHE = new SchemaCache();

export function isContainer(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === CONTAINER_MAGIC[0] &&
    bytes[1] === CONTAINER_MAGIC[1] &&
    bytes[2] === CONTAINER_MAGIC[2] &&
    bytes[3] === CONTAINER_MAGIC[3]
  );
}

/** Reads the framing longs (counts, sizes) of the file; values stay far below 2^53. */
class Cursor {
  pos = 4;
  constructor(readonly buf: Buffer) {}

  long(what: string): number {
    const buf = this.buf;
    let v = 0;
    let scale = 1;
    let b: number;
    let n = 0;
    do {
      if (this.pos >= buf.length) throw new DecodeError('truncated', `container ends inside ${what}`);
      b = buf[this.pos++];
      v += (b & 0x7f) * scale;
      scale *= 128;
      if (++n > 8) throw new DecodeError('bad_container', `${what} is not a plausible length`);
    } while (b & 0x80);
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  bytes(n: number, what: string): Buffer {
    if (n < 0) throw new DecodeError('bad_container', `${what} has negative length ${n}`);
    if (this.pos + n > this.buf.length) throw new DecodeError('truncated', `container ends inside ${what}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

function readMeta(cur: Cursor): Map<string, Buffer> {
  const meta = new Map<string, Buffer>();
  for (;;) {
    let count = cur.long('metadata count');
    if (count === 0) return meta;
    if (count < 0) {
      count = -count;
      cur.long('metadata block size');
    }
    for (let i = 0; i < count; i++) {
      const key = cur.bytes(cur.long('metadata key length'), 'metadata key').toString('utf8');
      meta.set(key, cur.bytes(cur.long('metadata value length'), `metadata ${key}`));
    }
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes `count` records that must exactly fill `data`. */
function decodeBlock(schema: ParsedSchema, data: Buffer, count: number, out: unknown[], blockNo: number): void {
  const type = schema.type;
  let pos = 0;
  for (let i = 0; i < count; i++) {
    let res: { value: unknown; offset: number };
    try {
      res = type.decode(data, pos);
    } catch (err) {
      throw asDecodeError(err, 'bad_record', `block ${blockNo} record ${i} does not decode with ${schema.name}`);
    }
    if (res.offset < 0) {
      throw new DecodeError('bad_record', `block ${blockNo} record ${i} runs past the end of its block`);
    }
    out.push(res.value);
    pos = res.offset;
  }
  if (pos !== data.length) {
    throw new DecodeError('trailing_bytes', `block ${blockNo}: ${data.length - pos} bytes after its ${count} records`);
  }
}

/** Reads a whole container file (one Kafka message of ZTF's stream). */
export function readContainer(bytes: Uint8Array, opts: ContainerOptions = {}): Container {
  const buf = toBuffer(bytes);
  if (!isContainer(buf)) throw new DecodeError('bad_container', 'not an Avro container (magic Obj\\x01 missing)');
  const cache = opts.cache ?? DEFAULT_SCHEMA_CACHE;
  const maxBlockBytes = opts.maxBlockBytes ?? 64 * 2 ** 20;
  const cur = new Cursor(buf);

  const meta = readMeta(cur);
  const schemaBytes = meta.get('avro.schema');
  if (schemaBytes === undefined) throw new DecodeError('bad_container', 'container metadata has no avro.schema');
  const codecBytes = meta.get('avro.codec');
  const codecName = codecBytes === undefined ? 'null' : codecBytes.toString('utf8');
  if (codecName !== 'null' && codecName !== 'deflate') {
    throw new DecodeError('unsupported_codec', `container codec '${codecName}' is not supported (null, deflate)`);
  }
  const codec: ContainerCodec = codecName;
  const schema = cache.lookup(schemaBytes);
  meta.delete('avro.schema');
  meta.delete('avro.codec');
  const sync = cur.bytes(SYNC_SIZE, 'sync marker');

  const records: unknown[] = [];
  for (let blockNo = 0; cur.pos < buf.length; blockNo++) {
    const count = cur.long('block count');
    const size = cur.long('block size');
    if (count < 0) throw new DecodeError('bad_container', `block ${blockNo} has negative count ${count}`);
    // Every alert record takes bytes; a count above the size is corruption, not data.
    if (count > size) throw new DecodeError('bad_container', `block ${blockNo} claims ${count} records in ${size} bytes`);
    let data = cur.bytes(size, `block ${blockNo}`);
    const mark = cur.bytes(SYNC_SIZE, `block ${blockNo} sync marker`);
    if (!mark.equals(sync)) throw new DecodeError('sync_mismatch', `block ${blockNo} is not followed by the sync marker`);
    if (codec === 'deflate') {
      try {
        data = inflateRawSync(data, { maxOutputLength: maxBlockBytes });
      } catch (err) {
        throw asDecodeError(err, 'codec_error', `block ${blockNo} does not inflate`);
      }
    }
    decodeBlock(schema, data, count, records, blockNo);
  }
  return { schema, codec, meta, records };
}
