// Parse each distinct writer schema once. ZTF puts the whole schema (~23 kB of
// JSON) in every message; parsing it per message caps decoding at a few
// hundred alerts/s, so messages look their schema up here by fingerprint.
//
// The lookup must cost far less than a parse: the fingerprint is the length
// plus an FNV-1a hash of 64 bytes sampled across the text (no full pass in
// JS), and a hit is confirmed by comparing all bytes (native memcmp), so two
// schemas can never be confused. The SHA-256 of the text, computed once per
// schema, is kept as its stable id.

import { createHash } from 'node:crypto';
import type avsc from 'avsc';
import { compileSchema } from './compile.js';
import { DecodeError } from './errors.js';
import type { Json } from './schema-fix.js';

export interface ParsedSchema {
  readonly type: avsc.Type;
  /** The schema text exactly as found (before the default fix). */
  readonly text: string;
  /** Hex SHA-256 of the schema text bytes. */
  readonly sha256: string;
  /** Full name of the top-level type, e.g. 'ztf.alert', 'lsst.v9_0.alert', 'topLevelRecord'. */
  readonly name: string;
  /** The top-level `version` attribute if the schema has one (ZTF: '3.3', '4.02'). */
  readonly version: string | null;
  readonly defaultsDropped: number;
}

interface Entry {
  bytes: Buffer;
  result: ParsedSchema | DecodeError;
}

const SAMPLES = 64;

function sampleHash(b: Uint8Array): number {
  const n = b.length;
  let h = 0x811c9dc5 ^ n;
  const step = n > SAMPLES ? Math.floor(n / SAMPLES) : 1;
  for (let i = 0; i < n; i += step) {
    h = Math.imul(h ^ b[i], 0x01000193);
  }
  return h >>> 0;
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Parses schema text into a ParsedSchema, or throws DecodeError('bad_schema'). */
export function parseSchemaText(text: string): ParsedSchema {
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (err) {
    throw new DecodeError('bad_schema', `writer schema is not JSON: ${(err as Error).message}`, { cause: err });
  }
  try {
    const { type, defaultsDropped } = compileSchema(json);
    const top = json !== null && typeof json === 'object' && !Array.isArray(json) ? json : {};
    return {
      type,
      text,
      sha256: createHash('sha256').update(text).digest('hex'),
      name: (type as unknown as { name?: string }).name ?? String(top.type ?? ''),
      version: typeof top.version === 'string' ? top.version : null,
      defaultsDropped,
    };
  } catch (err) {
    throw new DecodeError('bad_schema', `writer schema rejected: ${(err as Error).message}`, { cause: err });
  }
}

export class SchemaCache {
  private readonly buckets = new Map<number, Entry[]>();
  private count = 0;
  /** Schemas parsed so far (misses); a steady stream should stop growing this. */
  parses = 0;

  /** At most `maxEntries` schemas are kept (oldest fingerprint evicted first). */
  constructor(readonly maxEntries = 256) {
    if (!(Number.isInteger(maxEntries) && maxEntries > 0)) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    }
  }

  get size(): number {
    return this.count;
  }

  /**
   * The parsed schema for these schema-text bytes (UTF-8), parsing on first
   * sight. A schema that failed to parse fails again from the cache.
   */
  lookup(schemaBytes: Uint8Array): ParsedSchema {
    const bytes = asBuffer(schemaBytes);
    const key = sampleHash(bytes);
    let bucket = this.buckets.get(key);
    if (bucket !== undefined) {
      for (const e of bucket) {
        if (e.bytes.length === bytes.length && e.bytes.equals(bytes)) {
          if (e.result instanceof DecodeError) throw e.result;
          return e.result;
        }
      }
    }
    let result: ParsedSchema | DecodeError;
    try {
      result = parseSchemaText(bytes.toString('utf8'));
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      result = err;
    }
    this.parses++;
    if (bucket === undefined) {
      this.evictIfFull();
      bucket = [];
      this.buckets.set(key, bucket);
    }
    // Copy: the key bytes usually live inside a message buffer we must not pin.
    bucket.push({ bytes: Buffer.from(bytes), result });
    this.count++;
    if (result instanceof DecodeError) throw result;
    return result;
  }

  private evictIfFull(): void {
    if (this.count < this.maxEntries) return;
    const oldest = this.buckets.keys().next();
    if (oldest.done) return;
    this.count -= (this.buckets.get(oldest.value) as Entry[]).length;
    this.buckets.delete(oldest.value);
  }
}
