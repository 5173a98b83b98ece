// avsc set up for real alert schemas: Avro longs as BigInt (ZTF candid and
// Rubin ids exceed 2^53: a rounded id is data loss), and union defaults the
// Avro specification forbids (ZTF's schemas give null defaults to unions whose
// first branch is not null) dropped before parsing: defaults play no part in
// decoding with the writer's own schema. Parsed types are cached by schema
// text, so each distinct schema is parsed once, never per message.

import avro from 'avsc';
import { GuardedArrayType, GuardedMapType } from './guarded-types.js';

const LongType = (avro.types as unknown as { LongType: { __with(m: object): avro.Type } }).LongType;

/** Avro long <-> BigInt, exactly. */
export const BIGINT_LONG = LongType.__with({
  fromBuffer: (b: Buffer) => b.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(n));
    return b;
  },
  fromJSON: (v: unknown) => BigInt(v as string),
  toJSON: (n: bigint) => n.toString(),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

type Schema = unknown;

function typeHook(schema: unknown, opts: unknown): avro.Type | undefined {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
  const t = (schema as { type?: unknown }).type;
  // `{"type": "long"}` (with or without a logicalType such as Rubin's
  // timestamp-micros) bypasses avsc's registry: bind it to BigInt here too.
  if (t === 'long') return BIGINT_LONG;
  // Corrupt block counts must fail fast, not loop past the buffer's end.
  if (t === 'array') return new GuardedArrayType(schema, opts) as unknown as avro.Type;
  if (t === 'map') return new GuardedMapType(schema, opts) as unknown as avro.Type;
  return undefined;
}

/** Removes union defaults that do not match the union's first branch (recursively). */
export function dropBadDefaults(schema: Schema): Schema {
  if (Array.isArray(schema)) return schema.map(dropBadDefaults);
  if (!schema || typeof schema !== 'object') return schema;
  const s = { ...(schema as Record<string, unknown>) };
  if (Array.isArray(s.fields)) {
    s.fields = (s.fields as Array<Record<string, unknown>>).map((f) => {
      const out: Record<string, unknown> = { ...f, type: dropBadDefaults(f.type) };
      if (Array.isArray(f.type) && 'default' in f) {
        const first = f.type[0];
        const firstName = typeof first === 'string' ? first : (first as { type?: string })?.type;
        const d = f.default;
        const matches = firstName === 'null' ? d === null : d !== null;
        if (!matches) delete out.default;
      }
      return out;
    });
  }
  for (const k of ['items', 'values']) if (k in s) s[k] = dropBadDefaults(s[k]);
  if (s.type && typeof s.type === 'object') s.type = dropBadDefaults(s.type);
  return s;
}

const cache = new Map<string, avro.Type>();

/** A type for a schema object, with skyjoin's long and guarded-array handling (not cached). */
export function typeWithHooks(schema: unknown): avro.Type {
  return avro.Type.forSchema(dropBadDefaults(schema) as avro.Schema, { registry: { long: BIGINT_LONG }, wrapUnions: false, typeHook } as never);
}

/** The parsed type of a schema given as JSON text (cached by text). */
export function typeOf(schemaText: string, registry?: Record<string, avro.Type>): avro.Type {
  const hit = cache.get(schemaText);
  if (hit) return hit;
  const t = avro.Type.forSchema(dropBadDefaults(JSON.parse(schemaText)) as avro.Schema, {
    registry: { long: BIGINT_LONG, ...(registry ?? {}) },
    wrapUnions: false,
    typeHook,
  } as never);
  cache.set(schemaText, t);
  return t;
}

/**
 * Parses several schemas that refer to each other by name, dependencies
 * first (avsc fills the shared registry with each named type it meets).
 */
export function typeOfNamed(schemas: unknown[]): avro.Type {
  const registry: Record<string, avro.Type> = { long: BIGINT_LONG };
  let last: avro.Type | null = null;
  for (const s of schemas) last = avro.Type.forSchema(dropBadDefaults(s) as avro.Schema, { registry, wrapUnions: false, typeHook } as never);
  if (!last) throw new TypeError('no schemas given');
  return last;
}

export function cachedTypes(): number {
  return cache.size;
}
