// Alert files -> one unit per alert: the decoded record (its Avro type parsed
// once per distinct schema, through the decoder's type cache), the normalised
// alert, and how to frame re-encoded bytes as a Kafka message in the format
// the alert came in:
//   Avro container (ZTF, Fink): a one-record container with the original
//     header (magic, metadata with the schema and codec, sync marker), as the
//     real ZTF stream sends each alert;
//   Confluent wire format (Rubin): magic byte 0 and the 4-byte schema id, then
//     the record.

import { deflateRawSync } from 'node:zlib';
import type avro from 'avsc';
import { typeOf } from '../decoding/avro-types.js';
import type { Alert } from '../decoding/alert.js';
import { containerBlock } from '../avro/container-writer.js';
import { isContainer, readHeader } from '../decoding/container.js';
import type { AlertDecoder } from '../decoding/decoder.js';

export interface AlertUnit {
  alert: Alert;
  /** The alert's Avro record, decoded with its writer type (longs as BigInt). */
  record: Record<string, unknown>;
  type: avro.Type;
  /** Bytes of the record re-encoded -> a whole Kafka message value. */
  frame(data: Buffer): Buffer;
  /** The message of the original alert (copy 0): its own bytes when they are unchanged. */
  original: Buffer;
}

const CUTOUTS = ['cutoutScience', 'cutoutTemplate', 'cutoutDifference'];

function containerFrame(bytes: Uint8Array): (data: Buffer) => Buffer {
  const h = readHeader(bytes);
  const header = Buffer.from(bytes.subarray(0, h.dataStart));
  const sync = Buffer.from(h.sync);
  const deflate = h.codec === 'deflate';
  return (data) => {
    const body = deflate ? deflateRawSync(data) : data;
    return Buffer.concat([header, containerBlock(1, body, sync)]);
  };
}

/** Sets the image stamps to null (or empty bytes where the schema has no null): small messages for load tests. */
function stripCutouts(record: Record<string, unknown>, type: avro.Type): boolean {
  let changed = false;
  const t = type as unknown as { getField?(n: string): { getType(): avro.Type } | undefined };
  for (const k of CUTOUTS) {
    if (!(k in record) || record[k] === null) continue;
    const ft = t.getField?.(k)?.getType() as unknown as { typeName: string; types?: Array<{ typeName: string }> } | undefined;
    if (ft?.types?.some((x) => x.typeName === 'null')) record[k] = null;
    else if (ft?.typeName === 'bytes') record[k] = Buffer.alloc(0);
    else continue;
    changed = true;
  }
  return changed;
}

/** Every alert of one file or message, ready to be copied. */
export async function alertUnits(bytes: Uint8Array, decoder: AlertDecoder, opts: { stripCutouts?: boolean } = {}): Promise<AlertUnit[]> {
  const decoded = await decoder.decodeWithRaw(bytes);
  const container = isContainer(bytes);
  const frame = container ? containerFrame(bytes) : ((prefix: Buffer) => (data: Buffer) => Buffer.concat([prefix, data]))(Buffer.from(bytes.subarray(0, 5)));
  return decoded.map((d) => {
    const type = typeOf(d.schemaText);
    const raw = Buffer.from(d.raw.buffer, d.raw.byteOffset, d.raw.byteLength);
    const record = type.fromBuffer(raw) as Record<string, unknown>;
    let original: Buffer;
    if (opts.stripCutouts && stripCutouts(record, type)) original = frame(type.toBuffer(record));
    else if (!container || decoded.length === 1) original = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    else original = frame(raw);
    return { alert: d.alert, record, type, frame, original };
  });
}
