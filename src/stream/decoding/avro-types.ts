// avsc set up for real alert schemas: Avro longs as BigInt (ZTF candid and
// Rubin ids exceed 2^53: a rounded id is data loss), and union defaults the
// Avro specification forbids (ZTF's schemas give null defaults to unions whose
// first branch is not null) dropped before parsing: defaults play no part in
// decoding with the writer's own schema. Parsed types are cached by schema
// text, so each distinct schema is parsed once, never per message.

import avro from 'avsc';

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

/** The parsed type of a schema given as JSON text (cached by text). */
export function typeOf(schemaText: string, registry?: Record<string, avro.Type>): avro.Type {
  const hit = cache.get(schemaText);
  if (hit) return hit;
  const t = avro.Type.forSchema(dropBadDefaults(JSON.parse(schemaText)) as avro.Schema, {
    registry: { long: BIGINT_LONG, ...(registry ?? {}) },
    wrapUnions: false,
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
  for (const s of schemas) last = avro.Type.forSchema(dropBadDefaults(s) as avro.Schema, { registry, wrapUnions: false } as never);
  if (!last) throw new TypeError('no schemas given');
  return last;
}

export function cachedTypes(): number {
  return cache.size;
}
