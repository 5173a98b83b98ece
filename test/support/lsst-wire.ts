// Rubin alerts in the Confluent wire format, as Rubin's Kafka carries them:
// magic byte 0, the schema id (big-endian int32; Rubin's ids are
// major * 100 + minor, 11.1 -> 1101), then one Avro record written with
// lsst.vX_Y.alert. The records are the real LSSTCam alerts that Fink
// re-published (schema 9.0), each carried over field by field to the schema
// version asked for: fields of the same name keep their values, fields the
// version added get their default (or null).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type avro from 'avsc';
import { AlertDecoder, SchemaFolder } from '../../src/stream/decoding/decoder.js';
import { typeOf } from '../../src/stream/decoding/avro-types.js';
import { SHARED_DATA } from './vectors.js';

export const LSST_SCHEMAS = path.join(SHARED_DATA, 'lsst', 'schema');
export const LSST_VERSIONS = ['9.0', '10.0', '11.0', '11.1'] as const;
export const schemaIdOf = (version: string): number => Number(version.split('.')[0]) * 100 + Number(version.split('.')[1]);

type T = avro.Type & { typeName: string; fields?: Array<{ name: string; type: T; defaultValue(): unknown }>; types?: T[]; itemsType?: T; valuesType?: T; symbols?: string[] };

/** `value` fitted to `type`: same-named fields kept, missing ones defaulted. */
export function conform(value: unknown, type: T): unknown {
  switch (type.typeName) {
    case 'record': case 'error': {
      const src = (value ?? {}) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of type.fields!) {
        const v = src[f.name];
        if (v === undefined) {
          const d = f.defaultValue();
          out[f.name] = d !== undefined ? d : conform(null, f.type);
        } else out[f.name] = conform(v, f.type);
      }
      return out;
    }
    case 'union:unwrapped': case 'union:wrapped': {
      const branches = type.types!;
      if ((value === null || value === undefined) && branches.some((b) => b.typeName === 'null')) return null;
      for (const b of branches) {
        if (b.typeName === 'null') continue;
        const c = conform(value, b);
        if (b.isValid(c)) return c;
      }
      return null;
    }
    case 'array': return Array.isArray(value) ? value.map((x) => conform(x, type.itemsType!)) : [];
    case 'map': return Object.fromEntries(Object.entries((value ?? {}) as Record<string, unknown>).map(([k, v]) => [k, conform(v, type.valuesType!)]));
    case 'long': return typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value ?? 0)));
    case 'int': return Math.trunc(Number(value ?? 0));
    case 'float': case 'double': return typeof value === 'number' ? value : Number(value ?? 0);
    case 'string': return value === null || value === undefined ? '' : String(value);
    case 'boolean': return Boolean(value);
    case 'bytes': return value instanceof Uint8Array ? Buffer.from(value) : Buffer.alloc(0);
    case 'enum': return type.symbols!.includes(String(value)) ? value : type.symbols![0];
    case 'null': return null;
    default: return value;
  }
}

/** The 100 real Rubin alerts (Fink's schema-9.0 container) as plain records. */
export async function realRubinRecords(): Promise<Array<Record<string, unknown>>> {
  const file = path.join(SHARED_DATA, 'lsst', 'real_alerts_fink', 'fink_lsst_v9_0_20250906_100alerts.avro');
  const decoded = await new AlertDecoder().decodeWithRaw(readFileSync(file));
  const type = typeOf(decoded[0].schemaText);
  return decoded.map((d) => type.fromBuffer(Buffer.from(d.raw)) as Record<string, unknown>);
}

/** A wire-format message of `record` written with schema `version` (e.g. '11.1'). */
export function wireMessage(record: Record<string, unknown>, version: string, folder = new SchemaFolder(LSST_SCHEMAS)): Buffer {
  const id = schemaIdOf(version);
  const s = folder.get(id);
  if (!s) throw new Error(`no Rubin schema ${version} in ${LSST_SCHEMAS}`);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(id, 1);
  return Buffer.concat([head, s.type.toBuffer(conform(record, s.type as T))]);
}

/** Rubin's schema `version` as a registry serves it: one JSON text with the named records inlined. */
export function registrySchemaText(version: string, folder = new SchemaFolder(LSST_SCHEMAS)): string {
  return folder.get(schemaIdOf(version))!.text;
}
