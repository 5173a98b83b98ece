// Confluent wire format, as Rubin publishes alerts on Kafka: byte 0 = 0
// (magic), bytes 1-4 = schema id (big-endian), then one Avro binary record
// with no container header.

import { DecodeError, asDecodeError } from '../avro/errors.js';
import type { ParsedSchema } from '../avro/schema-cache.js';

export const WIRE_HEADER_BYTES = 5;

export function isConfluentWire(bytes: Uint8Array): boolean {
  return bytes.length >= WIRE_HEADER_BYTES && bytes[0] === 0;
}

export function wireSchemaId(bytes: Uint8Array): number {
  if (!isConfluentWire(bytes)) throw new DecodeError('unknown_format', 'not a Confluent wire message (magic byte 0 + 4-byte id)');
  return ((bytes[1] << 24) | (bytes[2] << 16) | (bytes[3] << 8) | bytes[4]) >>> 0;
}

/** Decodes the single record after the 5-byte header; it must fill the message. */
export function decodeWireBody(bytes: Uint8Array, schema: ParsedSchema): unknown {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let res: { value: unknown; offset: number };
  try {
    res = schema.type.decode(buf, WIRE_HEADER_BYTES);
  } catch (err) {
    throw asDecodeError(err, 'bad_record', `message body does not decode with ${schema.name}`);
  }
  if (res.offset < 0) throw new DecodeError('truncated', `message ends inside a ${schema.name} record`);
  if (res.offset !== buf.length) {
    throw new DecodeError('trailing_bytes', `${buf.length - res.offset} bytes after the ${schema.name} record`);
  }
  return res.value;
}
