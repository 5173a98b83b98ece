// Schema JSON -> avsc Type, the way every alert schema here is compiled:
// BigInt longs, guarded arrays/maps, union defaults fixed, plain-object records.

import avsc from 'avsc';
import { GuardedArrayType, GuardedMapType } from './guarded-types.js';
import { BIGINT_LONG } from './long.js';
import { dropBadUnionDefaults, type Json } from './schema-fix.js';

export type Registry = Record<string, avsc.Type>;

/** A fresh registry with `long` bound to the BigInt long type. */
export function newRegistry(): Registry {
  return { long: BIGINT_LONG };
}

function typeHook(schema: unknown, opts: unknown): avsc.Type | undefined {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
  const t = (schema as { type?: unknown }).type;
  // `{"type": "long"}` (with or without a logicalType such as Rubin's
  // timestamp-micros) bypasses the registry in avsc, so catch it here.
  if (t === 'long') return BIGINT_LONG;
  if (t === 'array') return new GuardedArrayType(schema, opts) as unknown as avsc.Type;
  if (t === 'map') return new GuardedMapType(schema, opts) as unknown as avsc.Type;
  return undefined;
}

interface TypeNode {
  typeName: string;
  recordConstructor?: { prototype: object };
  fields?: readonly { type: TypeNode }[];
  itemsType?: TypeNode;
  valuesType?: TypeNode;
  types?: readonly TypeNode[];
}

/**
 * Decoded records become plain objects: avsc builds each record with a
 * generated constructor; pointing its prototype at Object.prototype keeps the
 * fast constructor (fixed shape) while the values are plain data, so they
 * serialise, structuredClone and compare like object literals.
 */
function plainRecords(root: TypeNode): void {
  const seen = new Set<TypeNode>();
  const stack = [root];
  while (stack.length > 0) {
    const t = stack.pop() as TypeNode;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.recordConstructor) t.recordConstructor.prototype = Object.prototype;
    if (t.fields) for (const f of t.fields) stack.push(f.type);
    if (t.itemsType) stack.push(t.itemsType);
    if (t.valuesType) stack.push(t.valuesType);
    if (t.types) for (const b of t.types) stack.push(b);
  }
}

export interface Compiled {
  type: avsc.Type;
  /** Union defaults dropped to make the schema acceptable (see schema-fix.ts). */
  defaultsDropped: number;
}

/**
 * Compiles one schema (JSON value, modified in place by the default fix).
 * Named types it references must already be in `registry`; the types it
 * defines are added to it.
 */
export function compileSchema(json: Json, registry: Registry = newRegistry()): Compiled {
  const defaultsDropped = dropBadUnionDefaults(json);
  const type = avsc.Type.forSchema(json as avsc.Schema, {
    registry,
    typeHook,
    omitRecordMethods: true,
    wrapUnions: 'auto',
  });
  plainRecords(type as unknown as TypeNode);
  return { type, defaultsDropped };
}
